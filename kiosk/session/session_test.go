package session_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"borne/kiosk/session"
	"borne/kiosk/session/sessiontest"
	"borne/kiosk/usage"
)

type rig struct {
	m     *session.Manager
	clock *sessiontest.Clock
	ev    *sessiontest.Events
	root  string
	snaps []session.Snapshot
}

func newRig(t *testing.T, mod func(*session.Options)) *rig {
	t.Helper()
	r := &rig{clock: sessiontest.NewClock(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)), ev: &sessiontest.Events{}, root: filepath.Join(t.TempDir(), "sessions")}
	opt := session.Options{
		Root: r.root, IdleAfter: 90 * time.Second, WarnFor: 30 * time.Second, ThanksFor: 5 * time.Second,
		DefaultLanguage: "fr", Clock: r.clock, Usage: r.ev,
		OnChange: func(s session.Snapshot) { r.snaps = append(r.snaps, s) },
	}
	if mod != nil {
		mod(&opt)
	}
	r.m = session.NewManager(opt)
	return r
}

func (r *rig) start(t *testing.T) session.Snapshot {
	t.Helper()
	if err := r.m.Start(); err != nil {
		t.Fatal(err)
	}
	return r.m.Snapshot()
}

func TestFlowStartLanguageServiceEnd(t *testing.T) {
	r := newRig(t, nil)
	s := r.start(t)
	if s.State != session.Active || s.Screen != session.ScreenLanguage || s.Lang != "fr" {
		t.Fatalf("after start: %+v", s)
	}
	fi, err := os.Stat(s.Dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("session dir %s: %v %v", s.Dir, fi, err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "scan.pdf"), []byte("%PDF-1.7 personal"), 0o400); err != nil {
		t.Fatal(err)
	}
	r.m.ChooseLanguage("ar")
	r.m.OpenService("caf")
	r.m.SetComfort(session.Comfort{HighContrast: true, TextSize: 9, AutoRead: true})
	r.m.OpenService("ameli")
	r.m.OpenService("caf")
	if got := r.m.Snapshot(); got.Screen != session.ScreenService || got.Service != "caf" || got.Lang != "ar" || !got.HighContrast || got.TextSize != session.MaxTextSize || !got.AutoRead {
		t.Fatalf("in service: %+v", got)
	}
	r.clock.Advance(2 * time.Minute) // idle at 90 s, countdown of 30 s: the session ended
	r.m.End(session.EndDone)         // too late: already ended, must not record twice
	got := r.m.Snapshot()
	if got.State != session.Thanks || got.Ended != session.EndIdle || got.Lang != "ar" {
		t.Fatalf("after idle end: %+v", got)
	}
	if !slices.Equal(got.Services, []string{"caf", "ameli"}) {
		t.Fatalf("the thank-you screen (and its ticket) lost what was done: %+v", got.Done)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("session dir still there: %v", err)
	}
	r.clock.Advance(5 * time.Second)
	if got := r.m.Snapshot(); got.State != session.Attract || got.Lang != "fr" || got.Comfort != (session.Comfort{}) || got.Dir != "" || got.Services != nil {
		t.Fatalf("after thanks, language and comfort must reset: %+v", got)
	}
	want := []usage.Kind{usage.SessionStart, usage.Language, usage.TileOpened, usage.TileOpened, usage.TileOpened, usage.SessionEnd}
	if got := r.ev.Kinds(); !equalKinds(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	end := r.ev.All()[5]
	if end.Outcome != "idle" || end.Duration != "1-5m" || end.Session == 0 || end.Session != r.ev.All()[0].Session {
		t.Fatalf("end event %+v", end)
	}
}

func TestIdleTiming(t *testing.T) {
	tests := []struct {
		name      string
		steps     func(r *rig)
		wantState session.State
		wantLeft  time.Duration
	}{
		{"just before idle", func(r *rig) { r.clock.Advance(89 * time.Second) }, session.Active, 0},
		{"idle: countdown starts", func(r *rig) { r.clock.Advance(90 * time.Second) }, session.Warning, 30 * time.Second},
		{"countdown ticks", func(r *rig) { r.clock.Advance(100 * time.Second) }, session.Warning, 20 * time.Second},
		{"activity pushes idle back", func(r *rig) {
			r.clock.Advance(60 * time.Second)
			r.m.Activity()
			r.clock.Advance(60 * time.Second)
		}, session.Active, 0},
		{"activity in countdown continues", func(r *rig) {
			r.clock.Advance(100 * time.Second)
			r.m.Continue()
			r.clock.Advance(80 * time.Second)
		}, session.Active, 0},
		{"countdown runs out", func(r *rig) { r.clock.Advance(120 * time.Second) }, session.Thanks, 0},
		{"navigation counts as activity", func(r *rig) {
			r.clock.Advance(80 * time.Second)
			r.m.ChooseLanguage("en")
			r.clock.Advance(80 * time.Second)
		}, session.Active, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			r.start(t)
			tc.steps(r)
			got := r.m.Snapshot()
			if got.State != tc.wantState || got.Remaining != tc.wantLeft {
				t.Fatalf("state %v remaining %v, want %v %v", got.State, got.Remaining, tc.wantState, tc.wantLeft)
			}
		})
	}
}

func TestCountdownPublishesEverySecond(t *testing.T) {
	r := newRig(t, func(o *session.Options) { o.WarnFor = 5 * time.Second })
	r.start(t)
	r.clock.Advance(90*time.Second + 5*time.Second)
	var left []time.Duration
	for _, s := range r.snaps {
		if s.State == session.Warning {
			left = append(left, s.Remaining)
		}
	}
	want := []time.Duration{5 * time.Second, 4 * time.Second, 3 * time.Second, 2 * time.Second, time.Second}
	if len(left) != len(want) {
		t.Fatalf("countdown %v, want %v", left, want)
	}
	for i := range want {
		if left[i] != want[i] {
			t.Fatalf("countdown %v, want %v", left, want)
		}
	}
	if last := r.snaps[len(r.snaps)-1]; last.State != session.Thanks || last.Ended != session.EndIdle {
		t.Fatalf("last snapshot %+v", last)
	}
}

func TestScanAndTrayReturnWhereTheyCameFrom(t *testing.T) {
	r := newRig(t, nil)
	r.start(t)
	r.m.ChooseLanguage("fr")
	r.m.OpenScan()
	r.m.Back()
	if s := r.m.Snapshot(); s.Screen != session.ScreenHome {
		t.Fatalf("back from a scan opened at home: %q", s.Screen)
	}
	r.m.OpenService("caf")
	r.m.OpenScan()
	if s := r.m.Snapshot(); s.Screen != session.ScreenScan || s.Service != "caf" {
		t.Fatalf("scan for CAF: %+v", s)
	}
	r.m.OpenTray()
	r.m.Back()
	if s := r.m.Snapshot(); s.Screen != session.ScreenService || s.Service != "caf" {
		t.Fatalf("back to the site: %+v", s)
	}
}

func TestCommandsOutsideSessionDoNothing(t *testing.T) {
	r := newRig(t, nil)
	r.m.ChooseLanguage("en")
	r.m.OpenService("caf")
	r.m.End(session.EndDone)
	if got := r.m.Snapshot(); got.State != session.Attract || got.Lang != "fr" {
		t.Fatalf("%+v", got)
	}
	if len(r.ev.Kinds()) != 0 {
		t.Fatalf("events outside a session: %v", r.ev.Kinds())
	}
}

func TestSingleLanguageSkipsLanguageScreen(t *testing.T) {
	r := newRig(t, func(o *session.Options) { o.SkipLanguage = true })
	if s := r.start(t); s.Screen != session.ScreenHome {
		t.Fatalf("screen %q", s.Screen)
	}
}

func TestHelpIsRecordedWithTheScreen(t *testing.T) {
	r := newRig(t, nil)
	r.start(t)
	r.m.ChooseLanguage("es")
	r.m.OpenService("ameli")
	r.m.Help()
	if !r.m.Snapshot().HelpCalled {
		t.Fatal("HelpCalled not set")
	}
	last := r.ev.All()[len(r.ev.All())-1]
	if last.Kind != usage.HelpPressed || last.Screen != session.ScreenService || last.Service != "ameli" {
		t.Fatalf("help event %+v", last)
	}
}

// A crash leaves the session's directory behind; the next start wipes it and
// counts it. session.dir may be shared: recovery deletes only directories
// marked with this kiosk's token (kept in its state dir, so it survives the
// restart), and follows no symlink.
func TestRecoverWipesOnlyItsOwn(t *testing.T) {
	state := t.TempDir()
	owner, err := session.LoadOwner(state)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, func(o *session.Options) { o.Owner = owner })
	s := r.start(t)
	if err := os.MkdirAll(filepath.Join(s.Dir, "downloads", "deep"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "downloads", "deep", "attestation.pdf"), []byte("x"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(s.Dir, "downloads", "deep"), 0o500); err != nil { // a read-only dir must not stop the wipe
		t.Fatal(err)
	}
	// Another of our sessions' directories, outside the root, that a
	// symlink in the root points to.
	outside := t.TempDir()
	if err := os.CopyFS(outside, os.DirFS(s.Dir)); err != nil {
		t.Fatal(err)
	}
	marker := func(owner string) string {
		return fmt.Sprintf(`{"owner":%q,"session":7,"started":1}`, owner)
	}
	others := []struct {
		name string
		make func(path string) error
	}{
		{"s-unmarked", func(p string) error { return os.Mkdir(p, 0o755) }},
		{"s-marked-by-another", func(p string) error {
			return errors.Join(os.Mkdir(p, 0o700), os.WriteFile(filepath.Join(p, ".borne-session"), []byte(marker("someone-else")), 0o600))
		}},
		{"s-damaged-marker", func(p string) error {
			return errors.Join(os.Mkdir(p, 0o700), os.WriteFile(filepath.Join(p, ".borne-session"), []byte("{"), 0o600))
		}},
		{"s-symlink-to-ours", func(p string) error { return os.Symlink(outside, p) }},
		{"s-marker-is-a-symlink", func(p string) error {
			return errors.Join(os.Mkdir(p, 0o700), os.Symlink(filepath.Join(outside, ".borne-session"), filepath.Join(p, ".borne-session")))
		}},
		{"s-a-file", func(p string) error { return os.WriteFile(p, []byte(marker(owner)), 0o600) }},
		{"notes.txt", func(p string) error { return os.WriteFile(p, []byte("x"), 0o600) }},
	}
	for _, o := range others {
		if err := o.make(filepath.Join(r.root, o.name)); err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
	}

	// The kiosk "crashes" here: a new one starts on the same root and state.
	r.clock.Advance(20 * time.Second)
	again, err := session.LoadOwner(state)
	if err != nil || again != owner {
		t.Fatalf("the token after a restart: %q, %v; want %q", again, err, owner)
	}
	after := newRig(t, nil)
	after.m = session.NewManager(session.Options{Root: r.root, Owner: again, Clock: r.clock, Usage: after.ev, DefaultLanguage: "fr"})
	n, err := after.m.Recover()
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("leftover still there: %v", err)
	}
	for _, o := range others {
		if _, err := os.Lstat(filepath.Join(r.root, o.name)); err != nil {
			t.Errorf("%s was deleted: %v", o.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "downloads", "deep", "attestation.pdf")); err != nil {
		t.Errorf("a symlink was followed: %v", err)
	}
	ev := after.ev.All()
	if len(ev) != 1 || ev[0].Kind != usage.SessionEnd || ev[0].Outcome != "recovered" || ev[0].Session != r.ev.All()[0].Session {
		t.Fatalf("recovery events %+v", ev)
	}
	// A kiosk with another token (another kiosk, or a lost state dir)
	// deletes nothing.
	s = after.start(t)
	stranger := session.NewManager(session.Options{Root: r.root, Clock: r.clock, Usage: &sessiontest.Events{}, DefaultLanguage: "fr"})
	if n, err := stranger.Recover(); n != 0 || err != nil {
		t.Fatalf("another kiosk's Recover = %d, %v", n, err)
	}
	if _, err := os.Stat(s.Dir); err != nil {
		t.Fatalf("another kiosk deleted our session: %v", err)
	}
}

func TestRootOwnedByAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	root := filepath.Join(t.TempDir(), "trap")
	if err := os.Mkdir(root, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(root, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := session.PrepareRoot(root); err == nil {
		t.Fatal("a root owned by another user was accepted")
	}
}

func TestCloseEndsRunningSession(t *testing.T) {
	r := newRig(t, nil)
	s := r.start(t)
	r.m.Close()
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("dir survives Close: %v", err)
	}
	if last := r.ev.All()[len(r.ev.All())-1]; last.Outcome != "shutdown" {
		t.Fatalf("last event %+v", last)
	}
}

func equalKinds(a, b []usage.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkReset measures the core's part of a session reset: ending a session
// whose directory holds a typical load (six 2 MB scans), wiping it, and
// recording the end.
func BenchmarkReset(b *testing.B) {
	root := filepath.Join(b.TempDir(), "sessions")
	if r, tmpfs := session.DefaultRoot(); tmpfs {
		root = filepath.Join(r, "bench")
		defer os.RemoveAll(root)
	}
	clock := sessiontest.NewClock(time.Now())
	m := session.NewManager(session.Options{Root: root, IdleAfter: time.Hour, WarnFor: time.Minute, DefaultLanguage: "fr", Clock: clock, Usage: &sessiontest.Events{}})
	page := make([]byte, 2<<20)
	for b.Loop() {
		b.StopTimer()
		if err := m.Start(); err != nil {
			b.Fatal(err)
		}
		dir := m.Snapshot().Dir
		for i := range 6 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("page-%d.jpg", i)), page, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		m.End(session.EndDone)
		b.StopTimer()
		clock.Advance(time.Second) // thank-you screen over: back to attract
		b.StartTimer()
	}
}

// With OnEnd, the session's end hands over the wipe and the end event (the
// visit stops its workers first); the manager does neither itself.
func TestEndHandedOver(t *testing.T) {
	var begun []session.Begun
	var ended []session.Ending
	r := newRig(t, func(o *session.Options) {
		o.OnStart = func(b session.Begun) { begun = append(begun, b) }
		o.OnEnd = func(e session.Ending) { ended = append(ended, e) }
	})
	s := r.start(t)
	r.m.End(session.EndDone)
	if len(begun) != 1 || begun[0].Dir != s.Dir || begun[0].Session == 0 {
		t.Fatalf("started %+v, want the session's dir %s and number", begun, s.Dir)
	}
	if len(ended) != 1 || ended[0].Dir != s.Dir || ended[0].Event.Kind != usage.SessionEnd || ended[0].Event.Outcome != "done" || ended[0].Event.Session != begun[0].Session {
		t.Fatalf("ended %+v, want the dir and the end event of session %d", ended, begun[0].Session)
	}
	if _, err := os.Stat(s.Dir); err != nil {
		t.Fatalf("the manager wiped the dir itself: %v", err)
	}
	if got := r.ev.Kinds(); !equalKinds(got, []usage.Kind{usage.SessionStart}) {
		t.Fatalf("the manager recorded %v itself", got)
	}
	if err := session.Wipe(ended[0].Dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("dir after Wipe: %v", err)
	}
}
