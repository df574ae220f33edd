package shell

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/kiosk/config"
	"borne/kiosk/session"
	"borne/testbench/lobby"
)

var saneOnce sync.Once

// simulatedScanner points libsane at the lobby's pnm backend, serving the
// repository's sample pages, and gives the kiosk an opener for it.
func simulatedScanner(t *testing.T) func(*config.Config, *kitOptions) {
	t.Helper()
	saneOnce.Do(func() {
		dir, err := os.MkdirTemp("", "borne-sane")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lobby.UseSANE(dir, []string{"../../testdata/pages/letter.jpg"}); err != nil {
			t.Fatal(err)
		}
	})
	return func(_ *config.Config, o *kitOptions) {
		o.Scanner = func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, "pnm:0") }
		o.ScanOptions = scanner.Options{Resolution: 300, Mode: scanner.Color}
	}
}

// clickInPage clicks an element of the web page with a real pointer event.
func (k *kiosk) clickInPage(selector string) {
	k.t.Helper()
	j, err := k.eval(`(() => { const r = document.querySelector(` + jsString(selector) + `).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2] })()`)
	if err != nil {
		k.t.Fatal(err)
	}
	var at [2]float64
	if err := json.Unmarshal([]byte(j), &at); err != nil {
		k.t.Fatal(err)
	}
	var x, y int
	onUI(func() {
		wx, wy := k.sh.Window().GetPosition()
		vx, vy, _ := k.sh.browser.view.Widget().TranslateCoordinates(k.sh.Window(), int(at[0]), int(at[1]))
		x, y = wx+vx, wy+vy
	})
	xdotool(k.t, "mousemove", "--sync", fmt.Sprint(x), fmt.Sprint(y), "click", "1")
}

func (k *kiosk) waitGone(name string) {
	k.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); k.buttonShown(name); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			k.t.Fatalf("button %q never went away", name)
		}
	}
}

func (k *kiosk) waitButton(name string) {
	k.t.Helper()
	k.waitButtonUntil(name, time.Now().Add(30*time.Second))
}

// waitButtonUntil waits for a button that comes after slow work, such as
// the "send" of a document shrunk for a site (see patience).
func (k *kiosk) waitButtonUntil(name string, deadline time.Time) {
	k.t.Helper()
	for !k.buttonShown(name) {
		if time.Now().After(deadline) {
			var have []string
			onUI(func() { have = k.sh.Buttons() })
			k.t.Fatalf("no %q button came (have %v)", name, have)
		}
		time.Sleep(50 * time.Millisecond)
	}
	k.frame() // laid out
}

// A resident attaches a paper document to an online form: the site asks for
// a file, Borne's picker offers to scan, the page is scanned through SANE's
// pnm backend, shrunk to the site's limit, handed to the form, and the demo
// site accepts it.
func TestScanAndAttach(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: time.Second}, lobbyMod, simulatedScanner(t))
	k.startSession("fr")
	k.tap("tile-caf")
	k.login("caf")
	k.clickInPage("input[type=file]")
	k.waitButton("picker-scan")
	k.screenshot("40-picker-fr")
	k.tap("picker-scan")
	k.waitScreen(session.ScreenScan)
	k.screenshot("41-scan-fr")
	k.tap("scan-page")
	k.waitScanned()
	k.tap("scan-page") // a second page, moved first, then retaken and deleted
	k.waitScanned()
	k.screenshot("42-scanned-fr")
	k.tap("page-2") // full screen, with its tools
	k.waitButton("before-2")
	k.screenshot("42-page-full-fr")
	k.tap("before-2")
	k.waitButton("page-2")
	k.tap("page-2")
	k.waitButton("retake-2")
	k.tap("retake-2")
	k.waitScanned()
	k.tap("page-2")
	k.waitButton("delete-2")
	k.tap("delete-2")
	k.waitButton("scan-done") // back to the pages once the tray has deleted it
	k.waitGone("page-2")
	k.tap("scan-done")
	k.waitButtonUntil("send", k.patience()) // once shrunk to the site's limit
	k.screenshot("43-ready-fr")
	k.tap("send")
	k.waitScreen(session.ScreenService)
	j, err := k.eval(`(() => { const f = document.querySelector("input[type=file]").files[0]; return f ? [f.name, f.size, f.type] : null })()`)
	if err != nil || j == "null" {
		t.Fatalf("the form got no file (%s, %v)", j, err)
	}
	var file [3]any
	_ = json.Unmarshal([]byte(j), &file)
	if size := file[1].(float64); size <= 0 || size > float64(k.cfg.Services[0].UploadLimit) {
		t.Fatalf("file %v is over the CAF limit %d", file, k.cfg.Services[0].UploadLimit)
	}
	if _, err := k.eval(`document.querySelector("form[action=upload]").submit(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitPage("/caf/upload")
	body, _ := k.eval(`document.body.innerText`)
	if !strings.Contains(body, "Document reçu") {
		t.Fatalf("the site did not take the document: %s", body)
	}
	k.screenshot("44-sent-fr")
	if got := k.did().Attached; got != 1 {
		t.Fatalf("documents attached counted %d, want 1", got)
	}
	outs, _ := filepath.Glob(filepath.Join(k.shown().Dir, "docs", "out", "*.pdf"))
	if len(outs) != 1 {
		t.Fatalf("prepared PDFs in the tr: %v", outs)
	}
	if out, err := exec.Command("qpdf", "--check", outs[0]).CombinedOutput(); err != nil {
		t.Fatalf("the PDF sent is not valid: %v\n%s", err, out)
	}
}

// patience bounds the wait for a 300-dpi colour page to be scanned or
// shrunk: seconds of CPU under -race (reading it from SANE, preparing it
// for the tray, fitting it to a site's limit), which a busy 2-core machine
// stretches past any fixed bound (over 60 s at a load of 17). It is a
// minute before the test binary's own deadline, so only hung work fails.
func (k *kiosk) patience() time.Time {
	if t, ok := k.t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := t.Deadline(); ok {
			return d.Add(-time.Minute)
		}
	}
	return time.Now().Add(10 * time.Minute)
}

// waitScanned waits for the scan just asked for to start, then to end.
func (k *kiosk) waitScanned() {
	k.t.Helper()
	busy := func() bool { return k.did().Scan.Busy }
	for deadline := time.Now().Add(30 * time.Second); !busy(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			k.t.Fatal("the scan never started")
		}
	}
	for deadline := k.patience(); busy(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			k.t.Fatal("the scan never ended")
		}
	}
}
