package staff

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/kiosk/usage"
)

func TestExportUsage(t *testing.T) {
	ctx := context.Background()
	s, err := usage.Open(filepath.Join(t.TempDir(), "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var evs []usage.Event
	for i := range 6 {
		evs = append(evs, usage.Event{At: day, Session: uint32(i), Kind: usage.TileOpened, Service: "caf"})
		if i < 2 {
			evs = append(evs, usage.Event{At: day, Session: uint32(i), Kind: usage.TileOpened, Service: "ameli"})
		}
	}
	if err := s.Append(ctx, "k1", time.UTC, evs...); err != nil {
		t.Fatal(err)
	}
	key := t.TempDir()
	path, err := ExportUsage(ctx, s, key, "k1", "2026-11-01", "", day)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(key, "borne-usage-k1-2026-11-01-2026-11-02.csv"); path != want {
		t.Errorf("path %s; want %s", path, want)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"day", "dimension", "value", "sessions", "suppressed"},
		{"2026-11-02", "service", "ameli", "", "true"},
		{"2026-11-02", "service", "caf", "6", "false"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("csv %v; want %v", rows, want)
	}
	if _, err := ExportUsage(ctx, s, filepath.Join(key, "gone"), "k1", "", "", day); err == nil {
		t.Error("export to a missing key: no error")
	}
}

func TestUSBKeys(t *testing.T) {
	mounts := `/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /run tmpfs rw,nosuid 0 0
/dev/sdb1 /media/borne-usb vfat rw,nosuid,nodev,uid=998 0 0
/dev/sdc1 /run/media/agent/CLE\040USB exfat rw,nosuid 0 0
/dev/sr0 /media/cdrom iso9660 ro,nosuid 0 0
`
	got, err := usbKeys(strings.NewReader(mounts))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/media/borne-usb", "/run/media/agent/CLE USB"}; !slices.Equal(got, want) {
		t.Errorf("keys %q; want %q", got, want)
	}
}
