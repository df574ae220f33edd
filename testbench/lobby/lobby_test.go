package lobby

import (
	"path/filepath"
	"testing"

	"borne/kiosk/config"
	"borne/kiosk/pincode"
)

// The kiosk `make run` starts opens its staff screens with DemoStaffPIN.
func TestWriteKioskConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "kiosk.toml")
	if err := WriteKioskConfig(path); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := pincode.Verify(cfg.Staff.PINHash, DemoStaffPIN); !ok || err != nil {
		t.Errorf("the written PIN hash does not take %s: %v", DemoStaffPIN, err)
	}
	if ok, _ := pincode.Verify(cfg.Staff.PINHash, "000000"); ok {
		t.Error("the written PIN hash takes any PIN")
	}
	def := config.Default()
	if cfg.Printer.URI != def.Printer.URI || len(cfg.Services) != len(def.Services) {
		t.Error("the written config is not the built-in one")
	}
}
