package system

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"borne/provisioning/updates"
)

// signingKey makes a throwaway GnuPG home with one signing key and returns
// the home and the key's fingerprint.
func signingKey(t *testing.T, name string) (home, fpr string) {
	t.Helper()
	home = filepath.Join(t.TempDir(), "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	gpg := func(args ...string) []byte {
		cmd := exec.Command("gpg", append([]string{"--batch", "--homedir", home}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	gpg("--passphrase", "", "--quick-gen-key", name+" <"+name+"@localhost>", "ed25519", "sign", "never")
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run() })
	for _, line := range strings.Split(string(gpg("--list-keys", "--with-colons")), "\n") {
		if f := strings.Split(line, ":"); f[0] == "fpr" {
			return home, f[9]
		}
	}
	t.Fatal("gpg made no key")
	return "", ""
}

// versionDeb builds, with BuildDeb, a borne package of version v whose
// /usr/bin/borne-version says v: the stand-in for the kiosk binary.
func versionDeb(t *testing.T, dir, v string) string {
	t.Helper()
	var buf bytes.Buffer
	err := BuildDeb(&buf, Package{
		Name: "borne", Version: v, Architecture: "amd64", Maintainer: "Borne tests <t@localhost>",
		Description: "test package\nThe kiosk binary stands in as a script.", ModTime: time.Unix(1_700_000_000, 0),
		Files: []File{{Path: "/usr/bin/borne-version", Mode: 0o755, Data: []byte("#!/bin/sh\necho " + v + "\n")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "borne_"+v+"_amd64.deb")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// kioskApt is apt-get on a throwaway root that stands for a kiosk.
type kioskApt struct {
	t    *testing.T
	root string
}

func newKioskApt(t *testing.T) *kioskApt {
	t.Helper()
	root, _ := throwawayRoot(t)
	for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/keyrings",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "etc/apt/sources.list"), nil, 0o644)
	return &kioskApt{t: t, root: root}
}

// install writes the kiosk-side files under the root, with the source
// pointing at repo and the keyring path rooted too (apt reads it from the
// host's view).
func (k *kioskApt) install(files []updates.File) {
	k.t.Helper()
	for _, f := range files {
		data := bytes.ReplaceAll(f.Data, []byte("Signed-By: "+updates.KeyringPath), []byte("Signed-By: "+filepath.Join(k.root, updates.KeyringPath)))
		p := filepath.Join(k.root, f.Path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, os.FileMode(f.Mode)); err != nil {
			k.t.Fatal(err)
		}
	}
}

func (k *kioskApt) apt(args ...string) (string, error) {
	base := []string{"-o", "Dir=" + k.root, "-o", "Dir::State::status=" + filepath.Join(k.root, "var/lib/dpkg/status"),
		"-o", "DPkg::Options::=--root=" + k.root, "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "-q", "-y"}
	cmd := exec.Command("apt-get", append(base, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// version runs the installed "kiosk binary".
func (k *kioskApt) version() string {
	k.t.Helper()
	out, err := exec.Command("/bin/sh", filepath.Join(k.root, "usr/bin/borne-version")).Output()
	if err != nil {
		k.t.Fatalf("installed binary: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestSignedAptUpdates: a kiosk installs version N from the fleet's signed
// repository (file://), N+1 is published and installed inside the
// maintenance window only, an unsigned or foreign-signed repository is
// refused, and an upgrade cut off halfway leaves N+1 installed and running.
func TestSignedAptUpdates(t *testing.T) {
	for _, tool := range []string{"apt-get", "reprepro", "gpg", "apt-ftparchive"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install reprepro gnupg apt-utils (make deps does)", tool)
		}
	}
	work := t.TempDir()
	home, fpr := signingKey(t, "borne-fleet")
	repo := &updates.Repo{Dir: filepath.Join(work, "repo"), Codename: "bookworm", SignWith: fpr, GnupgHome: home, Arch: "amd64"}
	if err := repo.Init(); err != nil {
		t.Fatal(err)
	}
	if err := repo.Publish(versionDeb(t, work, "1.0.0")); err != nil {
		t.Fatal(err)
	}
	key, err := repo.ExportKey()
	if err != nil {
		t.Fatal(err)
	}
	window := updates.Window{Start: 20 * 60, End: 7*60 + 30}
	files, err := updates.KioskFiles("file://"+repo.Dir, "bookworm", key, window, "/usr/bin/kioskctl")
	if err != nil {
		t.Fatal(err)
	}
	kiosk := newKioskApt(t)
	kiosk.install(files)

	// N from the signed repository.
	if out, err := kiosk.apt("update"); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if out, err := kiosk.apt("install", "borne"); err != nil {
		t.Fatalf("apt-get install: %v\n%s", err, out)
	}
	if v := kiosk.version(); v != "1.0.0" {
		t.Fatalf("installed %s, want 1.0.0", v)
	}

	// The kiosk runs N while N+1 comes.
	running := exec.Command("/bin/sh", "-c", "read line", filepath.Join(kiosk.root, "usr/bin/borne-version"))
	stdin, _ := running.StdinPipe()
	if err := running.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); running.Wait() }()

	if err := repo.Publish(versionDeb(t, work, "1.1.0")); err != nil {
		t.Fatal(err)
	}
	upgrade := func(now time.Time) error {
		if err := updates.Gate(now, window, []string{filepath.Join(kiosk.root, "run/sessions")}); err != nil {
			return err
		}
		if out, err := kiosk.apt("update"); err != nil {
			return fmt.Errorf("apt-get update: %v\n%s", err, out)
		}
		if out, err := kiosk.apt("upgrade"); err != nil {
			return fmt.Errorf("apt-get upgrade: %v\n%s", err, out)
		}
		return nil
	}
	// Opening hours: nothing happens.
	if err := upgrade(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("upgrade ran during opening hours")
	}
	if v := kiosk.version(); v != "1.0.0" {
		t.Fatalf("after a refused upgrade: %s", v)
	}
	// A visit at night: nothing either.
	visit := filepath.Join(kiosk.root, "run/sessions/s-42")
	os.MkdirAll(visit, 0o700)
	if err := upgrade(time.Date(2026, 12, 3, 21, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("upgrade ran during a visit")
	}
	os.RemoveAll(visit)
	// In the window, idle: N+1.
	if err := upgrade(time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if v := kiosk.version(); v != "1.1.0" {
		t.Fatalf("after the upgrade: %s, want 1.1.0", v)
	}

	// N+2 is cut off on its way (a truncated download): apt refuses it and
	// N+1 stays, installed and working.
	if err := repo.Publish(versionDeb(t, work, "1.2.0")); err != nil {
		t.Fatal(err)
	}
	pool, _ := filepath.Glob(filepath.Join(repo.Dir, "pool/main/b/borne/borne_1.2.0_amd64.deb"))
	if len(pool) != 1 {
		t.Fatalf("published 1.2.0 not in the pool: %v", pool)
	}
	data, _ := os.ReadFile(pool[0])
	os.WriteFile(pool[0], data[:len(data)/2], 0o644)
	if err := upgrade(time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("a truncated package was installed")
	}
	if v := kiosk.version(); v != "1.1.0" {
		t.Fatalf("after a cut upgrade: %s, want 1.1.0", v)
	}
	if out, _ := exec.Command("dpkg-query", "--admindir", filepath.Join(kiosk.root, "var/lib/dpkg"), "-W", "-f", "${Status} ${Version}", "borne").Output(); string(out) != "install ok installed 1.1.0" {
		t.Fatalf("dpkg says %q after a cut upgrade", out)
	}
	if err := running.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the running kiosk stopped during the upgrades: %v", err)
	}

	// A repository signed by nobody, and one signed by another key: refused.
	unsigned := filepath.Join(work, "unsigned")
	os.MkdirAll(filepath.Join(unsigned, "pool"), 0o755)
	copyFile(t, versionDeb(t, work, "9.9.9"), filepath.Join(unsigned, "pool", "borne_9.9.9_amd64.deb"))
	dist := filepath.Join(unsigned, "dists/bookworm/main/binary-amd64")
	os.MkdirAll(dist, 0o755)
	cmd := exec.Command("apt-ftparchive", "packages", "pool")
	cmd.Dir = unsigned
	pkgs, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dist, "Packages"), pkgs, 0o644)
	rel := exec.Command("apt-ftparchive", "-o", "APT::FTPArchive::Release::Codename=bookworm", "-o", "APT::FTPArchive::Release::Origin=Borne", "release", "dists/bookworm")
	rel.Dir = unsigned
	release, err := rel.Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(unsigned, "dists/bookworm/Release"), release, 0o644)
	otherHome, otherFpr := signingKey(t, "intruder")
	foreign := &updates.Repo{Dir: filepath.Join(work, "foreign"), Codename: "bookworm", SignWith: otherFpr, GnupgHome: otherHome, Arch: "amd64"}
	if err := foreign.Init(); err != nil {
		t.Fatal(err)
	}
	if err := foreign.Publish(versionDeb(t, work, "9.9.9")); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"unsigned": unsigned, "signed by another key": foreign.Dir} {
		t.Run(name, func(t *testing.T) {
			bad, err := updates.KioskFiles("file://"+dir, "bookworm", key, window, "/usr/bin/kioskctl")
			if err != nil {
				t.Fatal(err)
			}
			kiosk.install(bad)
			out, err := kiosk.apt("update")
			if err == nil && !strings.Contains(out, "not signed") && !strings.Contains(out, "NO_PUBKEY") {
				t.Fatalf("apt-get update took the %s repository:\n%s", name, out)
			}
			kiosk.apt("upgrade")
			if v := kiosk.version(); v != "1.1.0" {
				t.Fatalf("the %s repository's 9.9.9 got installed: %s", name, v)
			}
		})
	}
}
