package kioskctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUpdateWindowAndSetup(t *testing.T) {
	// The built-in lobby's agencies open from 08:30 to 19:00 at the latest.
	if code, out, errOut := run("update", "window"); code != 0 || out != "20:00-07:30 (kiosk time, every day)\n" {
		t.Errorf("update window: %d %q %s", code, out, errOut)
	}
	root := t.TempDir()
	key := filepath.Join(t.TempDir(), "borne.gpg")
	os.WriteFile(key, []byte("public key bytes"), 0o644)
	code, out, errOut := run("update", "setup", "--repo", "https://apt.example.org/borne", "--keyring", key, "--root", root)
	if code != 0 {
		t.Fatalf("update setup: %d %s", code, errOut)
	}
	for path, want := range map[string]string{
		"etc/apt/sources.list.d/borne.sources":                           "Signed-By: /etc/apt/keyrings/borne-archive.gpg",
		"etc/apt/keyrings/borne-archive.gpg":                             "public key bytes",
		"etc/apt/apt.conf.d/52borne-unattended-upgrades":                 `"origin=Borne,codename=bookworm";`,
		"etc/systemd/system/apt-daily-upgrade.timer.d/borne-window.conf": "OnCalendar=*-*-* 20:00\nRandomizedDelaySec=7200",
		"etc/systemd/system/apt-daily-upgrade.service.d/borne-gate.conf": "ExecCondition=/usr/bin/kioskctl update gate",
	} {
		data, err := os.ReadFile(filepath.Join(root, path))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s: %v\n%s\nwant %q", path, err, data, want)
		}
	}
	if !strings.Contains(out, "20:00-07:30") {
		t.Errorf("setup output: %s", out)
	}
	if code, _, errOut := run("update", "setup", "--repo", "http://apt.example.org", "--keyring", key, "--root", root); code == 0 || !strings.Contains(errOut, "https://") {
		t.Errorf("plain http repository: %d %s", code, errOut)
	}
}

func TestUpdateRepoConf(t *testing.T) {
	dir := t.TempDir()
	fpr := strings.Repeat("AB12", 10)
	if code, _, errOut := run("update", "repo-init", "--dir", dir, "--key", fpr, "--codename", "trixie", "--arch", "arm64"); code != 0 {
		t.Fatalf("repo-init: %s", errOut)
	}
	r, err := repoOf(dir)
	if err != nil || r.SignWith != fpr || r.Codename != "trixie" {
		t.Fatalf("repoOf: %+v, %v", r, err)
	}
	if code, _, errOut := run("update", "repo-init", "--dir", dir, "--key", "borne"); code == 0 || !strings.Contains(errOut, "fingerprint") {
		t.Errorf("a key that is no fingerprint: %d %s", code, errOut)
	}
}
