package shell

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"borne/kiosk/session"
)

// BenchmarkSessionReset measures what a resident waits for between "I'm
// done" and a clean kiosk for the next one: the session's files (six 2 MB
// scans) wiped, the end recorded, the attract screen built and drawn. The
// thank-you screen's own display time is set to zero: it is a choice, not a cost.
func BenchmarkSessionReset(b *testing.B) {
	k := startKiosk(b, timings{idle: time.Hour, warn: time.Minute, thanks: 0})
	page := make([]byte, 2<<20)
	for b.Loop() {
		b.StopTimer()
		if err := k.mgr.Start(); err != nil {
			b.Fatal(err)
		}
		s := k.waitScreen(session.ScreenLanguage)
		for i := range 6 {
			if err := os.WriteFile(filepath.Join(s.Dir, fmt.Sprintf("scan-%d.jpg", i)), page, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		k.mgr.End(session.EndDone)
		k.waitScreen(session.ScreenAttract)
		onUI(func() {}) // runs after the pending redraw
	}
}

// BenchmarkWebVisit measures a visit to an online procedure as the resident
// waits for it: the service's page opened in a new view, a login that loads
// the form, then "I'm done" until the view's WebKit processes have exited and
// the attract screen is drawn. The kiosk's allocator settings (kiosk/scrub)
// apply when the benchmark binary starts with them in its environment: run
// it with and without them to see their cost.
func BenchmarkWebVisit(b *testing.B) {
	_, lobbyMod := demoLobby(b)
	k := startKiosk(b, timings{idle: time.Hour, warn: time.Minute, thanks: 0}, lobbyMod)
	for b.Loop() {
		k.startSession("fr")
		k.tap("tile-caf")
		k.login("caf")
		k.mgr.End(session.EndDone)
		k.waitScreen(session.ScreenAttract)
		onUI(func() {}) // runs after the pending redraw
	}
}
