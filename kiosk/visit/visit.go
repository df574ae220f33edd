// Package visit is one resident's visit, from the first tap to the wipe: its
// context, its document tray, downloads and prints, its page quota, what it
// did for the ticket (and the appointment the resident entered for it), and
// the workers it started (scans, shrinks, download checks, prints). The
// session manager (kiosk/session) says when a visit starts and ends; the ui
// sends commands and draws Snapshots.
//
// A visit ends in one order (Close): its context is cancelled, its workers
// are waited for (bounded), the print jobs still open are cancelled, the web
// view and its processes are released, its directory is wiped, and the end
// is recorded. Whatever one of its workers completes after that changes
// nothing: no page counted, no snapshot or result delivered, no file made.
package visit

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"borne/kiosk/downloads"
	"borne/kiosk/session"
	"borne/kiosk/shrink"
	"borne/kiosk/ticket"
	"borne/kiosk/tray"
	"borne/kiosk/usage"
)

// Scanner is the document scanner as a visit uses it (the composition root
// adapts the driver).
type Scanner interface {
	// Scan opens the scanner, scans the flatbed's page or the feeder's
	// pages, and lets the scanner go. progress gets the fraction of the
	// page received (-1: unknown), waiting is called while a sleeping
	// scanner wakes up; neither may block. Pages scanned before a failure
	// come back with the error, a *Fault.
	Scan(ctx context.Context, progress func(fraction float64), waiting func()) ([]Page, error)
}

// Page is one scanned page.
type Page struct {
	Image image.Image
	DPI   int
}

// Job is a print job as the printer knows it; the visit only holds it.
type Job any

// Printer is the A4 printer as a visit uses it.
type Printer interface {
	// Print sends a PDF of pages pages.
	Print(ctx context.Context, pdf string, pages int) (Job, error)
	// Wait follows a job to its end; waiting gets a problem code
	// (MediaEmpty…) each time the printer holds the job for a new reason.
	// ended says the job is over (completed, canceled or aborted), printed
	// how many of its pages came out.
	Wait(ctx context.Context, job Job, waiting func(code string)) (ended bool, printed int, err error)
	// Cancel cancels a job that has not ended.
	Cancel(ctx context.Context, job Job) error
}

// Fault is a device failure with the stable code the screens explain.
type Fault struct {
	Code  string // the scanner's (jammed…) or the printer's (media-empty…)
	Staff string // what staff should do, for the log; may be ""
	Err   error
}

func (f *Fault) Error() string { return fmt.Sprintf("%s: %v", f.Code, f.Err) }
func (f *Fault) Unwrap() error { return f.Err }

// Print codes the visit itself decides or the screens tell apart; the
// others are the printer driver's, passed through.
const (
	MediaEmpty    = "media-empty"
	MediaJam      = "media-jam"
	CoverOpen     = "cover-open"
	MarkerEmpty   = "marker-supply-empty"
	QuotaExceeded = "quota"        // the visit's page quota would be exceeded
	Unprintable   = "unprintable"  // the printer cannot print this document
	JobAborted    = "job-aborted"  // the printer gave the job up
	Canceled      = "canceled"     // the resident (or the visit's end) stopped it
	JobCanceled   = "job-canceled" // canceled at the printer, by staff
)

// Scan codes the visit tells apart.
const (
	ScanCancelled   = "cancelled"
	ScanNoDocuments = "no-documents"
	ScanGone        = "gone"
)

// codeOf is a failure's code: a Fault's, else "error".
func codeOf(err error) string {
	var f *Fault
	if errors.As(err, &f) {
		return f.Code
	}
	return "error"
}

// Options configures the visits of a kiosk.
type Options struct {
	Scanner   Scanner // nil: the kiosk has none
	Printer   Printer // nil: the kiosk has none
	PageQuota int     // pages a visit may print
	// WaitFor bounds how long Close waits for the workers; default 10 s.
	// CancelFor bounds the cancellation of print jobs and the release of
	// the web view; default 10 s each.
	WaitFor, CancelFor time.Duration
	Usage              session.Recorder
	Log                *slog.Logger
	// Post runs f where the ui draws (glib.IdleAdd); default: at once.
	// Snapshots and results go through it, and are dropped there when
	// the visit has ended meanwhile.
	Post func(f func())
	// OnChange gets each new snapshot of a live visit, through Post. It
	// must not call back into the Visit when Post runs f at once.
	OnChange func(*Visit, Snapshot)
	// Fault counts a failure that is the device's (not a cancel, nor an
	// empty feeder): device is "scanner" or "printer".
	Fault func(device, code string)
}

func (o *Options) defaults() {
	if o.WaitFor <= 0 {
		o.WaitFor = 10 * time.Second
	}
	if o.CancelFor <= 0 {
		o.CancelFor = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Post == nil {
		o.Post = func(f func()) { f() }
	}
	if o.OnChange == nil {
		o.OnChange = func(*Visit, Snapshot) {}
	}
	if o.Fault == nil {
		o.Fault = func(string, string) {}
	}
}

// Snapshot is what the ui draws of a visit.
type Snapshot struct {
	Scan     ScanState
	Print    PrintState
	Attached int // documents handed to a website, for the ticket
	Printed  int // pages printed, for the ticket
	// Remaining is how many pages the quota still allows.
	Remaining int
	// Appointment is the one an agent gave the resident, for the ticket;
	// nil: none. Never stored nor logged; it ends with the visit.
	Appointment *ticket.Appointment
}

// ScanState is where scanning stands.
type ScanState struct {
	Doc      string  // the tray document pages go into; "": the next scan starts one
	Kind     string  // what the resident said the next document is (shrink.DocLetter…), until it has a page
	Busy     bool    // a scan is running
	Progress float64 // of the page being scanned, 0–1; -1: the scanner cannot tell
	Waiting  bool    // the scanner is waking up
	Problem  string  // code of the last failure, "" when it went well
}

// PrintState is where the visit's last print stands.
type PrintState struct {
	Seq     int    // bumps with each print asked for: 0, none yet
	Busy    bool   // sent and followed
	Waiting string // while busy: why the printer holds it (MediaEmpty…), or ""
	Problem string // once over: the failure's code, "" when it printed
}

// Visit is one resident's visit. Its methods are safe from any goroutine.
type Visit struct {
	opt     Options
	dir     string
	session uint32
	ctx     context.Context
	cancel  context.CancelFunc
	ended   atomic.Bool // set first thing in Close: results are dropped from then on
	done    chan struct{}

	mu       sync.Mutex
	snap     Snapshot
	tray     *tray.Tray
	workers  map[int]string // running, by id: their names
	nextID   int
	wg       sync.WaitGroup
	jobs     map[int]Job // print jobs sent, not ended
	reserved int         // pages of those jobs
	prints   int         // print files made, to name the next one
	scanStop context.CancelFunc
	stopJob  context.CancelFunc
	release  func(context.Context)
}

// New starts the visit of a session that has just begun.
func New(b session.Begun, opt Options) *Visit {
	opt.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	v := &Visit{opt: opt, dir: b.Dir, session: b.Session, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		workers: map[int]string{}, jobs: map[int]Job{}}
	v.snap.Remaining = opt.PageQuota
	v.snap.Scan.Progress = -1
	return v
}

// ended is a visit that is over before it began: what the ui has before
// the first session.
func ended(opt Options) *Visit {
	v := New(session.Begun{}, opt)
	v.ended.Store(true)
	v.cancel()
	close(v.done)
	return v
}

// Dir is the visit's private directory.
func (v *Visit) Dir() string { return v.dir }

// Live tells whether the visit has not begun to end.
func (v *Visit) Live() bool { return !v.ended.Load() }

// Done is closed once Close has finished.
func (v *Visit) Done() <-chan struct{} { return v.done }

// Snapshot is the visit as it stands.
func (v *Visit) Snapshot() Snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.snap
}

// publish hands the snapshot to the ui; call it with v.mu held.
func (v *Visit) publish() {
	if v.ended.Load() {
		return
	}
	snap := v.snap
	v.opt.Post(func() {
		if !v.ended.Load() {
			v.opt.OnChange(v, snap)
		}
	})
}

// deliver runs a worker's result through Post, unless the visit has ended
// by then.
func (v *Visit) deliver(f func()) {
	if v.ended.Load() {
		return
	}
	v.opt.Post(func() {
		if !v.ended.Load() {
			f()
		}
	})
}

// Go runs work on a goroutine of the visit, under its context: Close
// cancels it and waits for it. It says false, and runs nothing, once the
// visit is ending.
func (v *Visit) Go(name string, work func(ctx context.Context) error) bool {
	v.mu.Lock()
	if v.ended.Load() {
		v.mu.Unlock()
		return false
	}
	id := v.nextID
	v.nextID++
	v.workers[id] = name
	v.wg.Add(1)
	v.mu.Unlock()
	go func() {
		defer func() {
			v.mu.Lock()
			delete(v.workers, id)
			v.mu.Unlock()
			v.wg.Done()
		}()
		if err := work(v.ctx); err != nil && v.ctx.Err() == nil {
			v.opt.Log.Warn("visit: "+name, "err", err)
		}
	}()
	return true
}

// OnRelease registers how the ui lets go of the visit's web view and its
// processes; Close calls it, bounded, before the wipe.
func (v *Visit) OnRelease(release func(ctx context.Context)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.release = release
}

// Tray is the visit's document tray, opened on first use.
func (v *Visit) Tray() (*tray.Tray, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.trayLocked()
}

func (v *Visit) trayLocked() (*tray.Tray, error) {
	if v.ended.Load() || v.dir == "" {
		return nil, errors.New("visit: ended")
	}
	if v.tray == nil {
		t, err := tray.New(v.dir)
		if err != nil {
			return nil, err
		}
		v.tray = t
	}
	return v.tray, nil
}

// Close ends the visit, in order: cancel → wait for the workers (bounded by
// WaitFor; what still runs is logged) → cancel the open print jobs →
// release the web view → wipe the directory → record the end. It runs
// once; later calls wait for the first.
func (v *Visit) Close(end session.Ending) {
	if !v.stop() {
		<-v.done
		return
	}
	v.finish(end)
}

// stop marks the visit ended and cancels its context; it says whether it
// was the first to.
func (v *Visit) stop() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended.Swap(true) {
		return false
	}
	v.cancel()
	return true
}

// finish is the rest of Close, after stop.
func (v *Visit) finish(end session.Ending) {
	defer close(v.done)
	v.mu.Lock()
	release := v.release
	v.mu.Unlock()

	stopped := make(chan struct{})
	go func() { v.wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(v.opt.WaitFor):
		v.mu.Lock()
		var running []string
		for _, name := range v.workers {
			running = append(running, name)
		}
		v.mu.Unlock()
		slices.Sort(running)
		v.opt.Log.Warn("visit: workers still running at its end; wiping anyway", "waited", v.opt.WaitFor, "running", running)
	}

	v.mu.Lock()
	jobs := v.jobs
	v.jobs, v.reserved = map[int]Job{}, 0
	v.mu.Unlock()
	if len(jobs) > 0 && v.opt.Printer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), v.opt.CancelFor)
		for id, j := range jobs {
			if err := v.opt.Printer.Cancel(ctx, j); err != nil {
				v.opt.Log.Error("visit: print job not cancelled", "job", id, "err", err)
			}
		}
		cancel()
	}

	if release != nil {
		ctx, cancel := context.WithTimeout(context.Background(), v.opt.CancelFor)
		release(ctx)
		if ctx.Err() != nil {
			v.opt.Log.Error("visit: the web view was not released in time", "waited", v.opt.CancelFor)
		}
		cancel()
	}

	v.mu.Lock()
	v.snap.Appointment = nil // what the resident typed goes with the files
	v.mu.Unlock()
	if err := session.Wipe(end.Dir); err != nil {
		v.opt.Log.Error("visit: wipe failed", "err", err) // start-up retries
	}
	if v.opt.Usage != nil && end.Event.Kind != "" {
		v.opt.Usage.Record(end.Event)
	}
}

// record stamps a usage event with the visit's number; call with v.mu held
// and the visit live.
func (v *Visit) record(kind usage.Kind, service string) {
	if v.opt.Usage != nil {
		v.opt.Usage.Record(usage.Event{At: time.Now(), Session: v.session, Kind: kind, Service: service})
	}
}

// Attached counts a document handed to a service's website.
func (v *Visit) Attached(service string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended.Load() {
		return
	}
	v.snap.Attached++
	v.record(usage.DocumentAttached, service)
	v.publish()
}

// SetAppointment keeps the appointment the resident entered for their
// ticket (a copy); nil removes it. An ended visit keeps nothing.
func (v *Visit) SetAppointment(a *ticket.Appointment) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended.Load() {
		return
	}
	if a != nil {
		c := *a
		a = &c
	}
	v.snap.Appointment = a
	v.publish()
}

// subdir makes a directory in the visit's, never the visit's own: a late
// caller after the wipe gets an error, not a new directory.
func (v *Visit) subdir(name string) (string, error) {
	if v.ended.Load() || v.dir == "" {
		return "", errors.New("visit: ended")
	}
	dir := filepath.Join(v.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("visit: %w", err)
	}
	return dir, nil
}

// DownloadPath is where a download the site offers is kept.
func (v *Visit) DownloadPath(suggested string) (string, error) {
	if v.ended.Load() || v.dir == "" {
		return "", errors.New("visit: ended")
	}
	return downloads.Path(filepath.Join(v.dir, "downloads"), suggested)
}

// PrintPath is where the next page the site prints (window.print) goes.
func (v *Visit) PrintPath() (string, error) {
	dir, err := v.subdir("prints")
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.prints++
	return filepath.Join(dir, fmt.Sprintf("page-%d.pdf", v.prints)), nil
}

// Run runs work on a worker of the visit and hands its error to done,
// through Post, while the visit lasts: a result that comes after its end
// is dropped.
func (v *Visit) Run(name string, work func(ctx context.Context) error, done func(error)) {
	v.Go(name, func(ctx context.Context) error {
		err := work(ctx)
		v.deliver(func() { done(err) })
		return nil
	})
}

// Inspect checks a PDF that arrived (bounded, but it can take seconds)
// and hands the result to done while the visit lasts.
func (v *Visit) Inspect(path string, done func(downloads.Info, error)) {
	var info downloads.Info
	v.Run("download inspection", func(ctx context.Context) (err error) {
		info, err = downloads.Inspect(ctx, path)
		return err
	}, func(err error) { done(info, err) })
}

// Shrink prepares a tray document for a target and hands the result to
// done while the visit lasts.
func (v *Visit) Shrink(doc string, target shrink.Target, done func(shrink.Result, error)) {
	tray, err := v.Tray()
	if err != nil {
		v.deliver(func() { done(shrink.Result{}, err) })
		return
	}
	var res shrink.Result
	v.Run("shrink", func(ctx context.Context) (err error) {
		res, err = tray.Shrink(ctx, doc, target)
		return err
	}, func(err error) { done(res, err) })
}

// EditTray applies an edit of the tray (rotate, move, delete) off the ui's
// loop, then calls done while the visit lasts.
func (v *Visit) EditTray(edit func(*tray.Tray) error, done func(error)) {
	tray, err := v.Tray()
	if err != nil {
		return
	}
	v.Run("tray edit", func(context.Context) error { return edit(tray) }, done)
}
