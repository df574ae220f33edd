// Package lobby runs the simulated lobby: everything the kiosk talks to,
// on this machine, so Borne runs and is tested without hardware or network.
package lobby

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"borne/kiosk/atomicfile"
	"borne/kiosk/config"
	"borne/kiosk/pincode"
	"borne/testbench/demosite"
)

// DemoAddr is where the built-in config expects the demo public service.
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

// Serve runs the demo public service until ctx ends.
func Serve(ctx context.Context, cfg *config.Config, addr string, log *slog.Logger) error {
	sites := Sites(cfg, addr)
	if len(sites) == 0 {
		return fmt.Errorf("lobby: no service of the config points at %s", addr)
	}
	log.Info("lobby: demo public service", "url", "http://"+addr+"/", "sites", len(sites))
	return demosite.New(sites, log).Serve(ctx, addr)
}

// Devices are the lobby's simulated devices: the scanner's pages, the A4
// printer, the ticket printer.
type Devices struct {
	Env   []string // for the kiosk: where libsane finds the simulated scanner
	stops []func() error
}

// StartDevices starts the simulated devices under runDir: SANE's pnm backend
// serving the sample pages of pagesDir, CUPS's ippeveprinter (jobs in
// runDir/printer) and the virtual ticket printer (tickets as PNG in
// runDir/tickets). A device that cannot start is reported and left out: the
// kiosk then says plainly that it is unavailable.
func StartDevices(ctx context.Context, runDir, pagesDir string, log *slog.Logger) *Devices {
	d := &Devices{}
	pages, _ := filepath.Glob(filepath.Join(pagesDir, "*.[jp][pn]g"))
	if env, err := SANEConfig(filepath.Join(runDir, "sane"), pages); err != nil {
		log.Warn("lobby: no simulated scanner", "err", err)
	} else {
		d.Env = env
		log.Info("lobby: scanner (SANE pnm backend)", "pages", len(pages))
	}
	if p, err := StartIPPPrinter(ctx, filepath.Join(runDir, "printer"), IPPOptions{}, log); err != nil {
		log.Warn("lobby: no A4 printer", "err", err)
	} else {
		d.stops = append(d.stops, p.Stop)
		log.Info("lobby: A4 printer (ippeveprinter)", "uri", p.URI, "jobs", p.SpoolDir)
	}
	if r, err := StartReceiptPrinter(ctx, ReceiptDevice, filepath.Join(runDir, "tickets"), log); err != nil {
		log.Warn("lobby: no ticket printer", "err", err)
	} else {
		d.stops = append(d.stops, r.Stop)
	}
	return d
}

// Stop ends the devices.
func (d *Devices) Stop() {
	for _, stop := range d.stops {
		_ = stop()
	}
}

// DemoStaffPIN opens the maintenance screens of the kiosk `make run` starts
// (tap the top-left corner of the welcome screen five times). A real kiosk's
// PIN is set at enrolment; this one is public.
const DemoStaffPIN = "360514"

// WriteKioskConfig writes the built-in configuration with DemoStaffPIN set,
// so that the simulated lobby's kiosk shows its staff side too.
func WriteKioskConfig(path string) error {
	hash, err := pincode.Hash(DemoStaffPIN)
	if err != nil {
		return fmt.Errorf("lobby: kiosk config: %w", err)
	}
	const placeholder = `# pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$…"`
	text := string(config.DefaultTOML())
	if !strings.Contains(text, placeholder) {
		return errors.New("lobby: kiosk config: the built-in config has no pin_hash line to fill")
	}
	text = strings.Replace(text, placeholder, fmt.Sprintf("pin_hash = %q", hash), 1)
	if _, err := config.Parse([]byte(text), path); err != nil {
		return fmt.Errorf("lobby: kiosk config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("lobby: kiosk config: %w", err)
	}
	return atomicfile.WriteFile(path, []byte(text), 0o644)
}
