package kioskctl

import (
	"borne/provisioning/system"

	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/instance"
	"borne/kiosk/metrics"
	"borne/kiosk/pincode"
	"borne/kiosk/usage"
	"borne/provisioning/bundle"
)

// machine points the commands at a throwaway machine: a provisioning root,
// no systemd, no tools (runCmd fails unless a test stubs it), no devices.
func machine(t *testing.T) (root string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "etc-borne")
	savedRoot, savedSystemd, savedRun, savedDev, savedStdin, savedSignal, savedNow := provisionRoot, systemdDir, runCmd, devRoot, stdin, signalProcess, now
	t.Cleanup(func() {
		provisionRoot, systemdDir, runCmd, devRoot, stdin, signalProcess, now = savedRoot, savedSystemd, savedRun, savedDev, savedStdin, savedSignal, savedNow
	})
	provisionRoot, systemdDir, devRoot = root, filepath.Join(t.TempDir(), "no-systemd"), t.TempDir()
	runCmd = func(_ context.Context, name string, _ ...string) ([]byte, error) {
		return nil, fmt.Errorf("%s: %w", name, exec.ErrNotFound)
	}
	return root
}

// kioskConfig writes the built-in configuration with its state dir at
// stateDir, minus what enrolment sets on each kiosk when fleet is set.
func kioskConfig(t *testing.T, dir, stateDir string, fleet bool) string {
	t.Helper()
	data, err := os.ReadFile("../../kiosk/config/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), `state_dir = ""`, fmt.Sprintf("state_dir = %q", stateDir), 1)
	if fleet {
		s = regexp.MustCompile(`(?m)^(id = "demo-01"|site = .*|timezone = .*|device = .*|uri = .*)$`).ReplaceAllString(s, "")
	}
	path := filepath.Join(dir, "borne.toml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustRun(t *testing.T, want int, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(args...)
	if code != want {
		t.Fatalf("kioskctl %s: exit %d; want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout + stderr
}

// fleetKiosk is a kiosk's provisioning root trusting a new fleet key, and
// src, a folder of the fleet's files to make bundles of; keygen is what
// making the key printed.
func fleetKiosk(t *testing.T) (root, work, key, src, keygen string) {
	t.Helper()
	root = machine(t)
	os.MkdirAll(root, 0o750)
	os.WriteFile(filepath.Join(root, bundle.IdentityFile), []byte("[kiosk]\nid = \"trappes-01\"\nsite = \"Trappes\"\n"), 0o640)
	work = t.TempDir()
	key = filepath.Join(work, "fleet.key")
	keygen = mustRun(t, 0, "provision", "keygen", "--out", key, "--comment", "fleet test")
	os.Link(key+".pub", filepath.Join(root, bundle.TrustFile))
	src = filepath.Join(work, "src")
	os.Mkdir(src, 0o755)
	kioskConfig(t, src, filepath.Join(work, "state"), true)
	return root, work, key, src, keygen
}

func TestProvision(t *testing.T) {
	root, work, key, src, out := fleetKiosk(t)
	if !strings.Contains(out, "ed25519 ") {
		t.Errorf("keygen printed no trust line: %s", out)
	}
	mustRun(t, 1, "provision", "keygen", "--out", key) // never overwrites a key
	b1 := filepath.Join(work, "b1.tar.gz")
	mustRun(t, 0, "provision", "make", "--key", key, "--out", b1, "--comment", "first", src)
	out = mustRun(t, 0, "provision", "verify", b1, "--root", root) // flags after the bundle too
	if !strings.Contains(out, "configuration valid") || !strings.Contains(out, `signed by "fleet test"`) {
		t.Errorf("verify: %s", out)
	}
	mustRun(t, 0, "provision", "apply", b1)
	cfg, err := config.Load(filepath.Join(root, bundle.ConfigName))
	if err != nil || cfg.Kiosk.ID != "trappes-01" {
		t.Fatalf("config in force: %v, %v", cfg, err)
	}

	// Refused, and nothing changes: a bundle of another key, a tampered one, an invalid one.
	other := filepath.Join(work, "other.key")
	mustRun(t, 0, "provision", "keygen", "--out", other)
	foreign := filepath.Join(work, "foreign.tar.gz")
	mustRun(t, 0, "provision", "make", "--key", other, "--out", foreign, src)
	tampered := filepath.Join(work, "tampered.tar.gz")
	data, _ := os.ReadFile(b1)
	data[len(data)/2] ^= 0xff
	os.WriteFile(tampered, data, 0o644)
	os.WriteFile(filepath.Join(src, "borne.toml"), []byte("[kiosk]\nlanguages = [\"xx\"]\n"), 0o644)
	mustRun(t, 1, "provision", "make", "--key", key, "--out", filepath.Join(work, "bad.tar.gz"), src) // checked at make
	before, _ := os.Readlink(filepath.Join(root, bundle.CurrentLink))
	for _, b := range []string{foreign, tampered, filepath.Join(work, "missing.tar.gz"), "http://127.0.0.1:1/b.tar.gz"} {
		mustRun(t, 1, "provision", "apply", b)
		if now, _ := os.Readlink(filepath.Join(root, bundle.CurrentLink)); now != before {
			t.Fatalf("apply %s changed the bundle in force", b)
		}
	}
	mustRun(t, 2, "provision", "apply")
	mustRun(t, 1, "provision", "rollback") // the first bundle replaced a kiosk without configuration
}

func TestStatusAndRestart(t *testing.T) {
	machine(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	cfgPath := kioskConfig(t, dir, state, false)
	code, out, _ := run("status", "--config", cfgPath, "--metrics", "127.0.0.1:1")
	if code != 1 || !strings.Contains(out, "not running") {
		t.Errorf("status without a kiosk: exit %d\n%s", code, out)
	}
	mustRun(t, 1, "restart", "--config", cfgPath)
	mustRun(t, 1, "restart", "--now") // not a systemd unit here

	// A kiosk: the lock held, metrics served.
	lock, err := instance.Acquire(filepath.Join(state, "kiosk.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	m := metrics.New(metrics.Options{KioskID: "demo-01", Version: "v9", UsageQueue: func() int { return 0 }, UsageDropped: func() uint64 { return 0 }, UsageFailed: func() uint64 { return 0 }})
	m.SessionEnded("done")
	m.SetDeviceUp("scanner", true)
	m.SetPaper("receipt", metrics.PaperOK)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Serve(ctx, addr, nil)
	for i := 0; i < 100 && func() bool { _, err := scrape(ctx, addr); return err != nil }(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	out = mustRun(t, 0, "status", "--config", cfgPath, "--metrics", addr)
	for _, want := range []string{fmt.Sprintf("running, pid %d", os.Getpid()), "build      v9", "done 1", "scanner    ok", "receipt    ok", "health     ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	m.SetDeviceUp("scanner", false)
	m.SetPaper("receipt", metrics.PaperOut)
	out = mustRun(t, 1, "status", "--config", cfgPath, "--metrics", addr)
	if !strings.Contains(out, "NEEDS STAFF: scanner is down; receipt paper out") {
		t.Errorf("status with faults:\n%s", out)
	}

	var signalled []string
	signalProcess = func(pid int, sig syscall.Signal) error {
		signalled = append(signalled, fmt.Sprint(pid, sig))
		return nil
	}
	mustRun(t, 0, "restart", "--config", cfgPath)
	if want := fmt.Sprint(os.Getpid(), RestartSignal); len(signalled) != 1 || signalled[0] != want {
		t.Errorf("signals %q; want %q", signalled, want)
	}
}

func TestDevices(t *testing.T) {
	machine(t)
	for _, p := range []string{"dev/ttyUSB0", "dev/ttyACM0", "dev/usb/lp0", "dev/gpiochip0"} {
		os.MkdirAll(filepath.Join(devRoot, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(devRoot, p), nil, 0o644)
	}
	runCmd = func(_ context.Context, name string, args ...string) ([]byte, error) {
		switch {
		case name == "scanimage":
			return []byte("device `pnm:0' is a Noname PNM file reader virtual device\ndevice `fujitsu:fi-7160:1' is a FUJITSU fi-7160 scanner\n"), nil
		case name == "avahi-browse" && args[len(args)-1] == "_ipp._tcp":
			return []byte(`+;eth0;IPv4;Salle\0322;_ipp._tcp;local
=;eth0;IPv4;Salle\0322;_ipp._tcp;local;a4.local;192.168.1.20;631;"txtvers=1" "rp=ipp/print"
=;eth0;IPv6;Salle\0322;_ipp._tcp;local;a4.local;fe80::1;631;"rp=ipp/print"
`), nil
		}
		return nil, errors.New(name + ": exit status 1")
	}
	out := regexp.MustCompile(` +`).ReplaceAllString(mustRun(t, 0, "devices"), " ")
	for _, want := range []string{
		"scanner fujitsu:fi-7160:1 FUJITSU fi-7160 scanner",
		"serial /dev/ttyUSB0", "serial /dev/ttyACM0", "usb-printer /dev/usb/lp0",
		"ipp-printer ipp://a4.local:631/ipp/print Salle 2", "gpio /dev/gpiochip0",
		"note: network printers (_ipps._tcp)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("devices lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "ipp://") != 1 {
		t.Errorf("one printer seen on two address families listed twice:\n%s", out)
	}
}

func TestUsageExport(t *testing.T) {
	db := newDB(t, usage.MinCell)
	key := t.TempDir()
	out := mustRun(t, 0, "usage", "export", "--db", db, "--dir", key)
	path := strings.TrimSpace(strings.TrimPrefix(out, "wrote "))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, r := range rows[1:] {
		if r[4] == "true" {
			suppressed++
			if r[3] != "" {
				t.Errorf("suppressed cell shows a count: %v", r)
			}
		}
	}
	if suppressed == 0 {
		t.Errorf("no suppressed cell in %v", rows)
	}
	mustRun(t, 1, "usage", "export", "--db", db, "--dir", filepath.Join(key, "not-mounted"))
	mustRun(t, 2, "usage", "export", "--db", db)
}

func TestPinHash(t *testing.T) {
	machine(t)
	stdin = strings.NewReader("482915\n482915\n")
	code, h, _ := run("pin", "hash")
	h = strings.TrimSpace(h)
	if ok, err := pincode.Verify(h, "482915"); code != 0 || !ok || err != nil {
		t.Errorf("hash %q does not verify: %v", h, err)
	}
	stdin = strings.NewReader("482915\n482916\n")
	mustRun(t, 1, "pin", "hash")
	stdin = strings.NewReader("123456\n123456\n")
	mustRun(t, 1, "pin", "hash")
}

func TestSystemCommands(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, 0, "system", "files", "--root", dir)
	for _, p := range []string{"lib/systemd/system/borne.service", "lib/udev/rules.d/70-borne.rules", "etc/pam.d/borne", "usr/lib/sysusers.d/borne.conf"} {
		if !strings.Contains(out, filepath.Join(dir, p)) || !fileExists(filepath.Join(dir, p)) {
			t.Errorf("system files: no %s", p)
		}
	}
	bin := "/bin/true" // a stripped program, as Debian ships them
	deb := filepath.Join(dir, "borne.deb")
	src, unstripped := filepath.Join(dir, "main.c"), filepath.Join(dir, "unstripped")
	os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644)
	if out, err := exec.Command("gcc", "-o", unstripped, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	mustRun(t, 1, "system", "deb", "--kiosk", unstripped, "--kioskctl", bin, "--version", "0.1.0", "--out", deb,
		"--example-config", "../../kiosk/config/default.toml")
	mustRun(t, 0, "system", "deb", "--kiosk", bin, "--kioskctl", bin, "--version", "0.1.0", "--out", deb,
		"--example-config", "../../kiosk/config/default.toml")
	broken := filepath.Join(dir, "broken.toml")
	os.WriteFile(broken, []byte("[kiosk]\nid = 3\n"), 0o644)
	mustRun(t, 1, "system", "deb", "--kiosk", bin, "--kioskctl", bin, "--version", "0.1.0", "--out", deb+"2", "--example-config", broken)
	if fileExists(deb + "2") {
		t.Error("a .deb left after a failed build")
	}
	if _, err := exec.LookPath("dpkg-deb"); err == nil {
		if out, err := exec.Command("dpkg-deb", "--contents", deb).CombinedOutput(); err != nil || !strings.Contains(string(out), "./usr/share/borne/borne.example.toml") {
			t.Errorf("dpkg-deb --contents: %v\n%s", err, out)
		}
	}
}

func TestSystemScreen(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "borne.toml")
	def, err := os.ReadFile("../../kiosk/config/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rotation, env string
		rule          bool
	}{{"rotation = 90", `CAGE_ROTATION="-r"`, true}, {"rotation = 0", `CAGE_ROTATION=""`, false}} {
		os.WriteFile(cfgPath, []byte(strings.Replace(string(def), "rotation = 0", tc.rotation, 1)), 0o644)
		mustRun(t, 0, "system", "screen", "--config", cfgPath, "--root", dir)
		env, err := os.ReadFile(filepath.Join(dir, system.ScreenEnvPath))
		if err != nil || !strings.Contains(string(env), tc.env+"\n") {
			t.Errorf("%s: %v\n%s", tc.rotation, err, env)
		}
		if fileExists(filepath.Join(dir, system.TouchRulePath)) != tc.rule {
			t.Errorf("%s: touch rule there: %v", tc.rotation, !tc.rule)
		}
	}
}

func TestDoctor(t *testing.T) {
	machine(t)
	dir := t.TempDir()
	cfgPath := kioskConfig(t, dir, filepath.Join(dir, "state"), false)
	os.MkdirAll(filepath.Join(dir, "state"), 0o750)
	out := mustRun(t, 0, "doctor", "--config", cfgPath)
	for _, want := range []string{"ok    configuration: kiosk demo-01", "warn  identity: this machine is not enrolled", "fix: kioskctl enrol", "warn  no scanner found"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor lacks %q:\n%s", want, out)
		}
	}
	now = func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }
	if out := mustRun(t, 1, "doctor", "--config", cfgPath); !strings.Contains(out, "FAIL  clock: the year is 2000") {
		t.Errorf("doctor with a dead RTC:\n%s", out)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[screen]\ndpi = 7\n"), 0o644)
	mustRun(t, 1, "doctor", "--config", bad)
}

func TestEnrol(t *testing.T) {
	root := machine(t)
	work := t.TempDir()
	key := filepath.Join(work, "fleet.key")
	mustRun(t, 0, "provision", "keygen", "--out", key, "--comment", "fleet")
	src := filepath.Join(work, "src")
	os.Mkdir(src, 0o755)
	kioskConfig(t, src, filepath.Join(work, "state"), true)
	b := filepath.Join(work, "b.tar.gz")
	mustRun(t, 0, "provision", "make", "--key", key, "--out", b, src)
	os.MkdirAll(filepath.Join(devRoot, "dev/usb"), 0o755)
	os.WriteFile(filepath.Join(devRoot, "dev/usb/lp0"), nil, 0o644)

	stdin = strings.NewReader("482915\n482915\n")
	out := mustRun(t, 0, "enrol", "--id", "evry-02", "--site", "France Services d'Évry", "--timezone", "Europe/Paris",
		"--trust", key+".pub", "--bundle", b)
	for _, want := range []string{"identity   evry-02", "identity   receipt.device = /dev/usb/lp0", "trust      1 new key(s)", "bundle     "} {
		if !strings.Contains(out, want) {
			t.Errorf("enrol lacks %q:\n%s", want, out)
		}
	}
	cfg, err := config.Load(filepath.Join(root, bundle.ConfigName))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kiosk.ID != "evry-02" || cfg.Receipt.Device != "/dev/usb/lp0" {
		t.Errorf("config in force: kiosk %+v, receipt %+v", cfg.Kiosk, cfg.Receipt)
	}
	if ok, err := pincode.Verify(cfg.Staff.PINHash, "482915"); !ok || err != nil {
		t.Errorf("staff PIN in force does not verify: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, bundle.IdentityFile)); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("identity file: %v, %v; want 0640", fi.Mode(), err)
	}

	// Enrolling again keeps one copy of the key; a bad id is refused with the config's words.
	stdin = strings.NewReader("482915\n482915\n")
	if out := mustRun(t, 0, "enrol", "--id", "evry-02", "--site", "Évry", "--trust", key+".pub", "--receipt", "none"); !strings.Contains(out, "0 new key(s)") {
		t.Errorf("second enrolment:\n%s", out)
	}
	stdin = strings.NewReader("482915\n482915\n")
	if out := mustRun(t, 1, "enrol", "--id", "Evry 02", "--site", "Évry"); !strings.Contains(out, "kiosk.id") {
		t.Errorf("bad id:\n%s", out)
	}
	stdin = strings.NewReader("482915\n")
	mustRun(t, 1, "enrol", "--id", "evry-02", "--site", "Évry")
}
