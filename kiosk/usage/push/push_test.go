package push

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"borne/kiosk/config"
)

// The end-to-end tests (a real collector, kills, cuts, a proxy) are in
// provisioning/collector; these check the kiosk side's set-up.
func TestFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Kiosk.StateDir = t.TempDir()
	if p, err := FromConfig(cfg, nil, nil); p != nil || err != nil {
		t.Fatalf("push off by default: got %v, %v", p, err)
	}
	cfg.Usage.Push.URL = "https://stats.example.org"
	if _, err := FromConfig(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "push.key") {
		t.Fatalf("no key file: %v", err)
	}
	os.WriteFile(filepath.Join(cfg.Kiosk.StateDir, "push.key"), []byte("short\n"), 0o600)
	if _, err := FromConfig(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Fatalf("short key: %v", err)
	}
	key, _ := NewKey()
	os.WriteFile(filepath.Join(cfg.Kiosk.StateDir, "push.key"), []byte(key+"\n"), 0o600)
	p, err := FromConfig(cfg, nil, nil)
	if err != nil || p.Key != key || p.KioskID != cfg.Kiosk.ID || p.URL != cfg.Usage.Push.URL {
		t.Fatalf("got %+v, %v", p, err)
	}
	cfg.Usage.Push.CAFile = filepath.Join(cfg.Kiosk.StateDir, "push.key") // not a certificate
	if _, err := FromConfig(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA: %v", err)
	}
	if KeyHash(key) == KeyHash(key+"x") || len(KeyHash(key)) != 64 {
		t.Error("KeyHash")
	}
}
