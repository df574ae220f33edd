package shell

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotk3/gotk3/glib"

	"borne/kiosk/config"
	"borne/kiosk/session"
	"borne/ui/web"
)

// tracker is a loopback server that records every request it gets.
type tracker struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
}

func newTracker(t *testing.T) *tracker {
	tr := &tracker{}
	tr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.hits = append(tr.hits, r.URL.Path)
		tr.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	t.Cleanup(tr.srv.Close)
	return tr
}

func (tr *tracker) seen() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.hits)
}

func (tr *tracker) host() string { return strings.TrimPrefix(tr.srv.URL, "http://") }

// waitHits waits until the tracker has seen every path in want.
func (tr *tracker) waitHits(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen := tr.seen()
		missing := slices.DeleteFunc(slices.Clone(want), func(p string) bool { return slices.Contains(seen, p) })
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the allowed host never got %v (got %v)", missing, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A page of an allowed site, and the scripts it includes, try every kind of
// request to a loopback host the config does not name: none leaves, nor does
// the <a ping> of a tapped link. The same page aimed at a host the service
// lists in resource_domains reaches it: the rules are WebKit's own, per
// service.
func TestSubresourcesStayInTheAllowlist(t *testing.T) {
	forbidden, allowed := newTracker(t), newTracker(t)
	addr, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod,
		func(c *config.Config, _ *kitOptions) { c.Services[0].ResourceDomains = []string{allowed.host()} })
	k.startSession("fr")
	k.tap("tile-" + k.cfg.Services[0].ID)
	id := k.cfg.Services[0].ID
	k.waitPage("/" + id + "/")

	leaks := func(to string, tap bool) {
		if _, err := k.eval(`location.href = ` + jsString("http://"+addr+"/"+id+"/leaks?to="+to) + `; true`); err != nil {
			t.Fatal(err)
		}
		k.waitPage("/" + id + "/leaks")
		if _, err := k.eval(`document.getElementById("secret").value = "1 85 07 75 123 456 78"; leak(); true`); err != nil {
			t.Fatal(err)
		}
		if tap {
			k.clickInPage("#ping-link") // a real tap: WebKit sends pings only for those
			k.waitPage("/" + id + "/help")
		}
	}
	leaks(forbidden.srv.URL, true)
	// The same page towards the allowed host: its requests arrive, so the
	// forbidden ones were made and refused, not forgotten. (Pings are
	// blocked towards allowed hosts too: TestContentRules.)
	leaks(allowed.srv.URL, false)
	allowed.waitHits(t, "/img", "/script", "/css", "/css-bg", "/font", "/xhr", "/fetch", "/ws", "/sse", "/img-js")
	if got := forbidden.seen(); len(got) != 0 {
		t.Fatalf("the page reached a host outside the allowlist: %v", got)
	}
}

// topWindows lists the viewable top-level X windows.
func topWindows(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("xwininfo", "-root", "-children").Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	var ids []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "0x") {
			continue
		}
		info, err := exec.Command("xwininfo", "-id", f[0]).Output()
		if err == nil && strings.Contains(string(info), "IsViewable") {
			ids = append(ids, f[0])
		}
	}
	return ids
}

// A colour input, a list, date and time inputs and the permission prompts
// open nothing outside Borne's window: the list comes up in Borne's own
// panel and answers the page; the rest are refused.
func TestNativePickersStayInBorne(t *testing.T) {
	addr, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod)
	k.startSession("fr")
	id := k.cfg.Services[0].ID
	k.tap("tile-" + id)
	k.waitPage("/" + id + "/")
	if _, err := k.eval(`location.href = ` + jsString("http://"+addr+"/"+id+"/widgets") + `; true`); err != nil {
		t.Fatal(err)
	}
	k.waitPage("/" + id + "/widgets")
	before := topWindows(t)

	// The list opens in Borne's panel and the choice reaches the page.
	k.clickInPage("#select")
	k.waitButton("option-3")
	k.screenshot("30-web-select-fr")
	k.tap("option-3")
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := k.eval(`document.getElementById("select").value`)
		if err == nil && j == `"Paris"` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the list's choice did not reach the page: %s %v", j, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	k.waitGone("option-3")
	for _, field := range []string{"#color", "#date", "#time", "#datetime"} {
		k.clickInPage(field)
	}
	// The list again: drawn after the clicks above were handled, so any
	// window they opened is up by now.
	// The on-screen keyboard may still be sliding away under the pointer:
	// the tap is made again until the list opens.
	for try := 0; !k.buttonShown("option-cancel"); try++ {
		if try == 5 {
			t.Fatal("the list never opened again")
		}
		k.clickInPage("#select")
		for wait := time.Now().Add(2 * time.Second); !k.buttonShown("option-cancel") && time.Now().Before(wait); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if now := topWindows(t); len(now) != len(before) {
		t.Fatalf("a native window opened: top-level windows %v, before %v", now, before)
	}
	k.tap("option-cancel")
	k.waitGone("option-cancel")
	// Permissions are denied without asking anybody.
	for what, script := range map[string]string{
		"geolocation":   `new Promise(r => navigator.geolocation.getCurrentPosition(() => r("granted"), e => r("denied " + e.code)))`,
		"notifications": `Notification.requestPermission()`,
		"camera":        `navigator.mediaDevices.getUserMedia({video: true}).then(() => "granted", e => "denied " + e.name)`,
	} {
		j, err := k.settle(script)
		if err != nil || !strings.Contains(j, "denied") {
			t.Errorf("%s: %s %v", what, j, err)
		}
	}
	if now := topWindows(t); len(now) != len(before) {
		t.Fatalf("a native window opened: top-level windows %v, before %v", now, before)
	}
}

// settle runs a script whose promise settles later and returns what it
// settled to, as JSON.
func (k *kiosk) settle(promise string) (string, error) {
	if _, err := k.eval(`window.bornePromise = undefined; Promise.resolve(` + promise + `).then(v => window.bornePromise = String(v), e => window.bornePromise = "error " + e); true`); err != nil {
		return "", err
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if j, err := k.eval(`window.bornePromise === undefined ? null : window.bornePromise`); err != nil || j != "null" {
			return j, err
		}
	}
	return "", fmt.Errorf("never settled: %s", promise)
}

// selection reads an X selection as another program (the next resident's
// paste) would.
func selection(t *testing.T, which string) string {
	t.Helper()
	out, err := exec.Command("xclip", "-o", "-selection", which).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "no owner") && !strings.Contains(string(out), "target STRING not available") {
		t.Fatalf("xclip %s: %v %s", which, err, out)
	}
	if err != nil {
		return ""
	}
	return string(out)
}

// What a resident typed and copied is in the X selections during the visit;
// after "J'ai fini" both selections are empty and every WebKit process of
// the visit has exited, before the thank-you screen.
func TestVisitEndWipesClipboardAndWebProcesses(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: 3 * time.Second}, lobbyMod)
	k.startSession("fr")
	id := k.cfg.Services[0].ID
	k.tap("tile-" + id)
	k.login(id)
	const marker = "Zq7marker2718"
	k.clickInPage("[name=allocataire]")
	xdotool(t, "type", "--delay", "20", marker)
	xdotool(t, "key", "--clearmodifiers", "ctrl+a", "ctrl+c")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(selection(t, "clipboard"), marker) || !strings.Contains(selection(t, "primary"), marker) {
		if time.Now().After(deadline) {
			t.Fatalf("the copy never reached the selections (clipboard %q, primary %q): the test proves nothing",
				selection(t, "clipboard"), selection(t, "primary"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	visit := web.Helpers()
	if len(visit) == 0 {
		t.Fatal("no WebKit process found during the visit: the test proves nothing")
	}

	// At the first frame of the thank-you screen, the visit's processes are gone.
	thanks := make(chan []int, 1)
	onUI(func() {
		k.sh.win.Connect("draw", func() {
			if k.sh.shown.Screen == session.ScreenThanks && len(thanks) == 0 {
				thanks <- web.Helpers()
			}
		})
	})
	k.tap("done")
	k.waitScreen(session.ScreenThanks)
	var left []int
	select {
	case left = <-thanks:
	case <-time.After(10 * time.Second):
		t.Fatal("the thank-you screen was never drawn")
	}
	for _, p := range visit {
		if slices.Contains(left, p) {
			t.Errorf("WebKit process %d of the visit still runs at the thank-you screen", p)
		}
	}
	for _, sel := range []string{"clipboard", "primary"} {
		if got := selection(t, sel); got != "" {
			t.Errorf("the %s selection still holds %q after the visit", sel, got)
		}
	}
}

// A hostile PDF download (a page tree as deep as 48 MB allow) is checked
// while the screen keeps answering taps, and refused in plain words; a
// download past the limit is stopped as it comes, announced or not; a
// disguised one is refused for what it is. Nothing of them stays.
func TestHostileDownloads(t *testing.T) {
	addr, lobbyMod := demoLobby(t)
	k := startKiosk(t, timings{idle: 5 * time.Minute, warn: 10 * time.Second, thanks: time.Second}, lobbyMod)
	k.startSession("fr")
	id := k.cfg.Services[0].ID
	k.tap("tile-" + id)
	k.waitPage("/" + id + "/")
	dir := k.shown().Dir
	download := func(path string) {
		onUI(func() { k.sh.browser.clearNotice() })
		if _, err := k.eval(`location.href = ` + jsString("http://"+addr+"/"+id+"/"+path) + `; true`); err != nil {
			t.Fatal(err)
		}
	}
	waitNotice := func(what string, want ...string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			n := k.notice()
			for _, w := range want {
				if strings.Contains(n, w) {
					return n
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: notice %q, want one of %q", what, n, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	kept := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "downloads", "*"))
		return m
	}

	// The main loop's longest gap while the hostile PDF is checked.
	var worst time.Duration
	last := time.Now()
	var tick glib.SourceHandle
	onUI(func() {
		tick = glib.TimeoutAdd(10, func() bool {
			if gap := time.Since(last); gap > worst {
				worst = gap
			}
			last = time.Now()
			return true
		})
	})
	download("deep.pdf?mb=48")
	waitChecker(t)
	// A tap during the check is answered: the display settings open.
	k.tap("comfort")
	k.waitButton("contrast")
	notice := waitNotice("hostile PDF", "n'a pas pu être vérifié", "Seuls les documents PDF")
	onUI(func() { glib.SourceRemove(tick) })
	t.Logf("hostile 48 MB PDF: worst main-loop gap %v; resident told %q", worst, notice)
	k.tap("dialog-close")

	for _, tc := range []struct{ path, want string }{
		{"flood.pdf?mb=120", "trop gros"},
		{"flood.pdf?mb=120&announce=1", "trop gros"},
		{"disguised.pdf", "Seuls les documents PDF"},
	} {
		download(tc.path)
		waitNotice(tc.path, tc.want)
		if got := kept(); len(got) != 0 {
			t.Fatalf("%s: kept %v", tc.path, got)
		}
	}
	if got := kept(); len(got) != 0 {
		t.Fatalf("kept %v", got)
	}
}

// waitChecker waits until a PDF checker process runs.
func waitChecker(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if err == nil && strings.Contains(string(env), "BORNE_DOWNLOADS_CHECK=") && e.Name() != fmt.Sprint(os.Getpid()) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no PDF checker process started")
}
