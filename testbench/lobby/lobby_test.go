package lobby

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/internal/escpos"
	"borne/kiosk/config"
	"borne/kiosk/pincode"
)

func startLobby(t *testing.T, runDir string) *Lobby {
	t.Helper()
	if _, err := os.Stat(escpos.DefaultCellFont); err != nil {
		t.Skip("fonts-dejavu-core is needed")
	}
	l, err := Start(context.Background(), Options{RunDir: runDir, PagesDir: t.TempDir(), Log: quiet}) // no pages: SANEConfig has its own test
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	if l.PrinterURI == "" || l.Receipt == "" {
		t.Skip("the lobby's printers did not start (cups-ipp-utils, dbus, avahi-daemon?)")
	}
	return l
}

// The config a lobby writes points at that lobby alone: nothing of the
// built-in config's fixed ports and paths is left, and the kiosk's
// staff screens open with DemoStaffPIN.
func TestKioskConfig(t *testing.T) {
	l := startLobby(t, filepath.Join(t.TempDir(), "run"))
	path := filepath.Join(l.Dir, "kiosk.toml")
	if err := l.WriteKioskConfig(path); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(path)
	for _, fixed := range []string{DemoAddr, IPPAddr, ReceiptDevice, `listen = "127.0.0.1:9750"`, `state_dir = ""`} {
		if strings.Contains(string(text), fixed) {
			t.Errorf("the lobby's kiosk config still names %s", fixed)
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := pincode.Verify(cfg.Staff.PINHash, DemoStaffPIN); !ok || err != nil {
		t.Errorf("the written PIN hash does not take %s: %v", DemoStaffPIN, err)
	}
	if ok, _ := pincode.Verify(cfg.Staff.PINHash, "000000"); ok {
		t.Error("the written PIN hash takes any PIN")
	}
	abs, _ := filepath.Abs(l.Dir)
	if cfg.Printer.URI != l.PrinterURI || !strings.HasPrefix(cfg.Receipt.Device, abs) || cfg.Metrics.Listen != l.MetricsAddr ||
		!strings.HasPrefix(cfg.Kiosk.StateDir, abs) || cfg.Session.Dir != l.SessionsDir {
		t.Errorf("config names printer %q, receipt %q, metrics %q, state %q, sessions %q; lobby %+v",
			cfg.Printer.URI, cfg.Receipt.Device, cfg.Metrics.Listen, cfg.Kiosk.StateDir, cfg.Session.Dir, l)
	}
	if len(cfg.Services) != len(config.Default().Services) {
		t.Error("services lost")
	}
	for _, svc := range cfg.Services {
		if !strings.HasPrefix(svc.StartURL, "http://"+l.DemoAddr+"/") {
			t.Errorf("service %s starts at %s, the lobby's demo site is %s", svc.ID, svc.StartURL, l.DemoAddr)
		}
	}
}

// Two lobbies given the same run directory: the second takes another, and
// each prints its tickets and A4 jobs on its own printers, through the
// config it wrote.
func TestTwoLobbies(t *testing.T) {
	tmp := t.TempDir()
	for _, d := range []string{tmp, filepath.Dir(tmp)} { // the test's own, made 0700: let CUPS's filters (lp) through
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	run := filepath.Join(tmp, "run")
	lobbies := []*Lobby{startLobby(t, run), startLobby(t, run)}
	if lobbies[0].Dir != run || lobbies[1].Dir != run+"-2" {
		t.Fatalf("run directories %s and %s", lobbies[0].Dir, lobbies[1].Dir)
	}
	seen := map[string]bool{}
	for i, l := range lobbies {
		for _, v := range []string{l.DemoAddr, l.PrinterURI, l.Receipt, l.MetricsAddr, l.SessionsDir} {
			if seen[v] {
				t.Errorf("lobby %d shares %s", i+1, v)
			}
			seen[v] = true
		}
	}
	ctx := context.Background()
	for i, l := range lobbies {
		text, err := l.KioskConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Parse(text, "kiosk.toml")
		if err != nil {
			t.Fatal(err)
		}
		opt, ok := receipt.ConfigOptions(cfg.Receipt, quiet)
		if !ok {
			t.Fatal("no ticket printer in the lobby's config")
		}
		var doc receipt.Doc
		doc.Text("Borne n°"+string(rune('1'+i)), receipt.Style{})
		if err := receipt.New(opt).Print(ctx, &doc); err != nil {
			t.Fatalf("lobby %d: ticket: %v", i+1, err)
		}
		a4, err := printer.Open(cfg.Printer.URI, printer.Options{Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := a4.Status(ctx); err != nil || !st.Ready() {
			t.Errorf("lobby %d: A4 printer %+v, %v", i+1, st, err)
		}
		if _, err := exec.LookPath("cupsd"); err == nil && !strings.Contains(cfg.Printer.URI, "/printers/"+QueueName) {
			t.Errorf("lobby %d: the kiosk prints to %s, not through CUPS", i+1, cfg.Printer.URI)
		}
	}
	for i, l := range lobbies {
		if got := waitFiles(t, filepath.Join(l.Dir, "tickets", "ticket-*.png"), 1); len(got) != 1 {
			t.Errorf("lobby %d: tickets %v", i+1, got)
		}
	}
	// Stopped, a lobby frees its run directory for the next one.
	lobbies[0].Stop()
	if _, err := os.Stat(filepath.Dir(lobbies[0].SessionsDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sessions directory left: %v", err)
	}
	if again := startLobby(t, run); again.Dir != run {
		t.Errorf("after the first stopped, a new lobby runs in %s", again.Dir)
	}
}

// waitFiles waits until pattern matches want files, for up to 10 s.
func waitFiles(t *testing.T, pattern string, want int) []string {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, _ = filepath.Glob(pattern); len(got) >= want {
			break
		}
	}
	return got
}

// A lobby serves its eSCL scanner to libsane through sane-airscan, declared
// statically, and its kiosk config names it when asked to.
func TestESCLScanner(t *testing.T) {
	l, err := Start(context.Background(), Options{RunDir: filepath.Join(t.TempDir(), "run"), PagesDir: t.TempDir(), ESCL: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	if l.ESCL == nil {
		t.Fatal("no eSCL scanner")
	}
	resp, err := http.Get(l.ESCLURL + "/ScannerStatus")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<scan:AdfState>ScannerAdfLoaded</scan:AdfState>") {
		t.Errorf("ScannerStatus: %d %s, want the feeder loaded", resp.StatusCode, body)
	}
	conf, _ := os.ReadFile(filepath.Join(l.Dir, "sane", "sane.d", "airscan.conf"))
	if want := `"Borne eSCL" = ` + l.ESCLURL + ", eSCL\n"; !strings.Contains(string(conf), want) || !strings.Contains(string(conf), "discovery = disable") {
		t.Errorf("airscan.conf:\n%s\nwant %q and discovery off", conf, want)
	}
	text, err := l.KioskConfig()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("device = %q", ESCLDevice); !strings.Contains(string(text), want) {
		t.Errorf("the kiosk config does not say %s", want)
	}
}
