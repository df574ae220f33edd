package main

import (
	"bytes"

	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"borne/internal/xvfb"
	"borne/kiosk/config"
	"borne/testbench/demosite"
	"borne/testbench/lobby"
	"borne/ui/web"
)

// After each way a visit can end, nothing a resident typed is left anywhere
// the kiosk's user can write (session, state, home, temporary and runtime
// directories, shared memory, the usage store, spools), in the memory of the
// kiosk and of its WebKit processes, in the X selections or in the log.
// The resident types a marker into the site's login form, copies it, and
// sends it (the site's server seeing it proves it was typed); the site
// answers at an address that holds it.
func TestNothingOfTheVisitRemains(t *testing.T) {
	for _, end := range []string{"done", "idle", "sigterm", "kill9"} {
		t.Run(end, func(t *testing.T) { sweepAfter(t, end) })
	}
}

// visitSite is a kiosk site whose services are the demo site, served here
// and recording what residents send it.
type visitSite struct {
	*site
	disp, bus string
	env       []string
	mu        sync.Mutex
	sent      []string // what the site's form received
}

func newVisitSite(t *testing.T, idle bool) *visitSite {
	s := &visitSite{site: newSite(t)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cfg := config.Default()
	demo := demosite.New(lobby.Sites(cfg, lobby.DemoAddr), nil)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/note") {
			s.mu.Lock()
			s.sent = append(s.sent, r.PostFormValue("user"))
			s.mu.Unlock()
			// The form again, focused, at an address that carries what was
			// typed, as a GET form or a search box would.
			http.Redirect(w, r, r.URL.Path+"?user="+url.QueryEscape(r.PostFormValue("user")), http.StatusSeeOther)
			return
		}
		demo.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	text, _ := os.ReadFile(s.config)
	conf := strings.ReplaceAll(string(text), "127.0.0.1:8765", addr)
	conf = strings.Replace(conf, `start_url = "http://`+addr+`/caf/"`, `start_url = "http://`+addr+`/caf/note"`, 1)
	conf = strings.Replace(conf, `languages = ["fr", "en", "ar", "es", "pt", "tr", "ro", "zh"]`, `languages = ["fr"]`, 1)
	if idle {
		conf = strings.Replace(conf, `idle_after = "90s"`, `idle_after = "15s"`, 1)
		conf = strings.Replace(conf, `warn_for = "30s"`, `warn_for = "5s"`, 1)
	}
	if !strings.Contains(conf, "/caf/note") || !strings.Contains(conf, `languages = ["fr"]`) {
		t.Fatal("default.toml changed shape: update the test's edits")
	}
	s.write(conf)

	s.disp = display(t)
	bus, err := xvfb.StartSessionBus() // the accessibility bus, to find "J'ai fini"
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Stop)
	s.bus = bus.Address
	for _, d := range []string{"home", "tmp"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s.env = []string{"DISPLAY=" + s.disp, "DBUS_SESSION_BUS_ADDRESS=" + s.bus, "HOME=" + filepath.Join(s.dir, "home"), "TMPDIR=" + filepath.Join(s.dir, "tmp")}
	return s
}

func (s *visitSite) start(t *testing.T) *running {
	cmd := s.kiosk(s.disp)
	cmd.Env = append(cmd.Env, s.env...)
	k := start(t, cmd)
	k.waitLog(t, "attract screen shown")
	return k
}

func (s *visitSite) x(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.CombinedOutput()
	if err != nil && name != "xclip" {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	if err != nil {
		return ""
	}
	return string(out)
}

// visit opens the first service, types the marker into the login form,
// copies it and sends the form, until the site has received it.
func (s *visitSite) visit(t *testing.T, marker string) {
	t.Helper()
	tapScreen(t, s.disp)
	waitSessionDir(t, s.sessions)
	s.tap(t, "push button", "CAF")
	deadline := time.Now().Add(30 * time.Second)
	for !s.received(marker) {
		if time.Now().After(deadline) {
			s.x(t, "import", "-window", "root", "/tmp/i16a/sweep.png")
			t.Fatal("the site never received the typed marker")
		}
		// The page puts the focus in its field: keys typed before it is up
		// are lost, and typed again.
		s.x(t, "xdotool", "type", "--delay", "15", marker)
		s.x(t, "xdotool", "key", "--clearmodifiers", "ctrl+a", "ctrl+c", "Return")
		for wait := time.Now().Add(3 * time.Second); !s.received(marker) && time.Now().Before(wait); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := s.x(t, "xclip", "-o", "-selection", "clipboard"); !strings.Contains(got, marker) {
		t.Fatalf("the copy did not reach the clipboard (%q): the clipboard check proves nothing", got)
	}
}

func (s *visitSite) received(marker string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.sent {
		if strings.Contains(u, marker) {
			return true
		}
	}
	return false
}

// tap taps a control of the kiosk or of its page, found on the
// accessibility bus by role and the start of its name.
func (s *visitSite) tap(t *testing.T, role, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cmd := exec.Command("/usr/bin/python3", "testdata/atspi_center.py", "kiosk", role, name)
		cmd.Env = append(os.Environ(), s.env...)
		out, err := cmd.Output()
		if f := strings.Fields(string(out)); err == nil && len(f) == 2 {
			s.x(t, "xdotool", "mousemove", "--sync", f[0], f[1], "click", "1")
			return
		}
		if time.Now().After(deadline) {
			s.x(t, "import", "-window", "root", "/tmp/i16a/sweep.png")
			t.Fatalf("no %s %q on the accessibility bus: %v", role, name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func sweepAfter(t *testing.T, end string) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	marker := "Qz" + hex.EncodeToString(b[:])
	since := time.Now()
	s := newVisitSite(t, end == "idle")
	k := s.start(t)
	s.visit(t, marker)

	switch end {
	case "done":
		s.tap(t, "push button", "J'ai fini")
		s.tap(t, "push button", "Non merci") // no ticket
		k.waitLog(t, "visit's web processes ended")
	case "idle":
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(s.sessions, "s-*")); len(m) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the idle visit never ended")
			}
		}
		k.waitLog(t, "visit's web processes ended")
	case "sigterm":
		k.stop(t, syscall.SIGTERM)
	case "kill9":
		k.stop(t, syscall.SIGKILL)
		k = s.start(t) // start-up recovery is the visit's end
	}

	var found []string
	if k.cmd.ProcessState == nil {
		// The kiosk itself (its allocators overwrite what they free, see
		// kiosk/scrub) and whatever WebKit process is still alive.
		for _, pid := range append([]int{k.cmd.Process.Pid}, web.Descendants(k.cmd.Process.Pid)...) {
			if where := inMemory(t, pid, marker); where != "" {
				found = append(found, fmt.Sprintf("memory of %d (%s): %s", pid, comm(pid), where))
			}
		}
	}
	for _, sel := range []string{"clipboard", "primary"} {
		if strings.Contains(s.x(t, "xclip", "-o", "-selection", sel), marker) {
			found = append(found, "the X "+sel+" selection")
		}
	}
	if strings.Contains(k.log.String(), marker) {
		found = append(found, "the kiosk's log")
	}
	for _, root := range []string{s.dir, os.TempDir(), "/tmp", "/var/tmp", "/dev/shm", "/var/spool"} {
		found = append(found, filesWith(root, marker, since)...)
	}
	if len(found) != 0 {
		t.Fatalf("after %s, the typed marker is still in:\n%s", end, strings.Join(found, "\n"))
	}
	if k.cmd.ProcessState == nil {
		k.stop(t, syscall.SIGTERM)
	}
}

// filesWith lists the files under root changed since the test began that
// hold marker.
func filesWith(root, marker string, since time.Time) []string {
	var found []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.ModTime().Before(since) {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		if readerHas(f, info.Size(), marker) {
			found = append(found, "file "+path)
		}
		return nil
	})
	return found
}

// readerHas scans r for marker, 4 MB at a time.
func readerHas(r io.ReaderAt, size int64, marker string) bool {
	m := []byte(marker)
	buf := make([]byte, 4<<20+len(m))
	for off := int64(0); off < size; off += 4 << 20 {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n == 0 {
			return false
		}
		if bytes.Contains(buf[:n], m) {
			return true
		}
	}
	return false
}

// inMemory searches every readable mapping of a process for marker and
// says where it was found ("" when nowhere).
func inMemory(t *testing.T, pid int, marker string) string {
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return ""
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatalf("cannot read the memory of %d: %v", pid, err)
	}
	defer mem.Close()
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[1][0] != 'r' {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		stop, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if readerHas(io.NewSectionReader(mem, int64(start), int64(stop-start)), int64(stop-start), marker) {
			return line
		}
	}
	return ""
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}
