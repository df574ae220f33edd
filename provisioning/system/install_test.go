package system

import (
	"borne/internal/xvfb"
	"borne/kiosk/session"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The kiosk as a lobby gets it: the .deb built by kioskctl, installed with
// apt-get on this machine, its unit's own commands run as systemd would run
// them (CI has no systemd as PID 1), cage on wlroots' headless backend.

// backend is what a lobby without a screen adds to the unit's environment
// for wlroots, and the size of the output it gives.
type backend struct {
	vars []string
	w, h int
}

// headless: no GPU, no screen, no input devices; a 1280×720 output.
var headless = backend{[]string{"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman"}, 1280, 720}

// wsDiscoveryPort is WS-Discovery's (sane-airscan finds WSD scanners with it).
const wsDiscoveryPort = 3702

func TestInstalledKioskUnderCage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installing the .deb with apt-get needs root: run make test as root (CI does)")
	}
	for _, tool := range []string{"apt-get", "dpkg", "grim", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it): %v", tool, err)
		}
	}
	work := t.TempDir()
	os.Chmod(work, 0o755) // apt's sandbox user reads the .deb
	bins := buildRelease(t, work)
	debs := []string{buildDeb(t, bins, work, "0.0.1~test1"), buildDeb(t, bins, work, "0.0.1~test2")}

	lint := make(chan string, 1)
	go func() { lint <- lintian(debs[0]) }()

	before := packageFiles(t)
	apt(t, "install", debs[0])
	t.Cleanup(func() { purge(t, before) })
	apt(t, "install", debs[1]) // upgrades over itself
	if v := dpkgVersion(t); v != "0.0.1~test2" {
		t.Fatalf("installed version %q after the upgrade", v)
	}
	u, err := user.Lookup(DefaultParams.User)
	if err != nil {
		t.Fatalf("the package made no %s user: %v", DefaultParams.User, err)
	}
	t.Run("verify", func(t *testing.T) {
		for _, unit := range []string{UnitPath} {
			out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
			}
		}
	})
	k := newInstalledKiosk(t, u)

	t.Run("headless", func(t *testing.T) {
		run := k.start(t, headless)
		saveShot(t, run.waitDrawn(t, nil), "attract-headless")
		run.checkNotified(t)
		run.checkListeners(t)

		// The main loop hangs with a resident's session open: the
		// watchdog goes quiet and "systemd" kills the unit; its restart
		// (Restart=always) wipes the session and draws.
		dir := k.leaveSession(t, "s-hung")
		run.checkWatchdog(t)
		fired := time.Now()
		again := k.start(t, headless)
		saveShot(t, again.waitDrawn(t, nil), "attract-after-hang")
		t.Logf("attract screen back %s after the watchdog fired (systemd waits RestartSec=%s first)", time.Since(fired).Round(100*time.Millisecond), k.unit.one("RestartSec"))
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the hung kiosk's session %s survived the restart: %v", dir, err)
		}

		// Then the kiosk crashes.
		dir = k.leaveSession(t, "s-crashed")
		again.kill9(t)
		again = k.start(t, headless)
		saveShot(t, again.waitDrawn(t, nil), "attract-after-kill")
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the crashed kiosk's session %s survived the restart: %v", dir, err)
		}
		again.stop(t)
	})
	t.Run("input", func(t *testing.T) {
		if _, err := exec.LookPath("xdotool"); err != nil {
			t.Skipf("xdotool not installed (make deps installs it): %v", err)
		}
		disp, err := xvfb.Start(1024, 768)
		if err != nil {
			t.Fatal(err)
		}
		defer disp.Stop()
		b := nested(disp.Name)
		run := k.start(t, b)
		run.visit(t, &seatInput{display: disp.Name, out: b})
		run.stop(t)
	})
	if out := <-lint; out != "" {
		t.Errorf("lintian:\n%s", out)
	}
}

// leaveSession makes what a resident's session leaves in its directory
// while the kiosk runs, marked with the kiosk's own token as the kiosk
// marks its sessions (start-up recovery wipes only those).
func (k *installedKiosk) leaveSession(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(sessionsRoot(k.uid), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	owner, err := os.ReadFile(filepath.Join(DefaultParams.StateDir, session.OwnerFile))
	if err != nil {
		t.Fatalf("the kiosk made no owner token: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ".borne-session"), fmt.Appendf(nil, `{"owner":%q,"session":4242,"started":%d}`, bytes.TrimSpace(owner), time.Now().Unix()), 0o600)
	os.WriteFile(filepath.Join(dir, "scan-1.jpg"), []byte("a resident's page"), 0o600)
	for _, p := range []string{dir, filepath.Join(dir, ".borne-session"), filepath.Join(dir, "scan-1.jpg")} {
		os.Chown(p, k.uid, k.gid)
	}
	return dir
}

// buildRelease builds stripped binaries, as make deb does.
func buildRelease(t *testing.T, dir string) map[string]string {
	bins := map[string]string{"kiosk": "./ui/cmd/kiosk", "kioskctl": "./provisioning/cmd/kioskctl"}
	for name, pkg := range bins {
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = "../.."
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		bins[name] = out
	}
	return bins
}

func buildDeb(t *testing.T, bins map[string]string, dir, version string) string {
	deb := filepath.Join(dir, "borne_"+version+"_amd64.deb")
	cmd := exec.Command(bins["kioskctl"], "system", "deb", "--kiosk", bins["kiosk"], "--kioskctl", bins["kioskctl"],
		"--version", version, "--out", deb, "--example-config", "kiosk/config/default.toml")
	cmd.Dir = "../.."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kioskctl system deb: %v\n%s", err, b)
	}
	return deb
}

// lintian returns its errors, or "" (warnings are the maintainer's call).
func lintian(deb string) string {
	if _, err := exec.LookPath("lintian"); err != nil {
		return "lintian is not installed (make deps installs it)"
	}
	out, _ := exec.Command("lintian", "--no-tag-display-limit", deb).CombinedOutput()
	var errs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "E: ") {
			errs = append(errs, line)
		}
	}
	return strings.Join(errs, "\n")
}

func apt(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"-o", "DPkg::Lock::Timeout=600", "-y", "-q", "--no-install-recommends"}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

func dpkgVersion(t *testing.T) string {
	out, _ := exec.Command("dpkg-query", "-W", "-f=${Status} ${Version}", "borne").Output()
	if f := strings.Fields(string(out)); len(f) == 4 && f[2] == "installed" {
		return f[3]
	}
	return ""
}

// packageFiles lists what the package may touch, to tell after the purge
// what it left behind.
func packageFiles(t *testing.T) map[string]bool {
	paths := map[string]bool{}
	files, _ := Files(DefaultParams)
	for _, f := range files {
		paths[f.Path] = exists(f.Path)
	}
	for _, p := range []string{"/usr/bin/kiosk", "/usr/bin/kioskctl", "/usr/share/borne", "/usr/share/doc/borne", "/etc/borne", "/var/lib/borne",
		ScreenEnvPath, TouchRulePath, "/etc/systemd/system/" + CtrlAltDelUnit} {
		paths[p] = exists(p)
	}
	return paths
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// purge removes the package and checks that only what it says stays: the
// borne user (Debian packages keep their users).
func purge(t *testing.T, before map[string]bool) {
	apt(t, "purge", "borne")
	for p, was := range before {
		if exists(p) && !was {
			t.Errorf("%s left after the purge", p)
		}
	}
}

// installedKiosk runs the installed unit's commands.
type installedKiosk struct {
	unit     unitFile
	uid, gid int
	home     string
	runtime  string // $XDG_RUNTIME_DIR, as pam_systemd makes it
	web      string // the loopback site the services open
}

func newInstalledKiosk(t *testing.T, u *user.User) *installedKiosk {
	unit, err := readUnit(UnitPath)
	if err != nil {
		t.Fatal(err)
	}
	k := &installedKiosk{unit: unit, home: u.HomeDir}
	k.uid, _ = strconv.Atoi(u.Uid)
	k.gid, _ = strconv.Atoi(u.Gid)
	if unit.one("User") != u.Username {
		t.Fatalf("unit runs as %q, not %s", unit.one("User"), u.Username)
	}
	// What systemd makes before the first command: the state and runtime
	// directories, and (pam_systemd) the user's runtime dir.
	for dir, mode := range map[string]os.FileMode{DefaultParams.StateDir: 0o750, "/run/" + unit.one("RuntimeDirectory"): 0o755} {
		if err := os.MkdirAll(dir, mode); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{dir, filepath.Join(dir, ".borne-session"), filepath.Join(dir, "scan-1.jpg")} {
			os.Chown(p, k.uid, k.gid)
		}
	}
	// Not under t.TempDir(), whose parent only root may enter.
	if k.runtime, err = os.MkdirTemp("", "borne-runtime-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(k.runtime) })
	os.Chown(k.runtime, k.uid, k.gid)
	k.web = serveServices(t)
	k.writeConfig(t)
	return k
}

// serveServices is the services' website, on loopback.
func serveServices(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><body style="background:#fff"><h1>Service public</h1><p>Démarche en ligne</p>`+
			`<div style="width:600px;height:300px;background:#0055a4"></div></body>`)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// writeConfig enrols the kiosk with the package's example configuration,
// its services on the test's site, its metrics on a free loopback port.
func (k *installedKiosk) writeConfig(t *testing.T) {
	data, err := os.ReadFile("/usr/share/borne/borne.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metrics := ln.Addr().String()
	ln.Close()
	text := strings.ReplaceAll(string(data), "127.0.0.1:8765", k.web)
	text = strings.Replace(text, `listen = "127.0.0.1:9750"`, fmt.Sprintf("listen = %q", metrics), 1)
	text = strings.Replace(text, `state_dir = ""`, fmt.Sprintf("state_dir = %q", DefaultParams.StateDir), 1)
	if !strings.Contains(text, metrics) || !strings.Contains(text, k.web) {
		t.Fatal("the example configuration changed shape: update the test's edits")
	}
	os.MkdirAll(filepath.Dir(DefaultParams.Config), 0o755)
	if err := os.WriteFile(DefaultParams.Config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run is one start of the unit.
type run struct {
	k       *installedKiosk
	cage    *exec.Cmd
	done    chan struct{}
	log     *syncBuffer
	notify  *net.UnixConn
	notices chan notice // what the kiosk told "systemd", as it came
	display string      // cage's Wayland socket
	out     backend
}

// notice is one sd_notify datagram and when it came.
type notice struct {
	lines []string
	at    time.Time
}

// start runs ExecStartPre and ExecStart as the unit says, on the given
// backend.
func (k *installedKiosk) start(t *testing.T, b backend) *run {
	t.Helper()
	r := &run{k: k, out: b}
	for _, pre := range k.unit["ExecStartPre"] {
		env, _ := k.unit.environment()
		prefix, argv := command(pre, env)
		if !strings.Contains(prefix, "+") {
			t.Fatalf("ExecStartPre %q: this test runs it as root, as only \"+\" does", pre)
		}
		if b, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("ExecStartPre %s: %v\n%s", pre, err, b)
		}
	}
	env, err := k.unit.environment()
	if err != nil {
		t.Fatal(err)
	}
	_, argv := command(k.unit.one("ExecStart"), env)
	sock := filepath.Join(k.runtime, fmt.Sprintf("notify-%d", time.Now().UnixNano()))
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	os.Chown(sock, k.uid, k.gid)
	r.notify = conn
	r.notices = make(chan notice, 64)
	go func() {
		defer close(r.notices)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			r.notices <- notice{strings.Split(strings.TrimSpace(string(buf[:n])), "\n"), time.Now()}
		}
	}()
	wd := k.watchdog(t)
	vars := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + k.home, "USER=borne", "LOGNAME=borne", "SHELL=/usr/sbin/nologin",
		"XDG_RUNTIME_DIR=" + k.runtime, "NOTIFY_SOCKET=" + sock, fmt.Sprintf("WATCHDOG_USEC=%d", wd.Microseconds())}
	for key, v := range env {
		vars = append(vars, key+"="+v)
	}
	r.log = &syncBuffer{}
	r.cage = k.asUser(append(vars, b.vars...), argv...)
	r.cage.Stdout, r.cage.Stderr = r.log, r.log
	if err := r.cage.Start(); err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	r.done = make(chan struct{})
	go func() { r.cage.Wait(); close(r.done) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// asUser is a command run as the kiosk's user with its groups (setpriv, as
// systemd's User= would).
func (k *installedKiosk) asUser(env []string, argv ...string) *exec.Cmd {
	cmd := exec.Command("setpriv", append([]string{"--reuid=" + strconv.Itoa(k.uid), "--regid=" + strconv.Itoa(k.gid), "--init-groups", "--"}, argv...)...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// kiosk is the kiosk process: cage's child.
func (r *run) kiosk(t *testing.T) int {
	t.Helper()
	var pid int
	waitFor(t, 20*time.Second, "the kiosk process", func() bool {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", r.cagePID(), r.cagePID()))
		for _, c := range strings.Fields(string(data)) {
			p, _ := strconv.Atoi(c)
			if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", p)); exe == DefaultParams.Kiosk {
				pid = p
				return true
			}
		}
		return false
	}, r.log.String)
	return pid
}

// cagePID is cage's pid (setpriv and env exec into it).
func (r *run) cagePID() int { return r.cage.Process.Pid }

// shot is a screenshot of cage's output, taken by grim as the kiosk's user.
func (r *run) shot(t *testing.T) image.Image {
	t.Helper()
	if r.display == "" {
		environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", r.kiosk(t)))
		for _, kv := range strings.Split(string(environ), "\x00") {
			if v, ok := strings.CutPrefix(kv, "WAYLAND_DISPLAY="); ok {
				r.display = v
			}
		}
	}
	img, err := r.tryShot()
	if err != nil {
		t.Fatalf("grim: %v\n%s", err, r.log)
	}
	return img
}

func (r *run) tryShot() (image.Image, error) {
	cmd := r.k.asUser([]string{"PATH=/usr/bin:/bin", "XDG_RUNTIME_DIR=" + r.k.runtime, "WAYLAND_DISPLAY=" + r.display}, "grim", "-")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, errb.String())
	}
	return png.Decode(&out)
}

// waitDrawn waits until cage's output shows a picture of its full size
// that is not one colour, and differs from prev when given.
func (r *run) waitDrawn(t *testing.T, prev image.Image) image.Image {
	t.Helper()
	var img image.Image
	waitFor(t, 90*time.Second, "the kiosk drawn full screen", func() bool {
		r.alive(t)
		img = r.shot(t)
		b := img.Bounds()
		return b.Dx() == r.out.w && b.Dy() == r.out.h && !uniform(img) && (prev == nil || !sameImage(img, prev))
	}, r.log.String)
	return img
}

// alive fails the test when cage has exited.
func (r *run) alive(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
		t.Fatalf("cage exited: %v\n%s", r.cage.ProcessState, r.log)
	default:
	}
}

// checkNotified checks the kiosk told "systemd" it is up, and pings its watchdog.
func (r *run) checkNotified(t *testing.T) {
	t.Helper()
	got := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for !got["READY=1"] || !got["WATCHDOG=1"] {
		select {
		case n, ok := <-r.notices:
			if !ok {
				t.Fatalf("notify socket closed; got %v", got)
			}
			for _, l := range n.lines {
				got[l] = true
			}
		case <-deadline:
			t.Fatalf("notify socket got %v; want READY=1 and WATCHDOG=1", got)
		}
	}
}

// checkListeners checks the kiosk and cage listen on loopback only.
func (r *run) checkListeners(t *testing.T) {
	t.Helper()
	ls, err := Listeners("/proc/net")
	if err != nil {
		t.Fatal(err)
	}
	mine := map[uint64]bool{}
	for _, pid := range []int{r.cagePID(), r.kiosk(t)} {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
		for _, fd := range fds {
			if l, _ := os.Readlink(fd); strings.HasPrefix(l, "socket:[") {
				n, _ := strconv.ParseUint(strings.Trim(l, "socket:[]"), 10, 64)
				mine[n] = true
			}
		}
	}
	n := 0
	for _, l := range ls {
		if mine[l.Inode] {
			n++
			// sane-airscan's WS-Discovery takes scanners' multicast
			// announcements (UDP 3702) on the lobby's network; it answers
			// nothing. Anything else is a listener the kiosk must not have.
			if !l.Loopback() && !(strings.HasPrefix(l.Proto, "udp") && l.Port == wsDiscoveryPort) {
				t.Errorf("the kiosk listens on the network: %s", l)
			}
		}
	}
	if n == 0 {
		t.Error("no listener of the kiosk found (its metrics should be on loopback)")
	}
}

// kill9 kills the kiosk as a crash would, and waits for cage to end.
func (r *run) kill9(t *testing.T) {
	t.Helper()
	syscall.Kill(r.kiosk(t), syscall.SIGKILL)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("cage still runs after its kiosk was killed\n%s", r.log)
	}
}

// stop ends the run as systemd stops the unit (SIGTERM to the group).
func (r *run) stop(t *testing.T) {
	if r.cage.Process == nil {
		return
	}
	syscall.Kill(-r.cage.Process.Pid, syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-r.cage.Process.Pid, syscall.SIGKILL)
		<-r.done
	}
	r.notify.Close()
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, log func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("no %s after %s\n%s", what, limit, log())
		case <-tick.C:
		}
	}
}

func uniform(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y += 2 {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x += 2 {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// saveShot keeps a screenshot for people to look at, when BORNE_SHOTS names a folder.
func saveShot(t *testing.T, img image.Image, name string) {
	dir := os.Getenv("BORNE_SHOTS")
	if dir == "" {
		return
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), b.Bytes(), 0o644)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sessionsRoot is where the kiosk keeps its residents' sessions when
// $XDG_RUNTIME_DIR is not a tmpfs (here: the test's runtime dir).
func sessionsRoot(uid int) string {
	return filepath.Join("/dev/shm", fmt.Sprintf("borne-%d", uid), "sessions")
}
