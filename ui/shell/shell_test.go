package shell

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gotk3/gotk3/gdk"

	"borne/kiosk/session"
)

// A resident's whole visit, with real taps: start → language → tile →
// walks away → "are you still there?" → the session ends by itself, its
// directory is gone and the usage store holds exactly the anonymous events.
func TestResidentJourneyEndsByIdleTimeout(t *testing.T) {
	k := startKiosk(t, timings{idle: 2 * time.Second, warn: 3 * time.Second, thanks: time.Second})
	k.waitScreen(session.ScreenAttract)
	k.checkTargets()
	k.screenshot("01-attract-fr")

	k.tap("start")
	s := k.waitScreen(session.ScreenLanguage)
	if fi, err := os.Stat(s.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("session dir %q: %v", s.Dir, err)
	}
	k.checkTargets()
	k.screenshot("02-language-fr")

	k.tap("lang-en")
	k.waitShown("home in English", func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == "en" })
	k.checkTargets()
	k.screenshot("03-home-en")

	k.tap("tile-caf")
	k.waitShown("the CAF screen", func(s session.Snapshot) bool { return s.Service == "caf" })
	k.checkTargets()
	k.screenshot("04-service-caf-en")

	k.waitShown("the idle warning", func(s session.Snapshot) bool { return s.State == session.Warning })
	k.checkTargets()
	k.screenshot("05-warning-en")

	end := k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks })
	if end.Ended != session.EndIdle {
		t.Fatalf("ended %q, want idle", end.Ended)
	}
	k.waitEnded()
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("session dir survives the end: %v", err)
	}
	k.screenshot("06-thanks-en")

	a := k.waitScreen(session.ScreenAttract)
	if a.Lang != "fr" {
		t.Fatalf("attract screen in %q: the language must reset", a.Lang)
	}
	want := []string{
		"S1 session_start language fr",
		"S1 language en",
		"S1 tile_opened caf",
		"S1 session_end service idle en",
	}
	k.expectEvents(want...)
}

// "Continue" in the countdown keeps the session; "I'm done" ends it at once;
// "Call a mediator" shows the banner and is recorded with its screen.
func TestContinueHelpAndDone(t *testing.T) {
	k := startKiosk(t, timings{idle: 2 * time.Second, warn: 20 * time.Second, thanks: time.Second})
	k.startSession("fr")
	k.waitShown("the idle warning", func(s session.Snapshot) bool { return s.State == session.Warning })
	k.tap("continue")
	k.waitShown("the session again", func(s session.Snapshot) bool { return s.State == session.Active })

	k.tap("help")
	k.waitShown("the mediator banner", func(s session.Snapshot) bool { return s.HelpCalled })
	var bannerShown bool
	onUI(func() { bannerShown = k.sh.banner.IsVisible() })
	if !bannerShown {
		t.Fatal("help banner not visible")
	}
	k.screenshot("07-help-fr")

	k.tap("comfort")
	k.tap("text-largest")
	k.waitShown("the largest text", func(s session.Snapshot) bool { return s.TextSize == session.MaxTextSize })
	k.tap("comfort")
	k.tap("contrast")
	k.waitShown("high contrast", func(s session.Snapshot) bool { return s.HighContrast })
	k.screenshot("08-home-high-contrast-largest-fr")

	k.tap("done")
	k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks && s.Ended == session.EndDone })
	a := k.waitScreen(session.ScreenAttract)
	if a.Comfort != (session.Comfort{}) {
		t.Fatalf("the resident's display settings survived the session: %+v", a.Comfort)
	}
	want := []string{
		"S1 session_start language fr",
		"S1 language fr",
		"S1 help_pressed home",
		"S1 session_end home done fr",
	}
	k.expectEvents(want...)
}

// Arabic mirrors the whole layout, not just the text: the bar's ends swap and
// the first tile moves to the right.
func TestArabicMirrorsLayout(t *testing.T) {
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second})
	k.startSession("fr")
	helpLTR, _ := k.center("help")
	tileLTR, _ := k.center("tile-caf")

	k.tap("languages")
	k.waitScreen(session.ScreenLanguage)
	k.tap("lang-ar")
	k.waitShown("home in Arabic", func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == "ar" })
	helpRTL, _ := k.center("help")
	tileRTL, _ := k.center("tile-caf")
	k.screenshot("09-home-ar")

	width := k.screenWidth()
	if !(helpLTR > width/2 && helpRTL < width/2) {
		t.Fatalf("help button x: %d in French, %d in Arabic (screen %d): not mirrored", helpLTR, helpRTL, width)
	}
	if !(tileLTR < width/2 && tileRTL > width/2) {
		t.Fatalf("first tile x: %d in French, %d in Arabic: not mirrored", tileLTR, tileRTL)
	}
	k.tap("tile-caf")
	k.waitShown("CAF in Arabic", func(s session.Snapshot) bool { return s.Service == "caf" })
	k.screenshot("10-service-caf-ar")
	k.tap("done")
	k.waitShown("thanks", func(s session.Snapshot) bool { return s.State == session.Thanks })
	k.screenshot("11-thanks-ar")
	k.waitShown("attract, back in French and left to right", func(s session.Snapshot) bool { return s.Screen == session.ScreenAttract && s.Lang == "fr" })
	if x, _ := k.center("help"); x < width/2 {
		t.Fatalf("the next resident still gets a mirrored layout (help at x=%d)", x)
	}
}

// Ways out and stray clicks reach nothing: blocked keys never get to any
// widget, right and middle clicks never open a tile, the window stays.
func TestLockdown(t *testing.T) {
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second})
	k.startSession("fr")

	keys := make(chan uint, 64)
	buttons := make(chan uint, 64)
	onUI(func() {
		k.sh.Window().Connect("key-press-event", func(_ any, ev *gdk.Event) bool {
			if kv := gdk.EventKeyNewFromEvent(ev).KeyVal(); kv < 0xffe1 || kv > 0xffee { // modifiers alone are harmless
				keys <- kv
			}
			return false
		})
		tile, _ := k.sh.Button("tile-caf")
		tile.Connect("button-press-event", func(_ any, ev *gdk.Event) bool {
			buttons <- uint(gdk.EventButtonNewFromEvent(ev).Button())
			return false
		})
		k.sh.Window().Present()
	})
	x, y := k.center("tile-caf")
	xdotool(t, "mousemove", "--sync", itoa(x), itoa(y))

	for _, combo := range []string{"alt+F4", "ctrl+q", "ctrl+w", "F11", "Escape", "alt+Tab", "super", "ctrl+alt+Delete", "Menu"} {
		xdotool(t, "key", "--clearmodifiers", combo)
	}
	xdotool(t, "click", "3")
	xdotool(t, "click", "2")
	xdotool(t, "key", "a") // control: an ordinary key does get through
	select {
	case kv := <-keys:
		if kv != 'a' {
			t.Fatalf("a blocked key reached the window: keyval %#x", kv)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no key reached the window at all: the test proves nothing")
	}
	if len(buttons) != 0 {
		t.Fatalf("right or middle click reached the tile: button %d", <-buttons)
	}
	s := k.shown()
	if s.Screen != session.ScreenHome || s.State != session.Active {
		t.Fatalf("after the blocked input the screen is %+v", s)
	}
	var visible bool
	onUI(func() { visible = k.sh.Window().IsVisible() })
	if !visible {
		t.Fatal("the window was closed")
	}
	xdotool(t, "click", "1") // control: a left click opens the tile
	if b := <-buttons; b != 1 {
		t.Fatalf("left click arrived as button %d", b)
	}
	k.waitShown("the tile opened by a left click", func(s session.Snapshot) bool { return s.Service == "caf" })
}

// startSession taps through the attract and language screens to the home screen.
func (k *kiosk) startSession(lang string) {
	k.t.Helper()
	k.tap("start")
	k.waitScreen(session.ScreenLanguage)
	k.tap("lang-" + lang)
	k.waitShown("home in "+lang, func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == lang })
}

// expectEvents compares the usage store's rows with want.
func (k *kiosk) expectEvents(want ...string) {
	k.t.Helper()
	if got := k.events(); !slices.Equal(got, want) {
		k.t.Fatalf("usage events:\n%q\nwant\n%q", got, want)
	}
}

// checkTargets asserts every button on screen is at least 9 mm at the configured DPI.
func (k *kiosk) checkTargets() {
	k.t.Helper()
	time.Sleep(100 * time.Millisecond)
	min := k.cfg.MinTargetPx()
	onUI(func() {
		for _, name := range k.sh.Buttons() {
			b, _ := k.sh.Button(name)
			if !b.IsVisible() {
				continue
			}
			if w, h := b.GetAllocatedWidth(), b.GetAllocatedHeight(); w < min || h < min {
				k.t.Errorf("button %q is %d×%d px, under the %d px touch minimum", name, w, h, min)
			}
		}
	})
}

func (k *kiosk) screenWidth() int {
	var w int
	onUI(func() { w = k.sh.Window().GetAllocatedWidth() })
	return w
}

func itoa(n int) string { return fmt.Sprint(n) }

// The whole visit works from a physical keyboard alone (keyboard and switch
// users): Enter starts, arrows and Tab move in reading order, Enter presses.
func TestKeyboardOnly(t *testing.T) {
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second})
	onUI(func() { k.sh.Window().Present() })
	time.Sleep(200 * time.Millisecond)
	k.key("Return")
	k.waitScreen(session.ScreenLanguage)
	k.key("Right") // Français → English
	k.key("Return")
	k.waitShown("home in English", func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == "en" })
	k.key("Right") // CAF → ameli
	k.key("Return")
	k.waitShown("the ameli screen", func(s session.Snapshot) bool { return s.Service == "ameli" })
	// WebKit answers keys asynchronously: wait for each Tab to move the focus
	// before the next, or a late one moves it past the target.
	k.key("ctrl+Tab") // out of the web page
	for i := 0; i < 20 && k.settledFocus() != "done"; i++ {
		k.key("Tab")
	}
	if k.settledFocus() != "done" {
		t.Fatal("Tab never reached \"I'm done\"")
	}
	k.screenshot("12-keyboard-focus-en")
	if f := k.focusedButton(); f != "done" {
		t.Fatalf("the focus moved on by itself, to %q", f)
	}
	k.key("Return")
	k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks && s.Ended == session.EndDone })
}

// key types a key and waits until GTK has handled it (input is dispatched
// before idle callbacks).
func (k *kiosk) key(combo string) {
	k.t.Helper()
	xdotool(k.t, "key", "--clearmodifiers", combo)
	time.Sleep(50 * time.Millisecond)
	onUI(func() {})
	onUI(func() {})
}

// settledFocus waits until the focus has stayed on one widget for 300 ms
// and names it.
func (k *kiosk) settledFocus() string {
	last, since := k.focusedButton(), time.Now()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if f := k.focusedButton(); f != last {
			last, since = f, time.Now()
		} else if time.Since(since) > 300*time.Millisecond {
			break
		}
	}
	return last
}

// focusedButton names the button that has the keyboard focus, if any.
func (k *kiosk) focusedButton() string {
	var name string
	onUI(func() {
		for _, n := range k.sh.Buttons() {
			if b, _ := k.sh.Button(n); b.HasFocus() {
				name = n
			}
		}
	})
	return name
}
