package system

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stub writes an executable shell script at dir/name.
func stub(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t *testing.T, files []File, path string) File {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f
		}
	}
	t.Fatalf("no %s generated", path)
	return File{}
}

func TestUnitContent(t *testing.T) {
	files, err := Files(DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	unit := string(find(t, files, UnitPath).Data)
	for _, want := range []string{
		"Type=notify", "NotifyAccess=all", "WatchdogSec=10s", "Restart=always", "RestartSec=1s", "RestartPreventExitStatus=78",
		"User=borne", "ProtectSystem=strict", "StateDirectory=borne", "ReadWritePaths=/var/lib/borne /run/user -/media/borne-usb",
		"ExecStart=/usr/bin/cage $CAGE_ROTATION -- /usr/bin/kiosk --config /etc/borne/borne.toml", "PAMName=borne", "TTYPath=/dev/tty1",
		"ExecStartPre=+/usr/bin/kioskctl system screen --config /etc/borne/borne.toml", "EnvironmentFile=-/run/borne/screen.env",
		"Environment=Malloc=1", "Environment=GLIBC_TUNABLES=glibc.malloc.perturb=204:glibc.malloc.tcache_count=0", "Environment=G_SLICE=always-malloc",
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("unit lacks %q", want)
		}
	}
	if strings.Contains(unit, " -s ") {
		t.Error("cage allows VT switching (-s)")
	}
	for path, want := range map[string]string{
		LogindPath: "NAutoVTs=0\nReserveVT=0\n", SystemPath: "CtrlAltDelBurstAction=none\n", SysctlPath: "kernel.sysrq = 0\n",
	} {
		if f := find(t, files, path); !strings.Contains(string(f.Data), want) || !strings.HasPrefix(string(f.Data), "# ") {
			t.Errorf("%s lacks %q or its reason:\n%s", path, want, f.Data)
		}
	}
	if !find(t, files, PAMPath).Conffile {
		t.Error("the PAM file is not a conffile")
	}
	users := string(find(t, files, UsersPath).Data)
	for _, g := range []string{"scanner", "lp", "dialout", "video"} {
		if !strings.Contains(users, "m borne "+g+"\n") {
			t.Errorf("sysusers: borne not in %s", g)
		}
	}
}

func TestParamsRefused(t *testing.T) {
	for name, mod := range map[string]func(*Params){
		"relative config":   func(p *Params) { p.Config = "borne.toml" },
		"space in kiosk":    func(p *Params) { p.Kiosk = "/usr/bin/my kiosk" },
		"specifier":         func(p *Params) { p.Cage = "/usr/bin/%cage" },
		"state outside":     func(p *Params) { p.StateDir = "/srv/borne" },
		"user with a space": func(p *Params) { p.User = "bor ne" },
		"watchdog":          func(p *Params) { p.Watchdog = 0 },
		"tty":               func(p *Params) { p.TTY = "/dev/tty1" },
	} {
		p := DefaultParams
		mod(&p)
		if _, err := Files(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestUdevRules checks each rule's syntax: comma-separated KEY op "VALUE".
func TestUdevRules(t *testing.T) {
	files, _ := Files(DefaultParams)
	rules := string(find(t, files, UdevPath).Data)
	n := 0
	for i, line := range strings.Split(rules, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		for _, kv := range splitRule(line) {
			op := strings.IndexAny(kv, "=!+:")
			if op <= 0 || !strings.HasSuffix(kv, `"`) || !strings.Contains(kv, `="`) {
				t.Errorf("line %d: %q is not KEY op \"VALUE\"", i+1, kv)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d rules; want 6", n)
	}
	if !strings.Contains(rules, `ENV{UDISKS_IGNORE}="1"`) || !strings.Contains(rules, "--automount=yes") {
		t.Error("USB keys: not kept from udisks, or mounted without being asked for")
	}
}

// splitRule splits a udev rule on the commas outside quotes.
func splitRule(line string) []string {
	var parts []string
	quoted, start := false, 0
	for i, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			parts = append(parts, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(line[start:]))
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd)")
	}
	dir := t.TempDir()
	p := DefaultParams
	// verify checks that ExecStart's program exists: stand-ins, here.
	p.Cage, p.Kiosk, p.Kioskctl = stub(t, dir, "cage"), stub(t, dir, "kiosk"), stub(t, dir, "kioskctl")
	files, err := Files(p)
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, UnitName)
	if err := os.WriteFile(unit, find(t, files, UnitPath).Data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 { // warnings such as "Unknown key" exit 0: fail on them too
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// testPackage is the kiosk's package with stand-in binaries.
func testPackage(t *testing.T) Package {
	t.Helper()
	files, err := Files(DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files,
		File{Path: "/usr/bin/kiosk", Mode: 0o755, Data: []byte("#!/bin/sh\necho kiosk\n")},
		File{Path: "/usr/bin/kioskctl", Mode: 0o755, Data: []byte("#!/bin/sh\necho kioskctl\n")},
		File{Path: "/usr/share/borne/borne.example.toml", Mode: 0o644, Data: []byte("[kiosk]\n")})
	return Package{Name: "borne", Version: "0.1.0~test", Architecture: "amd64", Maintainer: "Borne <borne@example.org>",
		Depends: DefaultDepends, Description: "public-service kiosk\nA test build.\n\nSecond paragraph.", Files: files, ModTime: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
}

func TestBuildDeb(t *testing.T) {
	pkg := testPackage(t)
	var a, b bytes.Buffer
	if err := BuildDeb(&a, pkg); err != nil {
		t.Fatal(err)
	}
	BuildDeb(&b, pkg)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("BuildDeb is not reproducible")
	}
	for _, bad := range []func(*Package){
		func(p *Package) { p.Version = "v1.0" },
		func(p *Package) { p.Name = "Borne" },
		func(p *Package) { p.Files = append(p.Files, File{Path: "usr/bin/x"}) },
		func(p *Package) { p.Files = append(p.Files, p.Files[0]) },
	} {
		p := testPackage(t)
		bad(&p)
		if err := BuildDeb(&bytes.Buffer{}, p); err == nil {
			t.Errorf("bad package %+v accepted", p.Version)
		}
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed")
	}
	deb := filepath.Join(t.TempDir(), "borne.deb")
	os.WriteFile(deb, a.Bytes(), 0o644)
	info, err := exec.Command("dpkg-deb", "--info", deb).CombinedOutput()
	if err != nil || !strings.Contains(string(info), "Package: borne") || !strings.Contains(string(info), " Second paragraph.") {
		t.Errorf("dpkg-deb --info: %v\n%s", err, info)
	}
	list, err := exec.Command("dpkg-deb", "--contents", deb).CombinedOutput()
	if err != nil || !strings.Contains(string(list), "-rwxr-xr-x root/root") || !strings.Contains(string(list), "./lib/systemd/system/borne.service") {
		t.Errorf("dpkg-deb --contents: %v\n%s", err, list)
	}
}
