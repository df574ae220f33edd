package system

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Input the way a kiosk in a lobby gets it. A lobby's touch screen and
// keyboard reach cage through wlroots' libinput backend. Neither route a
// test could take exists here: Debian 12's cage 0.1.4 offers no
// virtual-keyboard or virtual-pointer protocol (cage creates their managers
// from 0.1.5 on), and this kernel has no uinput to make input devices for
// libinput (CONFIG_INPUT_UINPUT is not set). So cage runs on wlroots' X11
// backend inside an Xvfb screen and the test types and taps there (XTest,
// xdotool): cage gets them from a keyboard and a pointer of its seat, runs
// its own key handling on them as on libinput's, and passes them to the
// kiosk over Wayland. Nothing in the kiosk knows.

// nested is wlroots' X11 backend on an X display: cage's output is a
// 1024×768 window there (wlroots' default), at the top left.
func nested(display string) backend {
	return backend{[]string{"WLR_BACKENDS=x11", "DISPLAY=" + display, "WLR_RENDERER=pixman"}, 1024, 768}
}

// lockdownKeys are the ways out a keyboard within a resident's reach offers:
// a text console, a reboot, X's zap, closing or leaving the window, the
// desktop's menu, the browser's close, quit, new window, print, reload and
// full-screen keys, Escape and the context-menu key.
var lockdownKeys = []string{"ctrl+alt+F2", "ctrl+alt+Delete", "ctrl+alt+BackSpace", "alt+F4", "alt+Tab", "super",
	"ctrl+w", "ctrl+q", "ctrl+n", "ctrl+p", "F5", "F11", "Escape", "Menu"}

// Where the screens' buttons are, as fractions of the output (the layout of
// ui/shell at 1024×768; the screenshots show them).
var (
	tapLanguageFR = [2]float64{0.19, 0.22} // "Français", first of the language grid
	tapLanguageAR = [2]float64{0.81, 0.22} // "العربية", third
	tapServiceLTR = [2]float64{0.27, 0.29} // the first service, top left
	tapServiceRTL = [2]float64{0.73, 0.26} // the first service, top right in Arabic
	tapLangButton = [2]float64{0.32, 0.85} // "Langue", in a service's bottom bar
)

// serviceBlue is the service site's block (serveServices): the page is drawn.
var serviceBlue = color.RGBA{0x00, 0x55, 0xa4, 0xff}

// visit taps and types its way through a visit under cage and takes the
// screenshots people check: the language screen, the services and a service
// in French and in Arabic.
func (r *run) visit(t *testing.T, in *seatInput) {
	attract := r.waitDrawn(t, nil)
	saveShot(t, attract, "attract")
	before := sessionDirs(r.k.uid)
	pid := r.kiosk(t)

	in.tap(t, 0.5, 0.5)
	lang := r.waitSettled(t, attract)
	saveShot(t, lang, "language")
	var started []string
	waitFor(t, 20*time.Second, "a session started by the tap", func() bool {
		started = newDirs(before, sessionDirs(r.k.uid))
		return len(started) == 1
	}, r.log.String)

	in.tap(t, tapLanguageFR[0], tapLanguageFR[1])
	servicesFR := r.waitSettled(t, lang)
	saveShot(t, servicesFR, "services-fr")
	r.checkLockdown(t, in, servicesFR)
	if p := r.kiosk(t); p != pid {
		t.Fatalf("the kiosk restarted (pid %d, then %d) during the lockdown keys", pid, p)
	}
	if now := newDirs(before, sessionDirs(r.k.uid)); !slices.Equal(now, started) {
		t.Fatalf("sessions %v after the lockdown keys; want the tap's %v still open", now, started)
	}

	in.tap(t, tapServiceLTR[0], tapServiceLTR[1])
	saveShot(t, r.waitPage(t), "service-fr")
	in.tap(t, tapLangButton[0], tapLangButton[1])
	lang = r.waitSettled(t, nil)
	in.tap(t, tapLanguageAR[0], tapLanguageAR[1])
	servicesAR := r.waitSettled(t, lang)
	saveShot(t, servicesAR, "services-ar")
	in.tap(t, tapServiceRTL[0], tapServiceRTL[1])
	saveShot(t, r.waitPage(t), "service-ar")
}

// checkLockdown types every lockdown key on a screen, and checks they
// changed nothing. Tab, which the kiosk takes (it moves the focus), is
// typed after them: once its effect shows, the keys before it have been
// through cage and the kiosk, and the screen must be what Tab alone gives.
func (r *run) checkLockdown(t *testing.T, in *seatInput, screen image.Image) {
	t.Helper()
	in.keys(t, "Tab")
	one := r.waitSettled(t, screen)
	in.keys(t, "Tab")
	two := r.waitSettled(t, one)
	in.keys(t, "shift+Tab")
	r.waitScreen(t, one, "the focus back where one Tab put it")

	in.keys(t, append(slices.Clone(lockdownKeys), "Tab")...)
	if got := r.waitSettled(t, one); !sameImage(got, two) {
		saveShot(t, got, "after-lockdown-keys")
		t.Errorf("the lockdown keys %v changed the screen (saved as after-lockdown-keys.png with BORNE_SHOTS)", lockdownKeys)
	}
}

// waitSettled waits for the screen to change from prev (any picture when
// prev is nil) and to stay still for two shots: animations done, buttons
// where they will be tapped.
func (r *run) waitSettled(t *testing.T, prev image.Image) image.Image {
	t.Helper()
	img := r.waitDrawn(t, prev)
	waitFor(t, 30*time.Second, "the screen settled", func() bool {
		next := r.shot(t)
		still := sameImage(img, next)
		img = next
		return still
	}, r.log.String)
	return img
}

// waitScreen waits until the screen shows want.
func (r *run) waitScreen(t *testing.T, want image.Image, what string) {
	t.Helper()
	waitFor(t, 30*time.Second, what, func() bool { return sameImage(r.shot(t), want) }, r.log.String)
}

// waitPage waits for the service's web page drawn inside the kiosk.
func (r *run) waitPage(t *testing.T) image.Image {
	t.Helper()
	var img image.Image
	waitFor(t, 60*time.Second, "the service's page drawn", func() bool {
		r.alive(t)
		img = r.shot(t)
		return hasColour(img, serviceBlue)
	}, r.log.String)
	return r.waitSettled(t, nil)
}

func hasColour(img image.Image, c color.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				return true
			}
		}
	}
	return false
}

// seatInput is a keyboard and a pointer of cage's seat: XTest input into
// the X screen cage's output sits in.
type seatInput struct {
	display string
	out     backend
}

func (in *seatInput) xdotool(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+in.display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// tap presses and releases the primary button at a point of the output
// given as fractions of its size.
func (in *seatInput) tap(t *testing.T, fx, fy float64) {
	t.Helper()
	in.xdotool(t, "mousemove", fmt.Sprint(int(fx*float64(in.out.w))), fmt.Sprint(int(fy*float64(in.out.h))), "click", "1")
}

// keys types key combinations (xdotool's names: ctrl+alt+F2, super…).
func (in *seatInput) keys(t *testing.T, keys ...string) {
	t.Helper()
	in.xdotool(t, append([]string{"key", "--delay", "30"}, keys...)...)
}

// sessionDirs lists the sessions the kiosk keeps open.
func sessionDirs(uid int) []string {
	entries, _ := os.ReadDir(sessionsRoot(uid))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func newDirs(before, now []string) []string {
	var added []string
	for _, n := range now {
		if !slices.Contains(before, n) {
			added = append(added, n)
		}
	}
	return added
}

// The main loop's watchdog, systemd's side. CI has no systemd as PID 1: the
// test listens on $NOTIFY_SOCKET as systemd does and applies the unit's
// WatchdogSec the way systemd would.

// checkWatchdog checks that the kiosk pings within WatchdogSec while its
// main loop turns, and stops when only the main loop is frozen; then it
// does what systemd does on a missed ping: SIGABRT to the main process
// (cage; WatchdogSignal's default), SIGKILL to what is left of the unit.
func (r *run) checkWatchdog(t *testing.T) {
	t.Helper()
	wd := r.k.watchdog(t)
	// Two pings in a row, each within WatchdogSec of the one before.
	last := r.waitPing(t, time.Now(), wd)
	last = r.waitPing(t, last, wd)

	pid := r.kiosk(t)
	frozen := time.Now()
	freezeThread(t, pid)
	// A ping decided before the freeze may still come; then silence for a
	// whole WatchdogSec, which is when systemd acts.
	limit := time.After(3 * wd)
	for quiet := time.NewTimer(time.Until(last.Add(wd))); ; {
		select {
		case n, ok := <-r.notices:
			if !ok {
				t.Fatal("notify socket closed")
			}
			if slices.Contains(n.lines, "WATCHDOG=1") {
				last = n.at
				quiet.Reset(time.Until(last.Add(wd)))
			}
			continue
		case <-limit:
			t.Fatalf("the kiosk still pings its watchdog %s after its main loop froze\n%s", 3*wd, r.log)
		case <-quiet.C:
		}
		break
	}
	t.Logf("main loop frozen at %s: last ping at %s, none for WatchdogSec=%s since", frozen.Format("15:04:05.000"), last.Format("15:04:05.000"), wd)
	// Its other threads ran on: the pinger says why it stopped.
	if !strings.Contains(r.log.String(), "no heartbeat from the main loop") {
		t.Errorf("the kiosk's pinger did not report the frozen main loop\n%s", r.log)
	}
	syscall.Kill(r.cagePID(), syscall.SIGABRT)
	syscall.Kill(-r.cagePID(), syscall.SIGKILL)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("cage still runs after the watchdog's signals\n%s", r.log)
	}
}

// watchdog is the unit's WatchdogSec.
func (k *installedKiosk) watchdog(t *testing.T) time.Duration {
	wd, err := time.ParseDuration(k.unit.one("WatchdogSec"))
	if err != nil {
		t.Fatalf("WatchdogSec: %v", err)
	}
	return wd
}

// waitPing waits for a WATCHDOG=1 within wd of since, as systemd demands.
func (r *run) waitPing(t *testing.T, since time.Time, wd time.Duration) time.Time {
	t.Helper()
	limit := time.After(time.Until(since.Add(wd)))
	for {
		select {
		case n, ok := <-r.notices:
			if !ok {
				t.Fatal("notify socket closed")
			}
			if slices.Contains(n.lines, "WATCHDOG=1") && n.at.After(since) {
				return n.at
			}
		case <-limit:
			t.Fatalf("no watchdog ping within WatchdogSec=%s: systemd would restart a working kiosk\n%s", wd, r.log)
		}
	}
}

// freezeThread stops one thread of a process, the others running on, as a
// handler stuck on the GTK main loop would (ptrace: seize and interrupt the
// main thread, whose id is the process's). The thread stays stopped until
// the test ends or the process dies.
func freezeThread(t *testing.T, tid int) {
	t.Helper()
	stopped := make(chan error, 1)
	release := make(chan struct{})
	go func() {
		// ptrace requests come from the tracer thread; the thread ends with
		// this goroutine (never unlocked), which detaches the tracee.
		runtime.LockOSThread()
		if err := unix.PtraceSeize(tid); err != nil {
			stopped <- fmt.Errorf("ptrace seize %d: %w", tid, err)
			return
		}
		if err := unix.PtraceInterrupt(tid); err != nil {
			stopped <- fmt.Errorf("ptrace interrupt %d: %w", tid, err)
			return
		}
		var ws unix.WaitStatus
		_, err := unix.Wait4(tid, &ws, unix.WALL, nil)
		if err == nil && !ws.Stopped() {
			err = fmt.Errorf("thread %d not stopped: %v", tid, ws)
		}
		stopped <- err
		<-release
		unix.PtraceDetach(tid)
	}()
	t.Cleanup(func() { close(release) })
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
