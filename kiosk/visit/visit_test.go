package visit

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"borne/kiosk/downloads"
	"borne/kiosk/session"
	"borne/kiosk/session/sessiontest"
	"borne/kiosk/shrink"
	"borne/kiosk/ticket"
	"borne/kiosk/tray"
	"borne/kiosk/usage"
)

// The tests run a real session manager (its directory, its wipe) with a
// host, the real tray and shrink; the devices are small fakes that inject
// what a real one cannot on demand: a scan or a print that completes after
// the visit closed, a worker that never returns.

// steps records what happened, in order, from any goroutine.
type steps struct {
	mu  sync.Mutex
	all []string
}

func (s *steps) add(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, step)
}

func (s *steps) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.all)
}

// gate holds a fake device's answer until the test opens it; the device
// ignores its context meanwhile, as a stuck backend does.
type gate struct {
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 16), open: make(chan struct{})} }

func (g *gate) pass() {
	if g == nil {
		return
	}
	g.entered <- struct{}{}
	<-g.open
}

// fakeScanner returns one page, after its gate when it has one.
type fakeScanner struct{ gate *gate }

func (f *fakeScanner) Scan(ctx context.Context, progress func(float64), waiting func()) ([]Page, error) {
	progress(0.5)
	f.gate.pass()
	return []Page{{Image: page(), DPI: 100}}, nil
}

// fakePrinter prints every page; Wait passes its gate first when it has
// one, or follows ctx when follow is set (the job stays at the printer).
type fakePrinter struct {
	gate     *gate
	follow   bool
	printed  func(pages int) int // pages that come out; nil: all
	steps    *steps
	canceled []Job
	mu       sync.Mutex
}

type fakeJob struct{ pages int }

func (f *fakePrinter) Print(ctx context.Context, pdf string, pages int) (Job, error) {
	return &fakeJob{pages}, nil
}

func (f *fakePrinter) Wait(ctx context.Context, job Job, waiting func(string)) (bool, int, error) {
	if f.follow {
		waiting(MediaEmpty)
		<-ctx.Done()
		if f.steps != nil {
			f.steps.add("worker stopped")
		}
		return false, 0, &Fault{Code: Canceled, Err: ctx.Err()}
	}
	f.gate.pass()
	n := job.(*fakeJob).pages
	if f.printed != nil {
		n = f.printed(n)
	}
	if n < job.(*fakeJob).pages {
		return true, n, &Fault{Code: JobAborted, Err: errors.New("aborted")}
	}
	return true, n, nil
}

func (f *fakePrinter) Cancel(ctx context.Context, job Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, job)
	if f.steps != nil {
		f.steps.add("cancel job")
	}
	return nil
}

// page is a small scanned page: white with a dark band of "text".
func page() image.Image {
	img := image.NewGray(image.Rect(0, 0, 210, 297))
	for y := range 297 {
		for x := range 210 {
			c := uint8(250)
			if y > 40 && y < 60 && x > 20 && x < 190 {
				c = 20
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	return img
}

// rig is a session manager whose sessions are visits.
type rig struct {
	m       *session.Manager
	host    *Host
	ev      *sessiontest.Events
	root    string
	logs    *bytes.Buffer
	logMu   sync.Mutex
	changes *steps // OnChange and results delivered, after Close began
	clock   *sessiontest.Clock
}

func newRig(t *testing.T, mod func(*Options)) *rig {
	t.Helper()
	r := &rig{ev: &sessiontest.Events{}, root: filepath.Join(t.TempDir(), "sessions"), logs: &bytes.Buffer{}, changes: &steps{}}
	opt := Options{PageQuota: 5, WaitFor: 5 * time.Second, Usage: r.ev,
		Log: slog.New(slog.NewTextHandler(lockedWriter{r}, nil)),
		OnChange: func(v *Visit, s Snapshot) {
			if !v.Live() {
				r.changes.add("snapshot of an ended visit")
			}
		}}
	if mod != nil {
		mod(&opt)
	}
	r.host = NewHost(opt)
	r.clock = sessiontest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	r.m = session.NewManager(session.Options{Root: r.root, IdleAfter: time.Hour, WarnFor: time.Minute, ThanksFor: time.Second,
		DefaultLanguage: "fr", Usage: r.ev, OnStart: r.host.Begin, OnEnd: r.host.End, Clock: r.clock, Log: opt.Log})
	t.Cleanup(func() { r.m.Close(); r.host.Wait() })
	return r
}

type lockedWriter struct{ r *rig }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.r.logMu.Lock()
	defer w.r.logMu.Unlock()
	return w.r.logs.Write(p)
}

func (r *rig) log() string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return r.logs.String()
}

// start begins a session and returns its visit.
func (r *rig) start(t *testing.T) *Visit {
	t.Helper()
	if err := r.m.Start(); err != nil {
		t.Fatal(err)
	}
	v := r.host.Current()
	if !v.Live() || v.Dir() != r.m.Snapshot().Dir {
		t.Fatalf("visit %q live %v, want the session's %q", v.Dir(), v.Live(), r.m.Snapshot().Dir)
	}
	return v
}

// end ends the session and waits for its visit to close.
func (r *rig) end(v *Visit) {
	r.m.End(session.EndDone)
	<-v.Done()
	r.clock.Advance(time.Second) // past the thank-you screen
}

// scanned adds a one-page document to the visit's tray.
func scanned(t *testing.T, v *Visit) (*tray.Tray, string) {
	t.Helper()
	tray, err := v.Tray()
	if err != nil {
		t.Fatal(err)
	}
	d, err := tray.NewDocument()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tray.AddPage(d.ID, page(), 100); err != nil {
		t.Fatal(err)
	}
	return tray, d.ID
}

// Close runs cancel → wait for the workers → cancel print jobs → release
// the web view → wipe → record, and the wipe leaves nothing.
func TestCloseOrder(t *testing.T) {
	st := &steps{}
	pr := &fakePrinter{follow: true, steps: st}
	r := newRig(t, func(o *Options) { o.Printer = pr })
	v := r.start(t)
	dir := v.Dir()
	scanned(t, v)
	if p, err := v.DownloadPath("attestation.pdf"); err != nil || os.WriteFile(p, []byte("%PDF-1.7"), 0o600) != nil {
		t.Fatalf("download path %q: %v", p, err)
	}
	v.Go("a worker", func(ctx context.Context) error {
		<-ctx.Done()
		st.add("worker stopped")
		return nil
	})
	v.Print("caf", filepath.Join(dir, "x.pdf"), 1)
	for v.Snapshot().Print.Waiting == "" { // the job is at the printer
		time.Sleep(time.Millisecond)
	}
	v.OnRelease(func(ctx context.Context) {
		if _, err := os.Stat(dir); err != nil {
			st.add("release after the wipe")
			return
		}
		st.add("release")
	})
	r.ev.OnRecord = func(e usage.Event) {
		if e.Kind != usage.SessionEnd {
			return
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			st.add("record before the wipe")
			return
		}
		st.add("record")
	}
	r.end(v)
	got := st.list()
	want := []string{"worker stopped", "worker stopped", "cancel job", "release", "record"}
	if !slices.Equal(got, want) {
		t.Fatalf("Close did %v, want %v", got, want)
	}
	if active, err := session.ActiveIn(r.root); err != nil || active {
		t.Fatalf("a session directory is left: %v %v", active, err)
	}
	if v.Live() || v.Go("late", func(context.Context) error { return nil }) {
		t.Fatal("an ended visit takes new work")
	}
}

// A completion that comes after the visit closed changes nothing: no page
// counted, no snapshot, no result delivered, no file made.
func TestLateCompletions(t *testing.T) {
	tests := []struct {
		name string
		// begin starts the work that will complete late; it returns the
		// gate that holds it, nil when the work follows the context.
		begin func(t *testing.T, v *Visit, r *rig, done func(string)) *gate
	}{
		{"scan", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			v.StartScan("")
			return r.host.opt.Scanner.(*fakeScanner).gate
		}},
		{"print", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			v.Print("caf", filepath.Join(v.Dir(), "x.pdf"), 2)
			return r.host.opt.Printer.(*fakePrinter).gate
		}},
		{"shrink", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			_, doc := scanned(t, v)
			v.Shrink(doc, shrink.Target{MaxBytes: 200_000}, func(shrink.Result, error) { done("shrink result") })
			return nil
		}},
		{"tray edit", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			scanned(t, v)
			g := newGate()
			v.EditTray(func(tray *tray.Tray) error {
				g.pass()
				_, err := tray.NewDocument()
				return err
			}, func(error) { done("tray edit result") })
			return g
		}},
		{"download inspection", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			p, err := v.DownloadPath("a.pdf")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("%PDF-1.4\n%%EOF\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			v.Inspect(p, func(downloads.Info, error) { done("inspection result") })
			return nil // it follows the context
		}},
		{"page the site prints", func(t *testing.T, v *Visit, r *rig, done func(string)) *gate {
			g := newGate()
			v.Go("web print", func(context.Context) error {
				g.pass()
				if p, err := v.PrintPath(); err == nil {
					done("print path " + p)
				}
				if p, err := v.DownloadPath("late.pdf"); err == nil {
					done("download path " + p)
				}
				return nil
			})
			return g
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := &fakeScanner{gate: newGate()}
			pr := &fakePrinter{gate: newGate()}
			r := newRig(t, func(o *Options) { o.Scanner, o.Printer, o.WaitFor = sc, pr, 20*time.Millisecond })
			v := r.start(t)
			dir := v.Dir()
			g := tc.begin(t, v, r, func(what string) {
				if !v.Live() {
					r.changes.add(what + " after the end")
				}
			})
			if g != nil {
				<-g.entered // the work is under way, and stuck
			}
			before := v.Snapshot()
			r.end(v) // the wait for the workers runs out
			if g != nil {
				close(g.open) // now it completes
			}
			v.wg.Wait()
			if got := r.changes.list(); len(got) != 0 {
				t.Errorf("after the end: %v", got)
			}
			if after := v.Snapshot(); after.Printed != before.Printed || after.Attached != before.Attached {
				t.Errorf("counts moved after the end: %+v → %+v", before, after)
			}
			if got := r.ev.Kinds(); slices.Contains(got, usage.PagePrinted) {
				t.Errorf("events %v: a page counted after the end", got)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the visit's directory came back: %v", err)
			}
			// The next visit starts clean.
			next := r.start(t)
			if s := next.Snapshot(); s.Printed != 0 || s.Attached != 0 || s.Scan.Doc != "" || s.Print.Seq != 0 {
				t.Errorf("the next visit starts with %+v", s)
			}
		})
	}
}

// A worker that never returns holds the end only for WaitFor, and the log
// says which it is.
func TestBoundedWait(t *testing.T) {
	r := newRig(t, func(o *Options) { o.WaitFor = 30 * time.Millisecond })
	v := r.start(t)
	stuck := make(chan struct{})
	defer close(stuck)
	v.Go("a stuck backend", func(context.Context) error { <-stuck; return nil })
	r.end(v)
	if _, err := os.Stat(v.Dir()); !os.IsNotExist(err) {
		t.Fatalf("not wiped: %v", err)
	}
	if got := r.ev.Kinds(); !slices.Contains(got, usage.SessionEnd) {
		t.Fatalf("end not recorded: %v", got)
	}
	if log := r.log(); !strings.Contains(log, "workers still running") || !strings.Contains(log, "a stuck backend") {
		t.Fatalf("the log does not say what still ran:\n%s", log)
	}
}

// A shrink stuck past the wait that ends after the wipe makes no
// directory again: the tray writes only under what exists.
func TestShrinkAfterWipe(t *testing.T) {
	r := newRig(t, nil)
	v := r.start(t)
	tray, doc := scanned(t, v)
	r.end(v)
	if _, err := tray.Shrink(context.Background(), doc, shrink.Target{}); err == nil {
		t.Fatal("a shrink in a wiped visit worked")
	}
	if _, err := os.Stat(v.Dir()); !os.IsNotExist(err) {
		t.Fatalf("the visit's directory came back: %v", err)
	}
	if _, err := v.Tray(); err == nil {
		t.Fatal("an ended visit opened its tray")
	}
}

// The page quota holds pages of jobs under way, gives back what a job did
// not print, and counts printed pages for the ticket and the figures.
func TestQuota(t *testing.T) {
	type print struct {
		pages, comesOut int
		wantProblem     string
	}
	tests := []struct {
		name          string
		prints        []print
		wantPrinted   int
		wantRemaining int
	}{
		{"within", []print{{2, 2, ""}, {3, 3, ""}}, 5, 0},
		{"over", []print{{4, 4, ""}, {2, 0, QuotaExceeded}}, 4, 1},
		{"aborted gives back", []print{{3, 1, JobAborted}, {4, 4, ""}}, 5, 0},
		{"no page count", []print{{0, 0, QuotaExceeded}}, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var comesOut int
			pr := &fakePrinter{printed: func(int) int { return comesOut }}
			r := newRig(t, func(o *Options) { o.Printer = pr })
			v := r.start(t)
			for i, p := range tc.prints {
				comesOut = p.pages
				if p.comesOut < p.pages {
					comesOut = p.comesOut
				}
				v.Print("caf", filepath.Join(v.Dir(), "x.pdf"), p.pages)
				v.wg.Wait()
				if got := v.Snapshot().Print; got.Busy || got.Problem != p.wantProblem || got.Seq != i+1 {
					t.Fatalf("print %d: %+v, want problem %q", i+1, got, p.wantProblem)
				}
			}
			s := v.Snapshot()
			if s.Printed != tc.wantPrinted || s.Remaining != tc.wantRemaining {
				t.Fatalf("printed %d, remaining %d; want %d, %d", s.Printed, s.Remaining, tc.wantPrinted, tc.wantRemaining)
			}
			n := 0
			for _, k := range r.ev.Kinds() {
				if k == usage.PagePrinted {
					n++
				}
			}
			if n != tc.wantPrinted {
				t.Fatalf("%d page events, want one a page printed (%d)", n, tc.wantPrinted)
			}
		})
	}
}

// The appointment the resident enters is the visit's: a copy kept until
// removed or until the visit ends, when it is dropped with the files; an
// ended visit takes none, and the next visit starts without it.
func TestAppointment(t *testing.T) {
	r := newRig(t, nil)
	v := r.start(t)
	a := &ticket.Appointment{At: time.Date(2026, 12, 10, 14, 30, 0, 0, time.UTC), Place: "CAF de Lille"}
	v.SetAppointment(a)
	a.Place = "changed after" // the visit holds its own copy
	if got := v.Snapshot().Appointment; got == nil || got.Place != "CAF de Lille" || !got.At.Equal(time.Date(2026, 12, 10, 14, 30, 0, 0, time.UTC)) {
		t.Fatalf("appointment %+v, want the one set", got)
	}
	v.SetAppointment(nil)
	if got := v.Snapshot().Appointment; got != nil {
		t.Fatalf("appointment %+v after removing it", got)
	}
	v.SetAppointment(&ticket.Appointment{At: time.Now(), Place: "Mairie"})
	r.end(v)
	if got := v.Snapshot().Appointment; got != nil {
		t.Errorf("the ended visit still holds %+v", got)
	}
	v.SetAppointment(&ticket.Appointment{At: time.Now(), Place: "late"})
	if got := v.Snapshot().Appointment; got != nil {
		t.Errorf("an ended visit took an appointment: %+v", got)
	}
	if next := r.start(t); next.Snapshot().Appointment != nil {
		t.Errorf("the next visit starts with %+v", next.Snapshot().Appointment)
	}
	if got := r.changes.list(); len(got) > 0 {
		t.Errorf("after the end: %v", got)
	}
}
