// Package session is the resident's session: a small state machine (attract →
// active → "are you still there?" → thank-you → attract), the idle timer, and
// one private directory per session that is wiped when the session ends and,
// after a crash or power loss, at the next start-up.
//
// The package never touches GTK: the ui sends commands (Start, ChooseLanguage,
// OpenService, Activity, End…) and shows the Snapshots it is handed.
package session

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"borne/kiosk/usage"
)

// State is where the session machine stands.
type State int

const (
	Attract State = iota // nobody is using the kiosk
	Active               // a resident is using it
	Warning              // idle for a while: counting down to the end
	Thanks               // the session has ended and been wiped
)

func (s State) String() string {
	return [...]string{"attract", "active", "warning", "thanks"}[s]
}

// Screen ids; they go into usage events, so they are a closed set.
const (
	ScreenAttract  = "attract"
	ScreenLanguage = "language"
	ScreenHome     = "home"
	ScreenService  = "service"
	ScreenScan     = "scan"     // scanning a document (from home, or for a website)
	ScreenTray     = "tray"     // the documents scanned during this visit
	ScreenCounters = "counters" // where a human can help
	ScreenThanks   = "thanks"
)

// EndReason says why a session ended.
type EndReason string

const (
	EndDone      EndReason = "done"      // the resident pressed "I'm done"
	EndIdle      EndReason = "idle"      // nobody answered "are you still there?"
	EndRecovered EndReason = "recovered" // found at start-up after a crash or power loss
	EndShutdown  EndReason = "shutdown"  // the kiosk was stopped during a session
	EndStaff     EndReason = "staff"     // staff opened maintenance during a session
)

// Comfort is how the resident wants the kiosk to look and sound; it starts
// from the site's defaults and goes back to them when the session ends.
type Comfort struct {
	HighContrast bool
	TextSize     int  // 0 normal, 1 large, 2 largest
	AutoRead     bool // read every new screen aloud
}

// MaxTextSize is the largest text size step.
const MaxTextSize = 2

// Done is what the resident did during the session, for the ticket:
// catalogue ids only, nothing personal. The visit (kiosk/visit) keeps the
// rest: documents attached, pages printed.
type Done struct {
	Services []string // opened, in order, once each
}

// Snapshot is everything the ui needs to draw the current state.
type Snapshot struct {
	Comfort
	Done
	State      State
	Screen     string
	Lang       string
	Service    string        // on ScreenService: the catalogue id
	Remaining  time.Duration // in Warning: time left before the session ends
	HelpCalled bool          // a mediator was called during this session
	Dir        string        // the session's private directory ("" outside a session)
	Ended      EndReason     // in Thanks: why the session ended
}

// Recorder receives anonymous usage events; it must not block.
type Recorder interface{ Record(usage.Event) }

// Begun is a session that has just started.
type Begun struct {
	Session uint32 // the random number its usage events carry
	Dir     string // its private directory
}

// Ending is a session that has just ended: its directory, still to be
// wiped, and the usage event that records its end, still to be recorded.
type Ending struct {
	Dir   string
	Event usage.Event
}

// Options configures a Manager.
type Options struct {
	Root string // parent of the per-session directories
	// Owner marks the session directories as this kiosk's (LoadOwner):
	// Recover deletes no others. Empty: a token for this process only.
	Owner           string
	IdleAfter       time.Duration
	WarnFor         time.Duration
	ThanksFor       time.Duration
	DefaultLanguage string
	SkipLanguage    bool    // only one language: go straight to the home screen
	Comfort         Comfort // the site's defaults
	Clock           Clock
	Usage           Recorder
	Log             *slog.Logger
	// OnStart is told of each session that starts, under the manager's
	// lock: it must not block nor call back into the Manager.
	OnStart func(Begun)
	// OnEnd takes over a session's end, under the manager's lock (it must
	// not block nor call back): it wipes the directory (Wipe) and records
	// the event once what the session started has stopped. nil: both
	// happen at once.
	OnEnd func(Ending)
	// OnChange is called with every new snapshot, in order, while the
	// manager's lock is held: it must hand the snapshot over (e.g. to the
	// GTK main loop) and never call back into the Manager.
	OnChange func(Snapshot)
}

// Manager runs the session machine. All methods are safe from any goroutine.
type Manager struct {
	opt Options

	mu           sync.Mutex
	snap         Snapshot
	sessionNum   uint32
	started      time.Time
	lastActivity time.Time
	timer        Timer
	generation   uint64 // bumps on every state change; stale timers see it and do nothing
}

// NewManager makes a manager in the Attract state. Call Recover once at
// start-up before the first session.
func NewManager(opt Options) *Manager {
	if opt.Clock == nil {
		opt.Clock = RealClock{}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.OnChange == nil {
		opt.OnChange = func(Snapshot) {}
	}
	if opt.Owner == "" {
		opt.Owner = rand.Text()
	}
	m := &Manager{opt: opt}
	if m.opt.OnEnd == nil {
		m.opt.OnEnd = func(e Ending) {
			if err := Wipe(e.Dir); err != nil {
				// The next session gets a fresh directory anyway; start-up retries.
				m.opt.Log.Error("session: wipe failed", "err", err)
			}
			if m.opt.Usage != nil {
				m.opt.Usage.Record(e.Event)
			}
		}
	}
	m.snap = m.attractSnapshot()
	return m
}

func (m *Manager) attractSnapshot() Snapshot {
	return Snapshot{State: Attract, Screen: ScreenAttract, Lang: m.opt.DefaultLanguage, Comfort: m.opt.Comfort}
}

// Snapshot returns the current state.
func (m *Manager) Snapshot() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap
}

// Start begins a session (the resident touched the attract screen). It does
// nothing outside the Attract state.
func (m *Manager) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap.State != Attract {
		return nil
	}
	num, err := randomSessionNumber()
	if err != nil {
		return err
	}
	now := m.opt.Clock.Now()
	dir, err := createSessionDir(m.opt.Root, m.opt.Owner, num, now)
	if err != nil {
		return err
	}
	m.sessionNum, m.started, m.lastActivity = num, now, now
	screen := ScreenLanguage
	if m.opt.SkipLanguage {
		screen = ScreenHome
	}
	m.record(usage.Event{Kind: usage.SessionStart, Lang: m.snap.Lang, Screen: screen})
	m.snap = Snapshot{State: Active, Screen: screen, Lang: m.snap.Lang, Comfort: m.snap.Comfort, Dir: dir}
	if m.opt.OnStart != nil {
		m.opt.OnStart(Begun{Session: num, Dir: dir})
	}
	m.armIdle(m.opt.IdleAfter)
	m.publish()
	return nil
}

// ChooseLanguage sets the session's language and opens the home screen.
func (m *Manager) ChooseLanguage(code string) {
	m.inSession(func() {
		m.snap.Lang = code
		m.snap.Screen, m.snap.Service = ScreenHome, ""
		m.record(usage.Event{Kind: usage.Language, Lang: code})
	})
}

// ShowLanguages goes back to the language screen.
func (m *Manager) ShowLanguages() {
	m.inSession(func() { m.snap.Screen, m.snap.Service = ScreenLanguage, "" })
}

// OpenService opens a catalogue service's screen.
func (m *Manager) OpenService(id string) {
	m.inSession(func() {
		m.snap.Screen, m.snap.Service = ScreenService, id
		if !slices.Contains(m.snap.Services, id) {
			m.snap.Services = append(slices.Clip(m.snap.Services), id)
		}
		m.record(usage.Event{Kind: usage.TileOpened, Service: id})
	})
}

// OpenScan opens the scanning screen; the current service, if any, stays
// the place to go back to.
func (m *Manager) OpenScan() { m.inSession(func() { m.snap.Screen = ScreenScan }) }

// OpenTray shows the documents scanned during this visit.
func (m *Manager) OpenTray() { m.inSession(func() { m.snap.Screen = ScreenTray }) }

// OpenCounters shows the agencies where a human can help.
func (m *Manager) OpenCounters() { m.inSession(func() { m.snap.Screen = ScreenCounters }) }

// Back leaves the scan or tray screen for the service it was opened from,
// or the home screen.
func (m *Manager) Back() {
	m.inSession(func() {
		if m.snap.Service != "" {
			m.snap.Screen = ScreenService
		} else {
			m.snap.Screen = ScreenHome
		}
	})
}

// GoHome returns to the home tiles.
func (m *Manager) GoHome() {
	m.inSession(func() { m.snap.Screen, m.snap.Service = ScreenHome, "" })
}

// SetComfort changes contrast, text size or reading aloud for the rest of
// this session (or, on the attract screen, until the next one ends).
func (m *Manager) SetComfort(c Comfort) {
	c.TextSize = min(max(c.TextSize, 0), MaxTextSize)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap.Comfort = c
	m.touch()
	m.publish()
}

// Help records that the resident called a mediator, from whatever screen.
func (m *Manager) Help() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.record(usage.Event{Kind: usage.HelpPressed, Screen: m.snap.Screen, Service: m.snap.Service})
	m.snap.HelpCalled = true
	m.touch()
	m.publish()
}

// Activity tells the machine that the resident did something (a tap, a key,
// input in the web view). During the countdown it means "I'm still here".
func (m *Manager) Activity() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.touch()
}

// Continue answers "are you still there?" with yes.
func (m *Manager) Continue() { m.Activity() }

// End ends the session now: its directory is wiped, the thank-you screen
// follows, then the attract screen.
func (m *Manager) End(reason EndReason) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.end(reason)
}

// inSession applies a navigation step during a session and counts it as activity.
func (m *Manager) inSession(step func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap.State != Active && m.snap.State != Warning {
		return
	}
	step()
	m.touch()
	m.publish()
}

// touch records activity; in Warning it cancels the countdown.
func (m *Manager) touch() {
	switch m.snap.State {
	case Active:
		m.lastActivity = m.opt.Clock.Now()
	case Warning:
		m.lastActivity = m.opt.Clock.Now()
		m.snap.State, m.snap.Remaining = Active, 0
		m.armIdle(m.opt.IdleAfter)
		m.publish()
	}
}

func (m *Manager) end(reason EndReason) {
	if m.snap.State != Active && m.snap.State != Warning {
		return
	}
	elapsed := m.opt.Clock.Now().Sub(m.started)
	m.opt.OnEnd(Ending{Dir: m.snap.Dir, Event: usage.Event{At: m.opt.Clock.Now(), Session: m.sessionNum, Kind: usage.SessionEnd,
		Outcome: string(reason), Duration: usage.DurationBucket(elapsed), Screen: m.snap.Screen, Lang: m.snap.Lang}})
	m.opt.Log.Info("session ended", "reason", reason, "duration", usage.DurationBucket(elapsed))
	m.snap = Snapshot{State: Thanks, Screen: ScreenThanks, Lang: m.snap.Lang, Comfort: m.snap.Comfort, Done: m.snap.Done, Ended: reason}
	m.sessionNum = 0
	m.arm(m.opt.ThanksFor, func() {
		m.snap = m.attractSnapshot()
		m.publish()
	})
	m.publish()
}

// armIdle waits until the resident has been idle for IdleAfter, then starts the countdown.
func (m *Manager) armIdle(d time.Duration) {
	m.arm(d, func() {
		if idle := m.opt.Clock.Now().Sub(m.lastActivity); idle < m.opt.IdleAfter {
			m.armIdle(m.opt.IdleAfter - idle)
			return
		}
		m.snap.State = Warning
		m.countdown(m.opt.Clock.Now().Add(m.opt.WarnFor))
	})
}

// countdown publishes the time left once a second, then ends the session.
func (m *Manager) countdown(deadline time.Time) {
	left := deadline.Sub(m.opt.Clock.Now())
	if left <= 0 {
		m.end(EndIdle)
		return
	}
	m.snap.Remaining = left.Round(time.Second)
	m.publish()
	step := left - (left/time.Second)*time.Second // land on whole seconds
	if step == 0 {
		step = time.Second
	}
	m.arm(step, func() { m.countdown(deadline) })
}

// arm replaces the pending timer; the callback runs under the lock and only
// if nothing else changed the state meanwhile.
func (m *Manager) arm(d time.Duration, f func()) {
	if m.timer != nil {
		m.timer.Stop()
	}
	m.generation++
	gen := m.generation
	m.timer = m.opt.Clock.AfterFunc(d, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if gen != m.generation {
			return
		}
		f()
	})
}

// record stamps an event with the time and, unless it names one, the current
// session's number.
func (m *Manager) record(e usage.Event) {
	if m.opt.Usage == nil {
		return
	}
	e.At = m.opt.Clock.Now()
	if e.Session == 0 {
		e.Session = m.sessionNum
	}
	m.opt.Usage.Record(e)
}

func (m *Manager) publish() { m.opt.OnChange(m.snap) }

// Close ends a running session (the kiosk is stopping) and stops the timers.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.end(EndShutdown)
	if m.timer != nil {
		m.timer.Stop()
	}
	m.generation++
}

func randomSessionNumber() (uint32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("session: random session number: %w", err)
	}
	return binary.LittleEndian.Uint32(b[:]) | 1, nil // never 0: 0 means "no session"
}
