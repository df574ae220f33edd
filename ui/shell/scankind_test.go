package shell

import (
	"strings"
	"testing"
	"time"

	"borne/kiosk/i18n"
	"borne/kiosk/session"
	"borne/kiosk/shrink"
)

// The resident says the document is an identity card: the scan button then
// asks for the back, the document keeps its kind, and the prepared file
// says per page what was done, in plain words.
func TestScanKind(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: time.Second}, lobbyMod, simulatedScanner(t))
	k.startSession("fr")
	k.tap("tile-caf")
	k.login("caf")
	k.clickInPage("input[type=file]")
	k.waitButton("picker-scan")
	k.tap("picker-scan")
	k.waitScreen(session.ScreenScan)
	k.waitButton("kind-id")
	k.tap("kind-id")
	k.tap("scan-page")
	k.waitScanned()
	var text string
	var kind string
	onUI(func() {
		text = strings.Join(labelTexts(&k.sh.buttons["scan-page"].Widget), " ")
		if tr, err := k.sh.cur().Tray(); err == nil {
			if d, err := tr.Document(k.did().Scan.Doc); err == nil {
				kind = d.Kind
			}
		}
	})
	if kind != shrink.DocID || !strings.Contains(text, "verso") {
		t.Fatalf("document kind %q, scan button %q: want an identity document and its back asked for", kind, text)
	}
	k.screenshot("45-scan-kind-fr")
	k.tap("scan-page")
	k.waitScanned()
	k.waitButton("page-2")
	k.tap("scan-done")
	k.waitButton("send")
	k.screenshot("46-ready-id-fr")
	var said string
	onUI(func() { said = strings.Join(labelTexts(&k.sh.dialog.Widget), "\n") })
	for _, want := range []string{"page 1 : pièce d'identité découpée, gardée en couleur", "page 2 : pièce d'identité"} {
		if !strings.Contains(said, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, said)
		}
	}
}

// Every page of a result is told in plain words, in every language.
func TestPageAccounts(t *testing.T) {
	res := shrink.Result{PerPage: []shrink.Choice{
		{Page: 1, Kind: shrink.KindText},
		{Page: 2, Kind: shrink.KindText, Step: shrink.StepContrast},
		{Page: 3, Kind: shrink.KindMixed, Photos: 1},
		{Page: 4, Kind: shrink.KindText, Step: shrink.StepGrey},
		{Page: 5, Kind: shrink.KindCard},
	}}
	got := pageAccounts(i18n.For("fr"), res)
	want := "page 1 : texte net, en noir et blanc\npage 2 : texte pâle foncé pour rester lisible\npage 3 : texte net, photo gardée en couleur\n" +
		"page 4 : texte pâle gardé en gris pour rester lisible\npage 5 : pièce d'identité découpée, gardée en couleur"
	if got != want {
		t.Errorf("accounts:\n%s\nwant:\n%s", got, want)
	}
	if en := pageAccounts(i18n.For("en"), shrink.Result{PerPage: []shrink.Choice{{Page: 3, Kind: shrink.KindPhoto}}}); en != "page 3: photo kept in colour" {
		t.Errorf("English: %q", en)
	}
}
