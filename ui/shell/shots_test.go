package shell

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/session"
)

// Dev screenshots (--shots, what "make run" saves without a display) outlive
// the visit: only screens that show nothing of a resident's are saved. A
// visit through every kind of screen, its form filled in, ending in the idle
// warning, leaves shots of the kiosk's own screens only.
func TestShotsKeepNothingOfTheResident(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	shots := t.TempDir()
	k := startKiosk(t, timings{idle: 2 * time.Second, warn: 2 * time.Second, thanks: time.Second}, lobbyMod,
		func(_ *config.Config, o *kitOptions) { o.ShotsDir = shots })
	taken := func() []string {
		entries, _ := os.ReadDir(shots)
		var names []string
		for _, e := range entries {
			_, what, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".png"), "-")
			names = append(names, what)
		}
		return names
	}
	waitShots := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(taken()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d shots, want %d: %v", len(taken()), n, taken())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	steps := []struct {
		what string
		do   func()
		shot bool // the screen it leads to is saved
	}{
		{"attract", func() { k.waitScreen(session.ScreenAttract) }, true},
		{"language", func() { k.tap("start"); k.waitScreen(session.ScreenLanguage) }, true},
		{"home", func() { k.tap("lang-fr"); k.waitScreen(session.ScreenHome) }, true},
		{"counters", func() { k.mgr.OpenCounters(); k.waitScreen(session.ScreenCounters) }, true},
		{"tray", func() { k.mgr.OpenTray(); k.waitScreen(session.ScreenTray) }, false},
		{"home again", func() { k.mgr.GoHome(); k.waitScreen(session.ScreenHome) }, true},
		{"the site, a form filled in", func() {
			k.tap("tile-caf")
			k.login("caf")
			if _, err := k.eval(`document.querySelector("[name=allocataire]").value = "7355608"; true`); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"the idle warning over the form", func() {
			k.waitShown("the idle warning", func(s session.Snapshot) bool { return s.State == session.Warning })
		}, false},
		{"thank-you", func() {
			k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks })
		}, true},
		{"attract after the visit", func() { k.waitScreen(session.ScreenAttract) }, true},
	}
	want := 0
	for _, st := range steps {
		st.do()
		if st.shot {
			want++
			waitShots(want) // the shot is taken before the next step moves on
		}
	}
	got := taken()
	expected := []string{"attract-fr", "language-fr", "home-fr", "counters-fr", "home-fr", "thanks-fr", "attract-fr"}
	if !slices.Equal(got, expected) {
		t.Fatalf("shots %v, want %v", got, expected)
	}
	if err := filepath.WalkDir(shots, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".png") {
			t.Errorf("%s left in the shots folder", p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
