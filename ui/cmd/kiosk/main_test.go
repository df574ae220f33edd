package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"borne/internal/xvfb"
	"borne/kiosk/config"
	"borne/kiosk/config/configtest"
	"borne/kiosk/metrics"

	_ "modernc.org/sqlite"
)

// These tests run the real kiosk binary as a staff member or systemd would.

var kioskBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "borne-kiosk-bin")
	if err != nil {
		panic(err)
	}
	kioskBin = filepath.Join(dir, "kiosk")
	if out, err := exec.Command("go", "build", "-o", kioskBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build kiosk: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a private place for one kiosk: state, sessions, a config file.
type site struct {
	t        testing.TB
	dir      string
	config   string
	sessions string
	db       string
	metrics  string // a free loopback port: kiosks under test run side by side
}

func newSite(t testing.TB) *site {
	t.Helper()
	dir := t.TempDir()
	s := &site{t: t, dir: dir, config: filepath.Join(dir, "borne.toml"), sessions: filepath.Join(dir, "sessions"), db: filepath.Join(dir, "state", "usage.db")}
	def, err := os.ReadFile("../../../kiosk/config/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(def), `state_dir = ""`, fmt.Sprintf("state_dir = %q", filepath.Join(dir, "state")), 1)
	text = strings.Replace(text, `# dir = "/run/borne/sessions"`, fmt.Sprintf("dir = %q", s.sessions), 1)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.metrics = free.Addr().String()
	free.Close()
	text = strings.Replace(text, `listen = "127.0.0.1:9750"`, fmt.Sprintf("listen = %q", s.metrics), 1)
	if text == string(def) || !strings.Contains(text, s.sessions) || !strings.Contains(text, s.metrics) {
		t.Fatal("default.toml changed shape: update the test's edits")
	}
	s.write(text)
	return s
}

func (s *site) write(text string) {
	s.t.Helper()
	if err := os.WriteFile(s.config, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// kiosk runs the binary with this site's config on the given display.
func (s *site) kiosk(display string, args ...string) *exec.Cmd {
	cmd := exec.Command(kioskBin, append([]string{"--config", s.config, "--state-dir", filepath.Join(s.dir, "state")}, args...)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+s.dir)
	return cmd
}

// logLines follows a running kiosk's log.
type running struct {
	cmd   *exec.Cmd
	lines chan string
	log   strings.Builder
}

func start(t testing.TB, cmd *exec.Cmd) *running {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, lines: make(chan string, 256)}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return r
}

// waitLog waits for a log line containing want.
func (r *running) waitLog(t testing.TB, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				t.Fatalf("kiosk exited before logging %q:\n%s", want, r.log.String())
			}
			r.log.WriteString(line + "\n")
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q in the log after 20 s:\n%s", want, r.log.String())
		}
	}
}

func (r *running) stop(t testing.TB, sig syscall.Signal) {
	t.Helper()
	_ = r.cmd.Process.Signal(sig)
	drained := make(chan struct{})
	go func() {
		for line := range r.lines {
			r.log.WriteString(line + "\n")
		}
		close(drained)
	}()
	_ = r.cmd.Wait() // closes the log's pipe: the reader sees its end
	<-drained
}

func display(t testing.TB) string {
	t.Helper()
	d, err := xvfb.Start(1280, 800)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return d.Name
}

func TestCheckDrawsTheAttractScreenAndExits(t *testing.T) {
	s := newSite(t)
	out, err := s.kiosk(display(t), "--check").Output()
	if err != nil {
		t.Fatalf("kiosk --check: %v", err)
	}
	if !strings.HasPrefix(string(out), "ready in ") {
		t.Fatalf("kiosk --check printed %q", out)
	}
}

func TestASecondKioskIsRefused(t *testing.T) {
	s := newSite(t)
	disp := display(t)
	first := start(t, s.kiosk(disp))
	first.waitLog(t, "attract screen shown")
	out, err := s.kiosk(disp).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "already running") {
		t.Fatalf("second kiosk: exit %d, output %q", code, out)
	}
	first.stop(t, syscall.SIGTERM)
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, first.log.String())
	}
}

// A broken config file never starts a half-configured kiosk: with no valid
// config to fall back on it refuses, naming the line; with one, it runs the
// last valid config and says why.
func TestBrokenConfig(t *testing.T) {
	s := newSite(t)
	disp := display(t)
	good, _ := os.ReadFile(s.config)
	broken := strings.Replace(string(good), `idle_after = "90s"`, `idle_after = "soon"`, 1)
	line := 1 + strings.Count(broken[:strings.Index(broken, `idle_after = "soon"`)], "\n")

	s.write(broken)
	out, err := s.kiosk(disp, "--check").CombinedOutput()
	if code := exitCode(err); code != exitConfig {
		t.Fatalf("broken config, no last valid one: exit %d, want %d\n%s", code, exitConfig, out)
	}
	where := fmt.Sprintf("borne.toml:%d: session.idle_after", line)
	if !strings.Contains(string(out), where) {
		t.Fatalf("the refusal does not name %q:\n%s", where, out)
	}

	s.write(string(good))
	if out, err := s.kiosk(disp, "--check").CombinedOutput(); err != nil {
		t.Fatalf("valid config: %v\n%s", err, out)
	}
	s.write(broken)
	out, err = s.kiosk(disp, "--check").CombinedOutput()
	if err != nil {
		t.Fatalf("broken config with a last valid one: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "running the last valid one") || !strings.Contains(string(out), fmt.Sprintf("%d", line)) {
		t.Fatalf("the fallback is not explained:\n%s", out)
	}
}

// A session cut short by a crash (kill -9) leaves its directory behind; the
// next start wipes it and counts the session as recovered. A normal stop
// (SIGTERM) during a session wipes it at once.
func TestCrashAndStopWipeTheSession(t *testing.T) {
	s := newSite(t)
	disp := display(t)

	k := start(t, s.kiosk(disp))
	k.waitLog(t, "attract screen shown")
	tapScreen(t, disp)
	dir := waitSessionDir(t, s.sessions)
	if err := os.WriteFile(filepath.Join(dir, "payslip.jpg"), []byte("personal"), 0o600); err != nil {
		t.Fatal(err)
	}
	k.stop(t, syscall.SIGKILL)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("after kill -9 the session dir should still be there for recovery: %v", err)
	}

	k = start(t, s.kiosk(disp))
	k.waitLog(t, "attract screen shown")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("start-up did not wipe the crashed session: %v", err)
	}
	tapScreen(t, disp)
	dir = waitSessionDir(t, s.sessions)
	k.stop(t, syscall.SIGTERM)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("SIGTERM did not wipe the running session: %v", err)
	}

	ends := queryStrings(t, s.db, `SELECT outcome FROM events WHERE kind = 'session_end' ORDER BY id`)
	if strings.Join(ends, ",") != "recovered,shutdown" {
		t.Fatalf("session ends recorded: %v, want recovered then shutdown", ends)
	}
	if got := queryStrings(t, s.db, `PRAGMA integrity_check`); len(got) != 1 || got[0] != "ok" {
		t.Fatalf("integrity_check: %v", got)
	}
}

// tapScreen taps the middle of the screen: the attract screen is one button.
func tapScreen(t testing.TB, disp string) {
	t.Helper()
	cmd := exec.Command("xdotool", "mousemove", "--sync", "640", "400", "click", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+disp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v\n%s", err, out)
	}
}

func waitSessionDir(t testing.TB, root string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(root, "s-*")); len(m) == 1 {
			return m[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no session directory appeared after the tap")
	return ""
}

func queryStrings(t testing.TB, path, query string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// A config file made to hang start-up (1 MiB of unknown keys, deep nesting,
// or more than 1 MiB) is an invalid file like any other: the kiosk runs its
// last valid config at once and names the file.
func TestHostileConfigFallsBack(t *testing.T) {
	s := newSite(t)
	disp := display(t)
	good, _ := os.ReadFile(s.config)
	if out, err := s.kiosk(disp, "--check").CombinedOutput(); err != nil {
		t.Fatalf("valid config: %v\n%s", err, out)
	}
	for _, size := range []int{config.MaxFileBytes, 8 * config.MaxFileBytes} {
		s.write(string(configtest.Hostile(good, size)))
		out, err := s.kiosk(disp, "--check").CombinedOutput()
		if err != nil {
			t.Fatalf("%d bytes: %v\n%.3000s", size, err, out)
		}
		if !strings.Contains(string(out), "running the last valid one") || !strings.Contains(string(out), s.config+":") {
			t.Fatalf("%d bytes: the fallback is not explained:\n%.3000s", size, out)
		}
	}
}

// session.dir may hold s-… entries that are not the kiosk's: start-up
// recovery leaves them. A shared system directory is refused before anything
// in it is touched.
func TestSessionDirIsTheKiosksOwn(t *testing.T) {
	disp := display(t)
	t.Run("shared entries stay", func(t *testing.T) {
		s := newSite(t)
		theirs := filepath.Join(s.sessions, "s-someone")
		if err := os.MkdirAll(theirs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(theirs, "notes.txt"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(s.sessions, "s-link")
		if err := os.Symlink(t.TempDir(), link); err != nil {
			t.Fatal(err)
		}
		k := start(t, s.kiosk(disp))
		k.waitLog(t, "attract screen shown")
		k.stop(t, syscall.SIGTERM)
		for _, p := range []string{filepath.Join(theirs, "notes.txt"), link} {
			if _, err := os.Lstat(p); err != nil {
				t.Errorf("start-up deleted %s: %v", p, err)
			}
		}
	})
	refused := []string{"/tmp"}
	if home, _ := os.UserHomeDir(); home != "" && home != "/" {
		refused = append(refused, home)
	}
	for _, dir := range refused {
		t.Run(dir, func(t *testing.T) {
			s := newSite(t)
			text, _ := os.ReadFile(s.config)
			s.write(strings.Replace(string(text), fmt.Sprintf("dir = %q", s.sessions), fmt.Sprintf("dir = %q", dir), 1))
			out, err := s.kiosk(disp, "--check").CombinedOutput()
			if code := exitCode(err); code != exitConfig || !strings.Contains(string(out), "session.dir: ") {
				t.Fatalf("session.dir = %q: exit %d, want %d with the field named:\n%s", dir, code, exitConfig, out)
			}
		})
	}
}

// A long-running part that fails (here the metrics server: its port is
// taken) is logged under its name and restarted until it comes up, while
// the kiosk goes on; at SIGTERM the kiosk waits for its parts and exits 0.
func TestFailingServiceIsLoggedAndRestarted(t *testing.T) {
	s := newSite(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := taken.Addr().String()
	text, _ := os.ReadFile(s.config)
	conf := strings.Replace(string(text), fmt.Sprintf("listen = %q", s.metrics), fmt.Sprintf("listen = %q", addr), 1)
	if conf == string(text) {
		t.Fatal("default.toml changed shape: update the test's edits")
	}
	s.write(conf)
	k := start(t, s.kiosk(display(t)))
	k.waitLog(t, `restarting" service=metrics`)
	taken.Close()
	url := "http://" + addr + metrics.Path
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics server never came up after its port was freed: %v\n%s", err, k.log.String())
		}
	}
	k.stop(t, syscall.SIGTERM)
	if code := k.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, k.log.String())
	}
	if strings.Contains(k.log.String(), "still running") {
		t.Errorf("a part overstayed the stop:\n%s", k.log.String())
	}
}
