package shell

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/downloads"
	"borne/kiosk/session"
	"borne/testbench/demosite"
	"borne/testbench/lobby"
)

// demoLobby serves the demo public service on a free loopback port and
// points the catalogue at it.
func demoLobby(t testing.TB) (addr string, mod func(*config.Config, *kitOptions)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	cfg := config.Default()
	for i := range cfg.Services {
		cfg.Services[i].StartURL = "http://" + addr + "/" + cfg.Services[i].ID + "/"
		cfg.Services[i].AllowedDomains = []string{addr}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	site := demosite.New(lobby.Sites(cfg, addr), nil)
	go func() { _ = site.Serve(ctx, addr); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, addr)
	// Each kiosk gets its own copy: a test's change to a service stays its own.
	return addr, func(c *config.Config, _ *kitOptions) { c.Services = slices.Clone(cfg.Services) }
}

func waitListening(t testing.TB, addr string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("demo site not listening on %s", addr)
}

// eval runs a script in the session's page and returns its JSON result.
func (k *kiosk) eval(script string) (string, error) {
	type answer struct {
		json string
		err  error
	}
	ch := make(chan answer, 1)
	onUI(func() {
		if k.sh.browser == nil {
			ch <- answer{err: os.ErrNotExist}
			return
		}
		k.sh.browser.view.Eval(script, func(j string, err error) { ch <- answer{j, err} })
	})
	select {
	case a := <-ch:
		return a.json, a.err
	case <-time.After(10 * time.Second):
		k.t.Fatalf("script did not answer: %s", script)
		return "", nil
	}
}

// waitPage waits until the page's path is want and its document is complete.
func (k *kiosk) waitPage(want string) {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		j, err := k.eval(`document.readyState === "complete" ? location.pathname : ""`)
		if err == nil && json.Unmarshal([]byte(j), &got) == nil && got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	k.t.Fatalf("page %q never loaded (last %q)", want, got)
}

func (k *kiosk) notice() string {
	var n string
	onUI(func() {
		if k.sh.browser != nil {
			n = k.sh.browser.noticeMsg
		}
	})
	return n
}

// refused runs a script that tries to leave and checks that the very same
// document stayed (a marker set in it survives). When told, it also checks
// the resident was told why; WebKit refuses some schemes (file:) itself,
// before Borne is asked.
func (k *kiosk) refused(what, script string, told bool) {
	k.t.Helper()
	onUI(func() { k.sh.browser.clearNotice() })
	if _, err := k.eval(`window.borneMarker = 1; ` + script); err != nil {
		k.t.Fatalf("%s: %v", what, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for told && k.notice() == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if told && k.notice() == "" {
		k.t.Fatalf("%s: no refusal shown", what)
	}
	time.Sleep(700 * time.Millisecond)
	if j, err := k.eval(`window.borneMarker === 1 && document.readyState === "complete"`); err != nil || j != "true" {
		k.t.Fatalf("%s: the page was left (%s, %v)", what, j, err)
	}
}

func (k *kiosk) login(service string) {
	k.t.Helper()
	k.waitPage("/" + service + "/")
	if _, err := k.eval(`document.querySelector("[name=user]").value = "demo";
		document.querySelector("[name=password]").value = "borne";
		document.querySelector("form").submit(); true`); err != nil {
		k.t.Fatal(err)
	}
	k.waitPage("/" + service + "/form")
}

// A resident's online procedure in the real WebKit view: the site opens in
// an ephemeral view, every way off the allowlist is refused, an attestation
// and a printed page arrive as PDFs in the session directory, a killed page
// process recovers, and after the session the next resident is logged out.
func TestWebProcedure(t *testing.T) {
	addr, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod)
	k.startSession("fr")
	k.tap("tile-caf")
	k.login("caf")
	dir := k.shown().Dir
	var ephemeral bool
	onUI(func() { ephemeral = k.sh.browser.view.Ephemeral() })
	if !ephemeral {
		t.Fatal("the web view keeps data on disk")
	}
	k.screenshot("20-web-form-fr")

	outside := "http://localhost:" + strings.Split(addr, ":")[1]
	k.refused("link to another site", `document.getElementById("outside-link").click(); true`, true)
	k.screenshot("21-web-refused-fr")
	k.refused("redirect to another site", `document.getElementById("outside-redirect").click(); true`, true)
	k.refused("another site by script", `location.href = `+jsString(outside+"/caf/")+`; true`, false)
	// javascript: URLs are not here: WebKit runs them as the page's own script
	// (which the page can do anyway) and never asks for a navigation decision.
	for _, u := range []string{"file:///etc/passwd", "data:text/html,<h1>hi</h1>", "view-source:http://" + addr + "/caf/", "mailto:a@b.fr", "tel:3230", "about:config"} {
		k.refused("location "+u, `location.href = `+jsString(u)+`; true`, false)
	}
	frame, err := k.eval(`(() => { const f = document.getElementById("outside-frame"); return f.contentDocument !== null && f.contentDocument.body.innerHTML === "" })()`)
	if err != nil || frame != "true" {
		t.Fatalf("the iframe to another site loaded (%s, %v)", frame, err)
	}
	k.refused("pop-up to another site", `document.body.insertAdjacentHTML("beforeend", '<a id="p" target="_blank" href="`+outside+`/caf/help">x</a>'); document.getElementById("p").click(); true`, true)

	// A pop-up within the allowlist opens in the same view.
	if _, err := k.eval(`document.getElementById("help-popup").click(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitPage("/caf/help")
	if _, err := k.eval(`history.back(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitPage("/caf/form")

	// The attestation downloads into the session and is offered for printing.
	if _, err := k.eval(`document.querySelector("a[href='attestation.pdf']").click(); true`); err != nil {
		t.Fatal(err)
	}
	att := k.waitDocument()
	if filepath.Dir(att) != filepath.Join(dir, "downloads") {
		t.Fatalf("download landed at %s, outside the session's downloads", att)
	}
	k.screenshot("22-web-document-fr")
	k.tap("dialog-close")

	// window.print() renders the page to a PDF and takes the same path.
	if _, err := k.eval(`document.getElementById("print").click(); true`); err != nil {
		t.Fatal(err)
	}
	printed := k.waitDocument()
	if info, err := downloads.Inspect(context.Background(), printed); err != nil || filepath.Dir(printed) != filepath.Join(dir, "prints") {
		t.Fatalf("window.print gave %s: %+v %v", printed, info, err)
	}
	k.tap("dialog-close")

	// A killed page process comes back by itself, still logged in.
	onUI(func() { k.sh.browser.view.KillWebProcess() })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(k.notice(), "rechargée") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(k.notice(), "rechargée") {
		t.Fatalf("no message after the page process was killed (notice %q)", k.notice())
	}
	k.waitPage("/caf/form")

	k.tap("done")
	k.waitScreen(session.ScreenAttract)
	k.waitEnded()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the session directory survived: %v", err)
	}
	var gone bool
	onUI(func() { gone = k.sh.browser == nil })
	if !gone {
		t.Fatal("the web view survived the session")
	}

	// The next resident starts logged out.
	k.startSession("fr")
	k.tap("tile-caf")
	k.waitPage("/caf/")
	if _, err := k.eval(`location.href = "form"; true`); err != nil {
		t.Fatal(err)
	}
	k.waitPage("/caf/") // the form sends anonymous visitors to the login page
}

// waitDocument waits for the "document received" panel and returns its file.
func (k *kiosk) waitDocument() string {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var path string
		var open bool
		onUI(func() { path, open = k.sh.lastDocument, k.sh.dialogOpen })
		if open && path != "" {
			onUI(func() { k.sh.lastDocument = "" })
			return path
		}
		time.Sleep(50 * time.Millisecond)
	}
	k.t.Fatal("no document arrived")
	return ""
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The on-screen keyboard comes up under a focused field, types accents into
// it as real input, switches to digits for a numeric field, and stays away
// when the kiosk has a physical keyboard.
func TestOnScreenKeyboard(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod)
	k.startSession("fr")
	k.tap("tile-caf")
	k.waitPage("/caf/")
	if _, err := k.eval(`document.querySelector("[name=user]").focus(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitKeyboard(true)
	for _, key := range []string{"é", "t", "é", keySpace, keyShift, "à", "@", ".fr", "x", keyBackspace} {
		k.tap("key-" + key)
	}
	k.screenshot("23-keyboard-fr")
	if got := k.fieldValue("user"); got != "été À@.fr" {
		t.Fatalf("typed %q, want %q", got, "été À@.fr")
	}
	var focusable bool
	onUI(func() { b, _ := k.sh.Button("key-a"); focusable = b.GetCanFocus() })
	if focusable {
		t.Fatal("keyboard keys take the focus away from the field")
	}

	k.login("caf")
	if _, err := k.eval(`document.querySelector("[name=allocataire]").focus(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitKeyboard(true)
	if !k.buttonShown("key-5") {
		t.Fatal("a numeric field did not get the numeric pad")
	}
	for _, key := range []string{"1", "2", "3", "4", "5"} {
		k.tap("key-" + key)
	}
	k.screenshot("24-keyboard-digits-fr")
	if n := k.notice(); n != "" {
		t.Fatalf("a notice the resident did not cause: %q", n)
	}
	if got := k.fieldValue("allocataire"); got != "12345" {
		t.Fatalf("typed %q", got)
	}
	k.tap("key-" + keyHide)
	k.waitKeyboard(false)
}

func TestNoOnScreenKeyboardWithAPhysicalOne(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod,
		func(c *config.Config, _ *kitOptions) { c.Screen.PhysicalKeyboard = true })
	k.startSession("fr")
	k.tap("tile-caf")
	k.waitPage("/caf/")
	if _, err := k.eval(`document.querySelector("[name=user]").focus(); true`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	var shown bool
	onUI(func() { shown = k.sh.browser.keyboard.visible() })
	if shown {
		t.Fatal("on-screen keyboard shown although a physical keyboard is fitted")
	}
}

func (k *kiosk) waitKeyboard(want bool) {
	k.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var shown bool
		onUI(func() { shown = k.sh.browser.keyboard.visible() })
		if shown == want {
			time.Sleep(200 * time.Millisecond) // laid out and the field scrolled into view
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	k.t.Fatalf("keyboard visible should be %v", want)
}

func (k *kiosk) buttonShown(name string) bool {
	var shown bool
	onUI(func() {
		if b, ok := k.sh.Button(name); ok {
			shown = b.IsVisible()
		}
	})
	return shown
}

func (k *kiosk) fieldValue(name string) string {
	k.t.Helper()
	j, err := k.eval(`document.querySelector("[name=` + name + `]").value`)
	if err != nil {
		k.t.Fatal(err)
	}
	var v string
	_ = json.Unmarshal([]byte(j), &v)
	return v
}
