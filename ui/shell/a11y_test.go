package shell

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"borne/kiosk/session"
)

type control struct{ Role, Name, Description string }

// controls asks the accessibility bus, as a screen reader would, for every
// control on screen.
func (k *kiosk) controls() []control {
	k.t.Helper()
	time.Sleep(300 * time.Millisecond) // let the bridge see the new widgets
	out, err := exec.Command("/usr/bin/python3", "testdata/atspi_walk.py", filepath.Base(os.Args[0])).CombinedOutput()
	if err != nil {
		k.t.Fatalf("AT-SPI walk: %v\n%s", err, out)
	}
	var cs []control
	if err := json.Unmarshal(out, &cs); err != nil {
		k.t.Fatalf("AT-SPI walk: %v\n%s", err, out)
	}
	return cs
}

// expectNamed fails for any control a screen reader could not name.
func (k *kiosk) expectNamed(where string, mustHave ...string) {
	k.t.Helper()
	cs := k.controls()
	if len(cs) == 0 {
		k.t.Fatalf("%s: no control on the accessibility bus: the walk proves nothing", where)
	}
	names := map[string]bool{}
	for _, c := range cs {
		if c.Name == "" {
			k.t.Errorf("%s: a %s has no accessible name", where, c.Role)
		}
		names[c.Name] = true
	}
	for _, n := range mustHave {
		if !names[n] {
			k.t.Errorf("%s: no control named %q (have %v)", where, n, cs)
		}
	}
}

// Every resident screen, in every language, has no control without a name a
// screen reader can say, in that language.
func TestEveryControlHasAnAccessibleName(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Fatal("python3 is needed (Debian's, with python3-pyatspi)")
	}
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: 30 * time.Second}, lobbyMod)
	k.expectNamed("attract", "Touchez l'écran pour commencer", "Appeler un médiateur")
	k.tap("start")
	k.waitScreen(session.ScreenLanguage)
	k.expectNamed("language", "Français", "العربية")
	for _, lang := range k.cfg.Kiosk.Languages {
		k.tap("lang-" + lang)
		k.waitShown("home in "+lang, func(s session.Snapshot) bool { return s.Screen == session.ScreenHome && s.Lang == lang })
		cat := k.sh.cat
		k.expectNamed("home/"+lang, cat.T("J'ai fini"), cat.T("Appeler un médiateur"), k.cfg.Services[0].NameIn(lang))
		k.tap("tile-caf")
		k.waitShown("CAF in "+lang, func(s session.Snapshot) bool { return s.Service == "caf" })
		k.waitPage("/caf/")
		if _, err := k.eval(`document.querySelector("[name=user]").focus(); true`); err != nil {
			t.Fatal(err)
		}
		k.waitKeyboard(true)
		k.expectNamed("service+keyboard/"+lang, cat.T("Effacer"), cat.T("Masquer le clavier"), "é")
		k.tap("comfort")
		k.expectNamed("display panel/"+lang, cat.T("Contraste élevé"), "A++")
		k.tap("dialog-close")
		k.tap("languages")
		k.waitScreen(session.ScreenLanguage)
	}
	k.tap("lang-fr")
	k.waitScreen(session.ScreenHome)
	k.mgr.End(session.EndDone)
	k.waitScreen(session.ScreenThanks)
	for _, c := range k.controls() { // the thank-you screen has nothing to press
		if c.Name == "" {
			t.Errorf("thanks: a %s has no accessible name", c.Role)
		}
	}
}
