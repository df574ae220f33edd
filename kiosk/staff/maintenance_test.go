package staff

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"borne/kiosk/session/sessiontest"
)

const goodPIN = "482915"

// cheapHash hashes with bcrypt's lowest cost: the tests check many PINs.
func cheapHash(pin string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}

var t0 = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

type rig struct {
	m     *Maintenance
	clock *sessiontest.Clock
	dir   string

	mu    sync.Mutex
	snaps []Snapshot
}

func newRig(t *testing.T, dir string, clock *sessiontest.Clock, hash string) *rig {
	t.Helper()
	r := &rig{clock: clock, dir: dir}
	m, err := NewMaintenance(MaintenanceOptions{
		PINHash: hash, StateDir: dir, Clock: clock,
		OnChange: func(s Snapshot) { r.mu.Lock(); r.snaps = append(r.snaps, s); r.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

func (r *rig) mode(t *testing.T, want Mode, via Via) {
	t.Helper()
	if s := r.m.Snapshot(); s.Mode != want || s.Via != via {
		t.Fatalf("mode %v via %q; want %v via %q", s.Mode, s.Via, want, via)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.snaps) == 0 || r.snaps[len(r.snaps)-1] != r.m.Snapshot() {
		t.Fatalf("OnChange did not get the last snapshot")
	}
}

func (r *rig) gesturePIN(t *testing.T, pin string) error {
	t.Helper()
	if err := r.m.Gesture(); err != nil {
		t.Fatal(err)
	}
	return r.m.SubmitPIN(pin)
}

func TestMaintenanceKeySwitch(t *testing.T) {
	r := newRig(t, t.TempDir(), sessiontest.NewClock(t0), "")
	r.m.KeySwitch(true)
	r.mode(t, Open, ViaKey)
	r.clock.Advance(DefaultIdleTimeout - time.Second)
	r.m.Activity()
	r.clock.Advance(DefaultIdleTimeout - time.Second)
	r.mode(t, Open, ViaKey) // activity pushed the timeout back
	r.m.KeySwitch(false)
	r.mode(t, Closed, "")

	// The timeout closes maintenance even with the key left turned.
	r.m.KeySwitch(true)
	r.clock.Advance(DefaultIdleTimeout)
	r.mode(t, Closed, "")
	if !r.m.Snapshot().KeyOn {
		t.Error("KeyOn lost after the timeout")
	}
	r.m.KeySwitch(false)
	r.m.KeySwitch(true)
	r.mode(t, Open, ViaKey)
	r.m.Leave()
	r.mode(t, Closed, "")

	if err := r.m.Gesture(); !errors.Is(err, ErrNoPIN) {
		t.Errorf("Gesture without a PIN: %v; want ErrNoPIN", err)
	}
}

func TestMaintenanceGestureAndPIN(t *testing.T) {
	r := newRig(t, t.TempDir(), sessiontest.NewClock(t0), cheapHash(goodPIN))
	if err := r.m.SubmitPIN(goodPIN); !errors.Is(err, ErrNotAsking) {
		t.Errorf("PIN without the gesture: %v; want ErrNotAsking", err)
	}
	if err := r.gesturePIN(t, "000001"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	r.mode(t, AskingPIN, "")
	if left := r.m.Snapshot().AttemptsLeft; left != DefaultPolicy.MaxFailures-1 {
		t.Errorf("attempts left %d; want %d", left, DefaultPolicy.MaxFailures-1)
	}
	if err := r.m.SubmitPIN(goodPIN); err != nil {
		t.Fatal(err)
	}
	r.mode(t, Open, ViaPIN)
	if left := r.m.Snapshot().AttemptsLeft; left != DefaultPolicy.MaxFailures {
		t.Errorf("a good PIN did not reset the count: %d left", left)
	}
	r.clock.Advance(DefaultIdleTimeout)
	r.mode(t, Closed, "")

	// The PIN pad closes by itself, and Cancel closes it.
	r.m.Gesture()
	r.clock.Advance(DefaultPromptTimeout)
	r.mode(t, Closed, "")
	r.m.Gesture()
	r.m.Cancel()
	r.mode(t, Closed, "")

	// The key opens over the PIN pad; turning it off closes.
	r.m.Gesture()
	r.m.KeySwitch(true)
	r.mode(t, Open, ViaKey)
	r.m.KeySwitch(false)
	r.mode(t, Closed, "")
}

func TestLockout(t *testing.T) {
	dir := t.TempDir()
	clock := sessiontest.NewClock(t0)
	r := newRig(t, dir, clock, cheapHash(goodPIN))
	wrong := func(n int) error {
		var err error
		for range n {
			if err = r.gesturePIN(t, "000001"); err == nil {
				t.Fatal("wrong PIN accepted")
			}
		}
		return err
	}
	var locked *LockedError
	if err := wrong(DefaultPolicy.MaxFailures); !errors.As(err, &locked) || !locked.Until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after %d wrong PINs: %v; want locked until %v", DefaultPolicy.MaxFailures, err, t0.Add(time.Minute))
	}
	r.mode(t, Closed, "")
	if err := r.gesturePIN(t, goodPIN); !errors.As(err, &locked) {
		t.Fatalf("good PIN while locked: %v; want locked", err)
	}

	// A restart keeps the lock: the state is on disk.
	r = newRig(t, dir, clock, cheapHash(goodPIN))
	if until := r.m.Snapshot().LockedUntil; !until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after a restart: locked until %v; want %v", until, t0.Add(time.Minute))
	}
	if err := r.gesturePIN(t, goodPIN); !errors.As(err, &locked) {
		t.Fatalf("good PIN while locked after a restart: %v", err)
	}

	// The next lock in a row lasts twice as long.
	clock.Advance(time.Minute)
	if err := wrong(DefaultPolicy.MaxFailures); !errors.As(err, &locked) || !locked.Until.Equal(clock.Now().Add(2*time.Minute)) {
		t.Fatalf("second lock: %v; want until %v", err, clock.Now().Add(2*time.Minute))
	}
	clock.Advance(2 * time.Minute)
	if err := r.gesturePIN(t, goodPIN); err != nil {
		t.Fatalf("good PIN after the lock: %v", err)
	}
	r.m.Leave()
	if err := wrong(DefaultPolicy.MaxFailures); !errors.As(err, &locked) || !locked.Until.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("a good PIN did not reset the lock length: %v", err)
	}

	// A clock set back does not stretch the lock past MaxLock.
	r = newRig(t, dir, sessiontest.NewClock(t0.AddDate(-5, 0, 0)), cheapHash(goodPIN))
	if got, want := r.m.Snapshot().LockedUntil, t0.AddDate(-5, 0, 0).Add(DefaultPolicy.MaxLock); !got.Equal(want) {
		t.Errorf("clock set back: locked until %v; want %v", got, want)
	}
}

func TestLockoutCountsBeforeChecking(t *testing.T) {
	dir := t.TempDir()
	l, err := loadLockout(dir, DefaultPolicy, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	// Power lost during the check: the attempt is already on disk.
	l.check(func() (bool, error) {
		l2, err := loadLockout(dir, DefaultPolicy, func() time.Time { return t0 })
		if err != nil || l2.st.Failures != 1 {
			t.Errorf("during the check, the file holds %d failures (%v); want 1", l2.st.Failures, err)
		}
		return true, nil
	})
	// A damaged state file locks rather than opens.
	if err := os.WriteFile(filepath.Join(dir, LockoutFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, _ = loadLockout(dir, DefaultPolicy, func() time.Time { return t0 })
	var locked *LockedError
	if err := l.check(func() (bool, error) { return true, nil }); !errors.As(err, &locked) {
		t.Errorf("damaged state file: %v; want locked", err)
	}
	// An unwritable state dir refuses the attempt.
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o500)
		l, _ = loadLockout(ro, DefaultPolicy, func() time.Time { return t0 })
		if err := l.check(func() (bool, error) { return true, nil }); err == nil {
			t.Error("unrecorded attempt allowed")
		}
	}
}

func TestOutOfService(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, dir, sessiontest.NewClock(t0), "")
	if err := r.m.SetOutOfService(true); err == nil {
		t.Error("out of service while maintenance is closed: no error")
	}
	r.m.KeySwitch(true)
	if err := r.m.SetOutOfService(true); err != nil {
		t.Fatal(err)
	}
	if !r.m.Snapshot().OutOfService {
		t.Fatal("not out of service")
	}
	r.m.KeySwitch(false)
	if r = newRig(t, dir, sessiontest.NewClock(t0), ""); !r.m.Snapshot().OutOfService {
		t.Fatal("out of service lost at restart")
	}
	r.m.KeySwitch(true)
	if err := r.m.SetOutOfService(false); err != nil {
		t.Fatal(err)
	}
	if r = newRig(t, dir, sessiontest.NewClock(t0), ""); r.m.Snapshot().OutOfService {
		t.Fatal("back in service lost at restart")
	}
}

func TestNewMaintenanceRefusesBadHash(t *testing.T) {
	if _, err := NewMaintenance(MaintenanceOptions{PINHash: "482915", StateDir: t.TempDir()}); err == nil {
		t.Error("a PIN in clear accepted as a hash")
	}
}
