// Package lobby runs the simulated lobby: everything the kiosk talks to,
// on this machine, so Borne runs and is tested without hardware or network.
//
// A lobby owns one run directory, locked while it runs, and keeps every
// file there; every port it serves is chosen free. The kiosk config it
// writes names those, so two lobbies (two `make run`s, or one beside
// `make test`) never meet.
package lobby

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"borne/kiosk/atomicfile"
	"borne/kiosk/config"
	"borne/kiosk/pincode"
	"borne/kiosk/session"
	"borne/testbench/demosite"
	"borne/testbench/escl"
)

// DemoAddr is where the built-in config expects the demo public service;
// a lobby serves it on a free port and writes that into the kiosk config.
const DemoAddr = "127.0.0.1:8765"

// Sites derives the demo sites from the catalogue entries served by the
// demo address, so the site enforces the same limits the kiosk shows.
func Sites(cfg *config.Config, addr string) []demosite.Site {
	var sites []demosite.Site
	for _, svc := range cfg.Services {
		u, err := url.Parse(svc.StartURL)
		if err != nil || u.Host != addr {
			continue
		}
		sites = append(sites, demosite.Site{ID: svc.ID, Name: svc.NameIn("fr"), Limit: int64(svc.UploadLimit), Accept: svc.Accept})
	}
	return sites
}

// Options configures a lobby.
type Options struct {
	// RunDir is where the lobby keeps its files. When another lobby holds
	// it, the first free RunDir-2, RunDir-3… is taken instead.
	RunDir string
	// PagesDir holds the sample pages the simulated scanner serves.
	PagesDir string
	// Catalogue is the config whose services pointing at DemoAddr the demo
	// site serves; nil: the built-in one.
	Catalogue *config.Config
	// DemoAddr is where the demo site listens; default a free loopback port.
	DemoAddr string
	// ShowPrints keeps every A4 job in RunDir/printer, the simulated
	// printer's output tray, until the lobby stops (make run); otherwise
	// the printer keeps no job file.
	ShowPrints bool
	// ESCL makes the kiosk config name the network scanner (ESCLDevice,
	// through sane-airscan) instead of the pnm backend's "pnm:0".
	ESCL bool
	Log  *slog.Logger
}

// Lobby is a running simulated lobby.
type Lobby struct {
	Dir         string   // the run directory, locked while the lobby runs
	DemoAddr    string   // where the demo public service answers
	PrinterURI  string   // the A4 printer the kiosk uses, a CUPS queue when cupsd runs; "" when none started
	Receipt     string   // the ticket printer's device (a link to a pseudo-terminal); "" when none
	MetricsAddr string   // a free loopback port for the kiosk's metrics
	SessionsDir string   // where the lobby's kiosk keeps its visits' directories
	Env         []string // for the kiosk: where libsane finds the simulated scanners
	// ESCL is the network scanner (ESCLDevice through sane-airscan) at
	// ESCLURL; nil when it did not start. Its feeder holds 3 sheets.
	ESCL    *escl.Scanner
	ESCLURL string

	kioskScanner string // the scanner the kiosk config names

	served chan error
	stops  []func() error
	unlock func()
	log    *slog.Logger
}

// Start starts a lobby: the demo public service, then the devices. A
// device that cannot start is reported and left out: the kiosk then says
// plainly that it is unavailable. Stop it with Stop.
func Start(ctx context.Context, opt Options) (*Lobby, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Catalogue == nil {
		opt.Catalogue = config.Default()
	}
	if opt.DemoAddr == "" {
		opt.DemoAddr = "127.0.0.1:0"
	}
	sites := Sites(opt.Catalogue, DemoAddr)
	if len(sites) == 0 {
		return nil, fmt.Errorf("lobby: no service of the config points at %s", DemoAddr)
	}
	dir, unlock, err := lockRunDir(opt.RunDir)
	if err != nil {
		return nil, err
	}
	l := &Lobby{Dir: dir, unlock: unlock, served: make(chan error, 1), log: opt.Log, kioskScanner: "pnm:0"}
	if dir != opt.RunDir {
		opt.Log.Warn("lobby: another lobby runs in "+opt.RunDir+": this one runs in "+dir, "dir", dir)
	}
	ln, err := net.Listen("tcp", opt.DemoAddr)
	if err != nil {
		l.Stop()
		return nil, fmt.Errorf("lobby: demo public service: %w", err)
	}
	l.DemoAddr = ln.Addr().String()
	srvCtx, stopSrv := context.WithCancel(ctx)
	go func() { l.served <- demosite.New(sites, opt.Log).ServeOn(srvCtx, ln) }()
	l.stops = append(l.stops, func() error { stopSrv(); return nil })
	opt.Log.Info("lobby: demo public service", "url", "http://"+l.DemoAddr+"/", "sites", len(sites))

	if l.MetricsAddr, err = freeAddr(); err != nil {
		l.Stop()
		return nil, err
	}
	if l.SessionsDir, err = sessionsDir(dir); err != nil {
		l.Stop()
		return nil, err
	}
	l.startDevices(ctx, opt)
	return l, nil
}

// startDevices starts SANE's pnm backend serving the sample pages and the
// eSCL scanner serving them too (through sane-airscan), the A4
// printer (jobs in Dir/printer/jobs when shown) behind a CUPS queue (in
// Dir/cups) and the virtual ticket printer
// (tickets as PNG in Dir/tickets, its device the link Dir/receipt).
func (l *Lobby) startDevices(ctx context.Context, opt Options) {
	log := opt.Log
	pages, _ := filepath.Glob(filepath.Join(opt.PagesDir, "*.[jp][pn]g"))
	saneDir := filepath.Join(l.Dir, "sane")
	if env, err := SANEConfig(saneDir, pages); err != nil {
		log.Warn("lobby: no simulated scanner", "err", err)
	} else {
		l.Env = env
		log.Info("lobby: scanner (SANE pnm backend)", "pages", len(pages))
		if err := l.startESCL(ctx, saneDir, pages); err != nil {
			log.Warn("lobby: no eSCL scanner", "err", err)
		} else {
			log.Info("lobby: network scanner (eSCL through sane-airscan)", "device", ESCLDevice, "url", l.ESCLURL)
			if opt.ESCL {
				l.kioskScanner = ESCLDevice
			}
		}
	}
	if p, err := StartIPPPrinter(ctx, filepath.Join(l.Dir, "printer"), IPPOptions{KeepJobs: opt.ShowPrints}, log); err != nil {
		log.Warn("lobby: no A4 printer", "err", err)
	} else {
		l.stops = append(l.stops, p.Stop)
		l.PrinterURI = p.URI
		// The kiosk prints through a CUPS queue, as in most lobbies; without
		// CUPS, straight to the printer.
		if c, err := StartCUPS(ctx, filepath.Join(l.Dir, "cups"), p.URI, log); err != nil {
			log.Warn("lobby: no CUPS queue: the kiosk prints straight to the printer", "err", err)
		} else {
			l.stops = append(l.stops, c.Stop)
			l.PrinterURI = c.QueueURI
		}
	}
	if r, err := StartReceiptPrinter(ctx, filepath.Join(l.Dir, "receipt"), filepath.Join(l.Dir, "tickets"), log); err != nil {
		log.Warn("lobby: no ticket printer", "err", err)
	} else {
		l.stops = append(l.stops, r.Stop)
		l.Receipt = r.Device
	}
}

// startESCL serves the eSCL scanner on a free loopback port and adds it to
// the SANE configuration in saneDir.
func (l *Lobby) startESCL(ctx context.Context, saneDir string, pages []string) error {
	s, err := escl.New(pages, l.log)
	if err != nil {
		return err
	}
	s.SetFeeder(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("lobby: eSCL scanner: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/eSCL"
	if err := AddESCL(saneDir, url); err != nil {
		ln.Close()
		return err
	}
	srvCtx, stop := context.WithCancel(ctx)
	go func() {
		if err := s.Serve(srvCtx, ln); err != nil {
			l.log.Warn("lobby: eSCL scanner stopped", "err", err)
		}
	}()
	l.stops = append(l.stops, func() error { stop(); return nil })
	l.ESCL, l.ESCLURL = s, url
	return nil
}

// Done delivers the demo site's end: nil or ctx's error when it was
// stopped, the reason when it failed.
func (l *Lobby) Done() <-chan error { return l.served }

// Stop ends the devices and the demo site, removes the visits' directory
// and releases the run directory.
func (l *Lobby) Stop() {
	for i := len(l.stops) - 1; i >= 0; i-- {
		_ = l.stops[i]()
	}
	l.stops = nil
	if l.SessionsDir != "" {
		os.RemoveAll(filepath.Dir(l.SessionsDir))
	}
	if l.unlock != nil {
		l.unlock()
		l.unlock = nil
	}
}

// lockRunDir creates and locks dir, or the first free dir-N beside it.
// The lock dies with the process, so a killed lobby leaves none behind.
func lockRunDir(dir string) (string, func(), error) {
	if dir == "" {
		return "", nil, errors.New("lobby: no run directory")
	}
	for n := 1; n <= 20; n++ {
		try := dir
		if n > 1 {
			try = fmt.Sprintf("%s-%d", dir, n)
		}
		if err := os.MkdirAll(try, 0o755); err != nil {
			return "", nil, fmt.Errorf("lobby: run directory: %w", err)
		}
		unlock, err := tryLock(filepath.Join(try, "lobby.lock"))
		if errors.Is(err, syscall.EWOULDBLOCK) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("lobby: run directory %s: %w", try, err)
		}
		return try, unlock, nil
	}
	return "", nil, fmt.Errorf("lobby: 20 lobbies already run in %s-N", dir)
}

// sessionsDir is a tmpfs directory (when there is one) of this lobby's own,
// named after its run directory so that a lobby started again in the same
// place finds the visits a crash left behind.
func sessionsDir(runDir string) (string, error) {
	abs, err := filepath.Abs(runDir)
	if err != nil {
		return "", fmt.Errorf("lobby: sessions: %w", err)
	}
	root, tmpfs := session.DefaultRoot()
	base := filepath.Dir(root)
	if !tmpfs {
		base = abs
	}
	sum := sha256.Sum256([]byte(abs))
	dir := filepath.Join(base, fmt.Sprintf("lobby-%x", sum[:6]), "sessions")
	if err := session.PrepareRoot(dir); err != nil {
		return "", fmt.Errorf("lobby: sessions: %w", err)
	}
	return dir, nil
}

// DemoStaffPIN opens the maintenance screens of the kiosk `make run` starts
// (tap the top-left corner of the welcome screen five times). A real kiosk's
// PIN is set at enrolment; this one is public.
const DemoStaffPIN = "360514"

// KioskConfig is the built-in configuration pointed at this lobby: its demo
// site, printers, metrics port, state and sessions directories, with
// DemoStaffPIN set so that its kiosk shows its staff side too. A device
// that did not start is left out.
func (l *Lobby) KioskConfig() ([]byte, error) {
	hash, err := pincode.Hash(DemoStaffPIN)
	if err != nil {
		return nil, fmt.Errorf("lobby: kiosk config: %w", err)
	}
	state, err := filepath.Abs(filepath.Join(l.Dir, "state"))
	if err != nil {
		return nil, fmt.Errorf("lobby: kiosk config: %w", err)
	}
	receipt := "# device = (no ticket printer started)"
	if l.Receipt != "" {
		abs, err := filepath.Abs(l.Receipt)
		if err != nil {
			return nil, fmt.Errorf("lobby: kiosk config: %w", err)
		}
		receipt = fmt.Sprintf("device = %q", abs)
	}
	printerURI := "# uri = (no A4 printer started)"
	if l.PrinterURI != "" {
		printerURI = fmt.Sprintf("uri = %q", l.PrinterURI)
	}
	text := string(config.DefaultTOML())
	for _, r := range []struct{ old, new string }{
		{`# pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$…"`, fmt.Sprintf("pin_hash = %q", hash)},
		{`state_dir = ""`, fmt.Sprintf("state_dir = %q", state)},
		{`# dir = "/run/borne/sessions"`, fmt.Sprintf("dir = %q", l.SessionsDir)},
		{`uri = "ipp://` + IPPAddr + `/ipp/print"`, printerURI},
		{`device = "` + ReceiptDevice + `"`, receipt},
		{`listen = "127.0.0.1:9750"`, fmt.Sprintf("listen = %q", l.MetricsAddr)},
		{`device = "pnm:0"`, fmt.Sprintf("device = %q", l.kioskScanner)},
		{`"http://` + DemoAddr + `/`, `"http://` + l.DemoAddr + `/`},
		{`["` + DemoAddr + `"]`, `["` + l.DemoAddr + `"]`},
	} {
		if !strings.Contains(text, r.old) {
			return nil, fmt.Errorf("lobby: kiosk config: the built-in config has no %s to replace", r.old)
		}
		text = strings.ReplaceAll(text, r.old, r.new)
	}
	if _, err := config.Parse([]byte(text), "lobby kiosk config"); err != nil {
		return nil, fmt.Errorf("lobby: kiosk config: %w", err)
	}
	return []byte(text), nil
}

// WriteKioskConfig writes KioskConfig to path.
func (l *Lobby) WriteKioskConfig(path string) error {
	text, err := l.KioskConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("lobby: kiosk config: %w", err)
	}
	return atomicfile.WriteFile(path, text, 0o644)
}

func freeAddr() (string, error) {
	port, err := freePort("127.0.0.1")
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", port), nil
}
