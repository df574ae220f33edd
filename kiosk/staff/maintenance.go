// Package staff is what lobby agents can do at the kiosk itself: enter the
// maintenance mode with the key switch or a hidden gesture and the staff PIN
// (with a lockout after repeated wrong PINs), take the kiosk out of service,
// and export the usage figures to a USB key. It never touches GTK: the
// maintenance screens call a Maintenance and show its Snapshots.
package staff

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"borne/kiosk/atomicfile"
	"borne/kiosk/pincode"
	"borne/kiosk/session"
)

// Mode is where the maintenance machine stands.
type Mode int

const (
	Closed    Mode = iota // residents' use
	AskingPIN             // the hidden gesture was made: the PIN pad is shown
	Open                  // the maintenance screens are shown
)

func (m Mode) String() string { return [...]string{"closed", "asking-pin", "open"}[m] }

// Via says how maintenance was opened.
type Via string

const (
	ViaKey Via = "key" // the maintenance key switch
	ViaPIN Via = "pin" // the hidden gesture and the staff PIN
)

// OutOfServiceFile marks the kiosk out of service, in the state dir: it
// stays so across restarts until staff put it back.
const OutOfServiceFile = "out-of-service"

// Defaults of MaintenanceOptions.
const (
	DefaultIdleTimeout   = 5 * time.Minute  // maintenance closes by itself
	DefaultPromptTimeout = 30 * time.Second // the PIN pad closes by itself
)

// Snapshot is everything the maintenance screens need.
type Snapshot struct {
	Mode         Mode
	Via          Via       // in Open: how it was opened
	KeyOn        bool      // the key switch is turned
	OutOfService bool      // residents see the out-of-service screen
	LockedUntil  time.Time // the PIN pad is locked until then; zero when it is not
	AttemptsLeft int       // wrong PINs left before the pad locks
	PINEnabled   bool      // a staff PIN is set: the gesture opens the PIN pad
}

// MaintenanceOptions configures a Maintenance.
type MaintenanceOptions struct {
	PINHash       string // staff PIN hash (pincode.CheckHash); "" leaves the key switch as the only way in
	StateDir      string // lockout and out-of-service state
	Policy        Policy // zero: DefaultPolicy
	IdleTimeout   time.Duration
	PromptTimeout time.Duration
	Clock         session.Clock
	Log           *slog.Logger
	// OnChange is called with every new snapshot, in order, while the lock
	// is held: hand it over (e.g. to the GTK main loop), never call back.
	OnChange func(Snapshot)
}

// ErrNoPIN says the PIN pad cannot open: no staff PIN is configured.
var ErrNoPIN = errors.New("staff: no staff PIN is configured: use the maintenance key")

// ErrNotAsking says a PIN came while the PIN pad was not shown.
var ErrNotAsking = errors.New("staff: the PIN pad is not open")

// Maintenance is the maintenance-mode state machine: opened by the key
// switch, or by the hidden gesture then the staff PIN; closed by the key,
// by Leave, or after IdleTimeout without Activity, even with the key left
// turned (then turn it off and on again). All methods are safe from any
// goroutine.
type Maintenance struct {
	opt  MaintenanceOptions
	lock *lockout

	mu         sync.Mutex
	snap       Snapshot
	timer      session.Timer
	generation uint64 // bumps on every change of mode; stale timers do nothing
}

// NewMaintenance loads the lockout and out-of-service state from the state
// dir and starts Closed.
func NewMaintenance(opt MaintenanceOptions) (*Maintenance, error) {
	if opt.PINHash != "" {
		if err := pincode.CheckHash(opt.PINHash); err != nil {
			return nil, err
		}
	}
	if opt.Policy == (Policy{}) {
		opt.Policy = DefaultPolicy
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = DefaultIdleTimeout
	}
	if opt.PromptTimeout <= 0 {
		opt.PromptTimeout = DefaultPromptTimeout
	}
	if opt.Clock == nil {
		opt.Clock = session.RealClock{}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.OnChange == nil {
		opt.OnChange = func(Snapshot) {}
	}
	if err := os.MkdirAll(opt.StateDir, 0o750); err != nil {
		return nil, fmt.Errorf("staff: state dir: %w", err)
	}
	lock, err := loadLockout(opt.StateDir, opt.Policy, opt.Clock.Now)
	if err != nil {
		return nil, err
	}
	m := &Maintenance{opt: opt, lock: lock}
	_, err = os.Stat(m.outOfServicePath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("staff: out-of-service state: %w", err)
	}
	m.snap = Snapshot{OutOfService: err == nil, PINEnabled: opt.PINHash != ""}
	m.snap.LockedUntil, m.snap.AttemptsLeft = lock.status()
	return m, nil
}

func (m *Maintenance) outOfServicePath() string {
	return filepath.Join(m.opt.StateDir, OutOfServiceFile)
}

// Snapshot returns the current state.
func (m *Maintenance) Snapshot() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap
}

// KeySwitch reports the key switch's new position: on opens maintenance,
// off closes it.
func (m *Maintenance) KeySwitch(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap.KeyOn = on
	switch {
	case on:
		m.openLocked(ViaKey)
	case m.snap.Mode != Closed:
		m.closeLocked("key switch off")
	default:
		m.publish()
	}
}

// Gesture reports the hidden gesture: it shows the PIN pad, from Closed.
func (m *Maintenance) Gesture() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opt.PINHash == "" {
		return ErrNoPIN
	}
	if m.snap.Mode != Closed {
		return nil
	}
	m.snap.Mode = AskingPIN
	m.refreshLockLocked()
	m.armLocked(m.opt.PromptTimeout)
	m.publish()
	return nil
}

// SubmitPIN checks the PIN typed on the pad. It returns nil (maintenance is
// open), ErrWrongPIN, a *LockedError, ErrNotAsking, or why the attempt could
// not be checked. The check takes a fraction of a second (argon2id): call it
// off the GTK main loop.
func (m *Maintenance) SubmitPIN(pin string) error {
	m.mu.Lock()
	if m.snap.Mode != AskingPIN {
		m.mu.Unlock()
		return ErrNotAsking
	}
	m.mu.Unlock()

	// The hash is checked without m.mu so that the key switch and the
	// timers keep working meanwhile; the lockout serialises attempts.
	err := m.lock.check(func() (bool, error) { return pincode.Verify(m.opt.PINHash, pin) })

	m.mu.Lock()
	defer m.mu.Unlock()
	m.refreshLockLocked()
	var locked *LockedError
	switch {
	case err == nil && m.snap.Mode == AskingPIN:
		m.openLocked(ViaPIN)
		return nil
	case err == nil && m.snap.Mode == Open: // the key opened it meanwhile
		m.publish()
		return nil
	case err == nil: // the pad closed meanwhile (timeout, cancel): do not open behind it
		m.publish()
		return ErrNotAsking
	case errors.As(err, &locked):
		m.opt.Log.Warn("staff: PIN pad locked after repeated wrong PINs", "until", locked.Until)
		if m.snap.Mode == AskingPIN {
			m.closeLocked("PIN pad locked")
		}
	case errors.Is(err, ErrWrongPIN):
		m.opt.Log.Info("staff: wrong PIN", "attempts_left", m.snap.AttemptsLeft)
		if m.snap.Mode == AskingPIN {
			m.armLocked(m.opt.PromptTimeout)
		}
		m.publish()
	default:
		m.opt.Log.Error("staff: PIN not checked", "err", err)
		m.publish()
	}
	return err
}

// Cancel closes the PIN pad.
func (m *Maintenance) Cancel() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap.Mode == AskingPIN {
		m.closeLocked("PIN pad cancelled")
	}
}

// Activity reports a touch on a maintenance screen or the PIN pad: it pushes
// back the timeout.
func (m *Maintenance) Activity() {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch m.snap.Mode {
	case Open:
		m.armLocked(m.opt.IdleTimeout)
	case AskingPIN:
		m.armLocked(m.opt.PromptTimeout)
	}
}

// Leave closes maintenance ("back to residents"). With the key still
// turned, maintenance reopens only when the key is turned off and on.
func (m *Maintenance) Leave() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap.Mode != Closed {
		m.closeLocked("left by staff")
	}
}

// SetOutOfService shows (on) or removes the out-of-service screen; only
// from the maintenance screens. The choice survives restarts.
func (m *Maintenance) SetOutOfService(on bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap.Mode != Open {
		return errors.New("staff: out of service: maintenance is not open")
	}
	if on == m.snap.OutOfService {
		return nil
	}
	var err error
	if on {
		err = atomicfile.WriteFile(m.outOfServicePath(), []byte(m.opt.Clock.Now().Format(time.RFC3339)+"\n"), 0o640)
	} else if err = os.Remove(m.outOfServicePath()); errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("staff: out of service: %w", err)
	}
	m.snap.OutOfService = on
	m.opt.Log.Info("staff: out of service", "on", on)
	m.armLocked(m.opt.IdleTimeout)
	m.publish()
	return nil
}

func (m *Maintenance) openLocked(via Via) {
	if m.snap.Mode != Open {
		m.opt.Log.Info("staff: maintenance opened", "via", via)
	}
	m.snap.Mode, m.snap.Via = Open, via
	m.armLocked(m.opt.IdleTimeout)
	m.publish()
}

func (m *Maintenance) closeLocked(why string) {
	if m.snap.Mode == Open {
		m.opt.Log.Info("staff: maintenance closed", "why", why)
	}
	m.snap.Mode, m.snap.Via = Closed, ""
	m.generation++
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.publish()
}

// armLocked (re)starts the timeout of the current mode.
func (m *Maintenance) armLocked(d time.Duration) {
	m.generation++
	if m.timer != nil {
		m.timer.Stop()
	}
	gen := m.generation
	m.timer = m.opt.Clock.AfterFunc(d, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.generation == gen && m.snap.Mode != Closed {
			m.closeLocked("timeout")
		}
	})
}

func (m *Maintenance) refreshLockLocked() {
	m.snap.LockedUntil, m.snap.AttemptsLeft = m.lock.status()
}

func (m *Maintenance) publish() { m.opt.OnChange(m.snap) }
