package shell

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/kiosk/session"
)

// The site's page follows the resident's text size (the whole page zooms
// and reflows: its width in CSS pixels shrinks) and their language: the
// language WebKit tells sites (navigator.language, Accept-Language), its own
// validation message, and the file input's button, read on screen by OCR in
// French and Arabic.
func TestWebPageZoomAndLanguage(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: 100 * time.Millisecond}, lobbyMod)
	for _, tc := range []struct {
		lang, ocrLang, button, validation, navigator string
	}{
		{"fr", "fra", "Choisir", "Sélectionner un fichier", "fr-FR"},
		// WebKit's Arabic catalogue names the button but has no validation
		// messages: those stay in English.
		{"ar", "ara", "ملف", "Select a file", "ar"},
	} {
		k.startSession(tc.lang)
		k.tap("tile-caf")
		k.login("caf")
		if got := k.evalString(`navigator.language`); got != tc.navigator {
			t.Errorf("%s: navigator.language %q, want %q", tc.lang, got, tc.navigator)
		}
		if got := k.evalString(`(() => { const i = document.querySelector("input[type=file]"); i.required = true; return i.validationMessage })()`); got != tc.validation {
			t.Errorf("%s: the file input's validation message is %q, want %q", tc.lang, got, tc.validation)
		}
		narrow := k.evalNumber(`document.documentElement.clientWidth`)
		k.mgr.SetComfort(session.Comfort{TextSize: session.MaxTextSize})
		k.waitShown("the largest text", func(s session.Snapshot) bool { return s.TextSize == session.MaxTextSize })
		var zoom float64
		onUI(func() { zoom = k.sh.browser.view.Zoom() })
		if zoom != 2 {
			t.Errorf("%s: page zoom %.2f at the largest text, want 2", tc.lang, zoom)
		}
		// Reflow: the page now lays out in half as many CSS pixels.
		deadline := time.Now().Add(10 * time.Second)
		for wide := k.evalNumber(`document.documentElement.clientWidth`); wide > narrow*0.55; wide = k.evalNumber(`document.documentElement.clientWidth`) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the page is %.0f CSS px wide at zoom 2, was %.0f", tc.lang, wide, narrow)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := k.eval(`document.querySelector("input[type=file]").scrollIntoView({block: "center"}); true`); err != nil {
			t.Fatal(err)
		}
		// Read until the scrolled page is painted (or the words never come).
		for text := ""; !strings.Contains(text, tc.button); text = k.ocrInPage(`input[type=file]`, tc.ocrLang) {
			if time.Now().After(deadline.Add(10 * time.Second)) {
				t.Fatalf("%s: the file input reads %q, want %q in it", tc.lang, text, tc.button)
			}
		}
		k.screenshot("64-web-zoom-" + tc.lang)
		k.mgr.End(session.EndDone)
		k.waitScreen(session.ScreenAttract)
	}
}

// evalJSON runs a script in the page and decodes its result into v.
func (k *kiosk) evalJSON(script string, v any) {
	k.t.Helper()
	j, err := k.eval(script)
	if err == nil {
		err = json.Unmarshal([]byte(j), v)
	}
	if err != nil {
		k.t.Fatalf("%s: %v (%s)", script, err, j)
	}
}

func (k *kiosk) evalString(script string) (s string) { k.evalJSON(script, &s); return s }

func (k *kiosk) evalNumber(script string) (f float64) { k.evalJSON(script, &f); return f }

// ocrInPage reads, with Tesseract, what the screen shows of a page element.
func (k *kiosk) ocrInPage(selector, lang string) string {
	k.t.Helper()
	var r [4]float64
	k.evalJSON(`(() => { const r = document.querySelector(`+jsString(selector)+`).getBoundingClientRect(); return [r.left, r.top, r.width, r.height] })()`, &r)
	dir := k.t.TempDir()
	shot := filepath.Join(dir, "screen.png")
	var rect image.Rectangle
	var err error
	onUI(func() {
		zoom := k.sh.browser.view.Zoom()
		wx, wy := k.sh.Window().GetPosition()
		vx, vy, _ := k.sh.browser.view.Widget().TranslateCoordinates(k.sh.Window(), 0, 0)
		x0, y0 := wx+vx+int(r[0]*zoom), wy+vy+int(r[1]*zoom)
		rect = image.Rect(x0-4, y0-4, x0+int(r[2]*zoom)+4, y0+int(r[3]*zoom)+4)
		err = SaveScreen(shot)
	})
	if err != nil {
		k.t.Fatal(err)
	}
	f, err := os.Open(shot)
	if err != nil {
		k.t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		k.t.Fatal(err)
	}
	crop := filepath.Join(dir, "element.png")
	out, err := os.Create(crop)
	if err != nil {
		k.t.Fatal(err)
	}
	err = png.Encode(out, img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(rect))
	out.Close()
	if err != nil {
		k.t.Fatal(err)
	}
	text, err := exec.Command("tesseract", crop, "-", "-l", lang, "--psm", "7").Output()
	if err != nil {
		k.t.Fatalf("tesseract (%s): %v", lang, fmt.Sprint(err))
	}
	return strings.TrimSpace(string(text))
}
