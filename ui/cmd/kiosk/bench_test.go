package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"borne/ui/web"
)

// BenchmarkColdStart: process start to the attract screen drawn (--check),
// with the config and the usage store opened as in production.
func BenchmarkColdStart(b *testing.B) {
	s := newSite(b)
	disp := display(b)
	for b.Loop() {
		if out, err := s.kiosk(disp, "--check").CombinedOutput(); err != nil {
			b.Fatalf("kiosk --check: %v\n%s", err, out)
		}
	}
}

// BenchmarkColdStartCage: cage's start to the attract screen drawn
// (--check), as the unit starts them, on wlroots' headless backend: the
// production path, side by side with BenchmarkColdStart on Xvfb.
func BenchmarkColdStartCage(b *testing.B) {
	s := newSite(b)
	for b.Loop() {
		if out, err := s.underCage(b, "--check").CombinedOutput(); err != nil || !strings.Contains(string(out), "ready in") {
			b.Fatalf("cage -- kiosk --check: %v\n%s", err, out)
		}
	}
}

// BenchmarkIdleRSSCage: BenchmarkIdleRSS under cage, cage and Xwayland
// (when up) counted with the kiosk.
func BenchmarkIdleRSSCage(b *testing.B) {
	s := newSite(b)
	idleRSS(b, func() *exec.Cmd { return s.underCage(b) })
}

// underCage is the kiosk of this site under cage's headless backend, as the
// unit starts it. cage refuses root: both run as nobody, given the site.
func (s *site) underCage(b *testing.B, args ...string) *exec.Cmd {
	if os.Geteuid() != 0 {
		b.Skip("runs cage as another user: needs root")
	}
	if _, err := exec.LookPath("cage"); err != nil {
		b.Skipf("cage not installed (make deps installs it): %v", err)
	}
	const nobody = 65534
	for _, dir := range []string{filepath.Dir(s.dir), filepath.Dir(kioskBin)} {
		os.Chmod(dir, 0o755)
	}
	filepath.WalkDir(s.dir, func(p string, _ fs.DirEntry, _ error) error { return os.Lchown(p, nobody, nobody) })
	os.Chmod(s.dir, 0o700) // $XDG_RUNTIME_DIR, as cage wants it
	cmd := exec.Command("setpriv", append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
		"cage", "--", kioskBin, "--config", s.config, "--state-dir", filepath.Join(s.dir, "state")}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + s.dir, "XDG_RUNTIME_DIR=" + s.dir, "GDK_BACKEND=wayland",
		"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman"}
	return cmd
}

// BenchmarkIdleRSS reports the resident memory of a kiosk sitting on its
// attract screen, 5 s after start-up (the metric is MiB, not ns/op).
func BenchmarkIdleRSS(b *testing.B) {
	s := newSite(b)
	disp := display(b)
	idleRSS(b, func() *exec.Cmd { return s.kiosk(disp) })
}

// idleRSS starts the kiosk, waits for its attract screen and 5 s more, and
// reports the resident memory of the process started and all below it.
func idleRSS(b *testing.B, kiosk func() *exec.Cmd) {
	var total float64
	for b.Loop() {
		k := start(b, kiosk())
		k.waitLog(b, "attract screen shown")
		time.Sleep(5 * time.Second)
		for _, pid := range append(web.Descendants(k.cmd.Process.Pid), k.cmd.Process.Pid) {
			total += rssMiB(b, pid)
		}
		k.stop(b, syscall.SIGTERM)
	}
	b.ReportMetric(total/float64(b.N), "idle-RSS-MiB")
}

func rssMiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
