// Package lobby runs the simulated lobby: everything the kiosk talks to,
// on this machine, so Borne runs and is tested without hardware or network.
package lobby

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"borne/kiosk/config"
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

// Serve runs the lobby's services until ctx ends.
func Serve(ctx context.Context, cfg *config.Config, addr string, log *slog.Logger) error {
	sites := Sites(cfg, addr)
	if len(sites) == 0 {
		return fmt.Errorf("lobby: no service of the config points at %s", addr)
	}
	log.Info("lobby: demo public service", "url", "http://"+addr+"/", "sites", len(sites))
	return demosite.New(sites, log).Serve(ctx, addr)
}
