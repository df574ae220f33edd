package shell

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/drivers/scanner/scannertest"
	"borne/kiosk/config"
	"borne/kiosk/session"
	"borne/kiosk/visit"
)

// "I'm done" while a shrink for a site and a scan are still running: the
// visit ends, is wiped, and the next resident finds nothing of it — no
// "Document prêt" panel, no document, no page or attachment counted. The
// scanner is the driver's fake, stuck until its context ends (a real
// backend cannot be held on demand).
func TestDoneWhileWorkInFlight(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	var stuck atomic.Bool
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: time.Second}, lobbyMod,
		func(_ *config.Config, o *kitOptions) {
			o.Scanner = func(context.Context) (scanner.Device, error) { // opened, and closed, for each scan
				dev := scannertest.NewDevice("fake", scannertest.TextPage(300))
				dev.Stick(stuck.Load())
				return dev, nil
			}
			o.ScanOptions = scanner.Options{Resolution: 300}
		})
	k.startSession("fr")
	first := k.shown().Dir
	k.tap("tile-caf")
	k.waitScreen(session.ScreenService)
	k.mgr.OpenScan() // as the site's file picker does
	k.waitScreen(session.ScreenScan)
	k.tap("scan-page")
	k.waitScanned()
	stuck.Store(true)
	k.tap("scan-done") // the page is shrunk for the CAF's site…
	// …and another scan hangs (its button may be under the panel by now).
	onUI(func() { k.sh.cur().StartScan("") })
	k.waitVisit("a scan under way", func(s visit.Snapshot) bool { return s.Scan.Busy })
	k.tap("done")
	k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks })
	old := k.visits.Current()
	k.waitEnded()
	onUI(func() {}) // what the old visit posted has reached the main loop
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Fatalf("the first visit's directory is left: %v", err)
	}

	k.waitScreen(session.ScreenAttract)
	k.startSession("fr")
	onUI(func() {})
	var dialog bool
	onUI(func() { dialog = k.sh.dialogOpen })
	if dialog {
		t.Fatal("a panel of the last visit shows in the new one")
	}
	if k.buttonShown("tile-tray") {
		t.Fatal("the new visit offers the last one's documents")
	}
	if s := k.did(); s.Attached != 0 || s.Printed != 0 || s.Scan.Busy || s.Scan.Doc != "" || s.Scan.Problem != "" {
		t.Fatalf("the new visit starts with %+v", s)
	}
	if k.visits.Current() == old || old.Live() {
		t.Fatal("the new session runs in the old visit")
	}
}
