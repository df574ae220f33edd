package shell

import (
	"fmt"
	"testing"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/session"
)

// clippedText lists the labels on screen that get less room than their text
// needs (cut off), or that stick out of the window sideways.
func (k *kiosk) clippedText() []string {
	var problems []string
	onUI(func() {
		win := k.sh.Window()
		width, height := win.GetAllocatedWidth(), win.GetAllocatedHeight()
		labelType, containerType := glib.TypeFromName("GtkLabel"), glib.TypeFromName("GtkContainer")
		scrolledType := glib.TypeFromName("GtkScrolledWindow")
		var walk func(w *gtk.Widget, scrolled bool)
		walk = func(w *gtk.Widget, scrolled bool) {
			if !w.IsVisible() {
				return
			}
			if w.IsA(labelType) {
				l := &gtk.Label{Widget: *w}
				text, _ := l.GetText()
				a := w.GetAllocation()
				minH, _ := w.GetPreferredHeightForWidth(a.GetWidth())
				x, y, err := w.TranslateCoordinates(win, 0, 0)
				switch {
				case text == "":
				case a.GetHeight() < minH:
					problems = append(problems, fmt.Sprintf("%q cut: %d px high, needs %d", text, a.GetHeight(), minH))
				case err == nil && (x < 0 || x+a.GetWidth() > width):
					problems = append(problems, fmt.Sprintf("%q out of the window: x %d..%d of %d", text, x, x+a.GetWidth(), width))
				case err == nil && !scrolled && (y < 0 || y+a.GetHeight() > height):
					problems = append(problems, fmt.Sprintf("%q off the screen and nothing scrolls to it: y %d..%d of %d", text, y, y+a.GetHeight(), height))
				}
			}
			if w.IsA(containerType) {
				if children := (&gtk.Container{Widget: *w}).GetChildren(); children != nil {
					children.Foreach(func(item any) {
						if c, ok := item.(*gtk.Widget); ok {
							walk(c, scrolled || w.IsA(scrolledType))
						}
					})
					children.Free()
				}
			}
		}
		walk(&win.Widget, false)
	})
	return problems
}

func (k *kiosk) expectFits(where string) {
	k.t.Helper()
	time.Sleep(300 * time.Millisecond)
	for _, p := range k.clippedText() {
		k.t.Errorf("%s: %s", where, p)
	}
}

// At the largest text size, every screen of every language reflows: no text
// is cut off or pushed out of the screen.
func TestLargestTextFitsEveryScreen(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: 30 * time.Second}, lobbyMod)
	k.tap("start")
	k.waitScreen(session.ScreenLanguage)
	k.mgr.SetComfort(session.Comfort{TextSize: session.MaxTextSize})
	k.waitShown("the largest text", func(s session.Snapshot) bool { return s.TextSize == session.MaxTextSize })
	k.expectFits("language")
	for _, lang := range k.cfg.Kiosk.Languages {
		k.tap("lang-" + lang)
		k.waitShown("home in "+lang, func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == lang })
		k.expectFits("home/" + lang)
		k.screenshot("30-largest-home-" + lang)
		k.tap("tile-caf")
		k.waitShown("CAF in "+lang, func(s session.Snapshot) bool { return s.Service == "caf" })
		k.expectFits("service/" + lang)
		k.tap("glossary")
		k.expectFits("glossary/" + lang)
		k.screenshot("31-largest-glossary-" + lang)
		k.tap("dialog-close")
		k.tap("comfort")
		k.expectFits("display panel/" + lang)
		k.tap("dialog-close")
		k.tap("languages")
		k.waitScreen(session.ScreenLanguage)
	}
}

// labelTexts lists the texts of the visible labels under w.
func labelTexts(w *gtk.Widget) []string {
	var texts []string
	labelType, containerType := glib.TypeFromName("GtkLabel"), glib.TypeFromName("GtkContainer")
	var walk func(w *gtk.Widget)
	walk = func(w *gtk.Widget) {
		if !w.IsVisible() {
			return
		}
		if w.IsA(labelType) {
			if text, err := (&gtk.Label{Widget: *w}).GetText(); err == nil {
				texts = append(texts, text)
			}
		}
		if w.IsA(containerType) {
			if children := (&gtk.Container{Widget: *w}).GetChildren(); children != nil {
				children.Foreach(func(item any) {
					if c, ok := item.(*gtk.Widget); ok {
						walk(c)
					}
				})
				children.Free()
			}
		}
	}
	walk(w)
	return texts
}
