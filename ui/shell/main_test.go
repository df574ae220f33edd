package shell

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/printer"
	"borne/drivers/scanner"
	"borne/internal/wiring"
	"borne/internal/xvfb"
	"borne/kiosk/config"
	"borne/kiosk/scrub"
	"borne/kiosk/session"
	"borne/kiosk/usage"
	"borne/kiosk/visit"

	_ "modernc.org/sqlite"
)

// GTK wants its main loop on the main thread: TestMain runs it there and the
// tests run on another goroutine, reaching widgets through onUI.
func init() { runtime.LockOSThread() }

func TestMain(m *testing.M) { os.Exit(runUI(m)) }

// runUI runs the tests; its deferred stops run whatever the result.
func runUI(m *testing.M) int {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() != "" {
		// Benchmarks measure the kiosk with the allocators it runs with,
		// which it starts itself again with (the memory figures depend on them).
		if err := scrub.Reexec(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if os.Getenv("DISPLAY") == "" {
		d, err := xvfb.Start(1280, 800)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Setenv("DISPLAY", d.Name)
		defer d.Stop()
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" { // AT-SPI needs one before GTK starts
		bus, err := xvfb.StartSessionBus()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
		defer bus.Stop()
	}
	gtk.Init(nil)
	code := make(chan int, 1)
	go func() {
		code <- m.Run()
		glib.IdleAdd(gtk.MainQuit)
	}()
	gtk.Main()
	return <-code
}

// onUI runs f on the GTK main loop and waits for it.
func onUI(f func()) {
	done := make(chan struct{})
	glib.IdleAdd(func() { f(); close(done) })
	<-done
}

// kiosk is a real shell on the virtual display with a real session manager
// and a real usage store.
type kiosk struct {
	t      testing.TB
	sh     *Shell
	mgr    *session.Manager
	visits *visit.Host
	store  *usage.Store
	rec    *usage.Recorder
	cfg    *config.Config
	dbPath string
	stop   func()
}

type timings struct{ idle, warn, thanks time.Duration }

// kitOptions are a test kiosk's window options and the devices its visits
// drive, wired to the core as the kiosk's main does (the window never sees
// a driver).
type kitOptions struct {
	Options
	Printer     printer.Printer
	Scanner     func(ctx context.Context) (scanner.Device, error)
	ScanOptions scanner.Options
}

func startKiosk(t testing.TB, tm timings, mods ...func(*config.Config, *kitOptions)) *kiosk {
	t.Helper()
	cfg := config.Default()
	var extra kitOptions
	for _, mod := range mods {
		mod(cfg, &extra)
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "usage.db")
	store, err := usage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	rec := usage.NewRecorder(store, cfg.Kiosk.ID, cfg.Location(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { _ = rec.Serve(ctx); close(served) }()
	k := &kiosk{t: t, cfg: cfg, store: store, rec: rec, dbPath: dbPath}
	var sh *Shell
	vo := visit.Options{PageQuota: cfg.Printer.PageQuota, Usage: rec,
		Post: func(f func()) { glib.IdleAdd(f) },
		OnChange: func(v *visit.Visit, snap visit.Snapshot) {
			if sh != nil {
				sh.ShowVisit(v, snap)
			}
		},
		Fault: func(device, code string) {
			if extra.Staff != nil && extra.Staff.Health != nil {
				extra.Staff.Health.Fault(device, code)
			}
		}}
	if extra.Printer != nil {
		vo.Printer = wiring.Printer(extra.Printer)
	}
	if extra.Scanner != nil {
		vo.Scanner = wiring.Scanner(extra.Scanner, extra.ScanOptions)
	}
	if k.visits == nil {
		k.visits = visit.NewHost(vo)
	}
	k.mgr = session.NewManager(session.Options{
		Root: filepath.Join(dir, "sessions"), IdleAfter: tm.idle, WarnFor: tm.warn, ThanksFor: tm.thanks,
		DefaultLanguage: cfg.Kiosk.DefaultLanguage, Usage: rec, OnStart: k.visits.Begin, OnEnd: k.visits.End,
		OnChange: func(s session.Snapshot) {
			if sh != nil {
				sh.Post(s)
			}
		},
	})
	ready := make(chan struct{})
	onUI(func() {
		extra.Config, extra.Session, extra.Visits, extra.OnReady = cfg, k.mgr, k.visits, func() { close(ready) }
		sh, err = New(extra.Options)
	})
	if err != nil {
		t.Fatal(err)
	}
	k.sh = sh
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the window was never drawn")
	}
	var once sync.Once
	k.stop = func() {
		once.Do(func() {
			k.mgr.Close()
			k.visits.Wait()
			onUI(func() { sh.Window().Destroy() })
			cancel()
			<-served
			store.Close()
		})
	}
	t.Cleanup(k.stop)
	return k
}

// shown reads the snapshot on screen, from the main loop.
func (k *kiosk) shown() session.Snapshot {
	var s session.Snapshot
	onUI(func() { s = k.sh.Shown() })
	return s
}

// waitShown waits until the screen shows what cond wants.
func (k *kiosk) waitShown(what string, cond func(session.Snapshot) bool) session.Snapshot {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := k.shown()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("waiting for %s: screen shows %+v", what, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// did is what the visit under way did, as its core holds it.
func (k *kiosk) did() visit.Snapshot { return k.visits.Current().Snapshot() }

// waitVisit waits until the visit under way is as cond wants.
func (k *kiosk) waitVisit(what string, cond func(visit.Snapshot) bool) {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for s := k.did(); !cond(s); s = k.did() {
		if time.Now().After(deadline) {
			k.t.Fatalf("waiting for %s: the visit is %+v", what, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitEnded waits until the visit that ended has closed: its workers
// stopped, its web view released, its directory wiped.
func (k *kiosk) waitEnded() {
	k.t.Helper()
	select {
	case <-k.visits.Current().Done():
	case <-time.After(30 * time.Second):
		k.t.Fatal("the visit never finished closing")
	}
}

func (k *kiosk) waitScreen(screen string) session.Snapshot {
	k.t.Helper()
	return k.waitShown("screen "+screen, func(s session.Snapshot) bool { return s.Screen == screen })
}

// center finds a button's centre in screen coordinates, once it is laid
// out and drawn where it stays: a screen redrawn meanwhile (a session
// ending behind the staff screens, a tray edit finishing) replaces its
// buttons, and the new one is looked up again.
func (k *kiosk) center(name string) (x, y int) {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last struct{ x, y int }
	for {
		var drawn bool
		var err error
		x, y, drawn, err = k.tryCenter(name)
		if err == nil && drawn && last.x == x && last.y == y {
			return x, y // the same place in two frames: settled
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("button %q is never drawn where it stays", name)
			}
			k.t.Fatal(err)
		}
		last.x, last.y = x, y
	}
}

// tryCenter gives a button the focus once the screen is laid out (the focus
// scrolls the page to it, as a keyboard user's Tab would) and reads where
// the next frame drew it.
func (k *kiosk) tryCenter(name string) (x, y int, drawn bool, err error) {
	k.t.Helper()
	k.frame() // laid out: the scroll to the focus needs the button's place
	var b *gtk.Button
	onUI(func() {
		var ok bool
		if b, ok = k.sh.Button(name); !ok {
			err = fmt.Errorf("no button %q on screen (have %v)", name, k.sh.Buttons())
			return
		}
		k.sh.Window().SetFocus(nil) // focused before it was laid out, it was not scrolled to
		b.GrabFocus()
	})
	if err != nil {
		return 0, 0, false, err
	}
	k.frame()
	onUI(func() {
		if now, _ := k.sh.Button(name); now != b || !b.GetMapped() {
			return
		}
		wx, wy := k.sh.Window().GetPosition()
		a := b.GetAllocation()
		tx, ty, terr := b.TranslateCoordinates(k.sh.Window(), a.GetWidth()/2, a.GetHeight()/2)
		x, y, drawn = wx+tx, wy+ty, terr == nil && tx >= 0 && ty >= 0
		if drawn && inside(&b.Widget, &k.sh.page.Widget) { // panels float above the bar; the page scrolls under it
			if bx, by, berr := k.sh.bar.TranslateCoordinates(k.sh.Window(), 0, 0); berr == nil && bx >= 0 && ty >= by {
				err = fmt.Errorf("button %q is hidden under the bar (y %d, bar at %d)", name, ty, by)
			}
		}
	})
	return x, y, drawn, err
}

// frame waits until the window has laid out and painted a frame begun
// after the call: what changed before it has its size and place on screen.
func (k *kiosk) frame() {
	k.t.Helper()
	painted := make(chan struct{})
	onUI(func() {
		clock := k.sh.Window().GetFrameClock()
		var once sync.Once
		var id glib.SignalHandle
		id = clock.Connect("after-paint", func() {
			once.Do(func() {
				clock.HandlerDisconnect(id)
				close(painted)
			})
		})
		k.sh.Window().QueueDraw()
	})
	select {
	case <-painted:
	case <-time.After(15 * time.Second):
		k.t.Fatal("the window drew no frame")
	}
}

// inside tells whether w is within container.
func inside(w, container *gtk.Widget) bool {
	for cur := w; cur != nil; {
		if cur.Native() == container.Native() {
			return true
		}
		parent, err := cur.GetParent()
		if err != nil || parent == nil {
			return false
		}
		cur = parent.ToWidget()
	}
	return false
}

// tap clicks a button with a real X pointer event.
func (k *kiosk) tap(name string) { k.click(name, 1) }

func (k *kiosk) click(name string, button int) {
	k.t.Helper()
	x, y := k.center(name)
	// From elsewhere: a pointer already there sends no crossing event to a
	// button redrawn under it (GTK then ignores the click), and --sync would
	// wait for a motion that never comes.
	xdotool(k.t, "mousemove", fmt.Sprint(x+7), fmt.Sprint(y+7), "mousemove", "--sync", fmt.Sprint(x), fmt.Sprint(y), "click", fmt.Sprint(button))
}

func xdotool(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

// screenshot saves the screen as a test artefact (artefacts/shots/ at the
// repository root), after the last change has been drawn.
func (k *kiosk) screenshot(name string) {
	k.t.Helper()
	time.Sleep(300 * time.Millisecond)
	dir := os.Getenv("BORNE_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artefacts")
	}
	dir = filepath.Join(dir, "shots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		k.t.Fatal(err)
	}
	var err error
	onUI(func() { err = SaveScreen(filepath.Join(dir, name+".png")) })
	if err != nil {
		k.t.Fatal(err)
	}
}

// events reads back what the usage store committed.
func (k *kiosk) events() []string {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := k.rec.Flush(ctx); err != nil {
		k.t.Fatal(err)
	}
	db, err := sql.Open("sqlite", k.dbPath)
	if err != nil {
		k.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT session, kind, service, screen, outcome, lang FROM events ORDER BY id`)
	if err != nil {
		k.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	sessions := map[int64]string{}
	for rows.Next() {
		var num int64
		var kind, service, screen, outcome, lang string
		if err := rows.Scan(&num, &kind, &service, &screen, &outcome, &lang); err != nil {
			k.t.Fatal(err)
		}
		if _, ok := sessions[num]; !ok {
			sessions[num] = fmt.Sprintf("S%d", len(sessions)+1)
		}
		fields := []string{sessions[num], kind}
		for _, f := range []string{service, screen, outcome, lang} {
			if f != "" {
				fields = append(fields, f)
			}
		}
		out = append(out, strings.Join(fields, " "))
	}
	if err := rows.Err(); err != nil {
		k.t.Fatal(err)
	}
	return out
}
