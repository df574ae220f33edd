package config

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"borne/kiosk/i18n"
)

// Allows tells whether the service's web view may open host, which may carry
// a port ("www.caf.fr", "127.0.0.1:8765"). Patterns match as follows:
//   - "caf.fr" matches caf.fr only, not its subdomains;
//   - "*.caf.fr" matches any subdomain (www.caf.fr, a.b.caf.fr) but not caf.fr
//     itself: list both when both are needed;
//   - a pattern with a port ("127.0.0.1:8765") matches that port only; one
//     without a port matches hosts without a port or with 80 or 443.
//
// Comparison ignores case and a trailing dot.
func (s *Service) Allows(host string) bool {
	h, port := splitHostPort(strings.ToLower(host))
	h = strings.TrimSuffix(h, ".")
	for _, pattern := range s.AllowedDomains {
		ph, pport := splitHostPort(strings.ToLower(pattern))
		switch {
		case pport != "" && port != pport:
			continue
		case pport == "" && port != "" && port != "80" && port != "443":
			continue
		}
		if rest, ok := strings.CutPrefix(ph, "*."); ok {
			if strings.HasSuffix(h, "."+rest) {
				return true
			}
		} else if h == ph {
			return true
		}
	}
	return false
}

// splitHostPort splits "host:port"; port is "" when there is none.
func splitHostPort(s string) (host, port string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || i == len(s)-1 || strings.Trim(s[i+1:], "0123456789") != "" {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// NameIn is the service's name in lang, or in French when it has none.
func (s *Service) NameIn(lang string) string { return textIn(s.Name, lang) }

// SummaryIn is the service's summary in lang, or in French when it has none.
func (s *Service) SummaryIn(lang string) string { return textIn(s.Summary, lang) }

// TextIn is the step's text in lang, or in French when it has none.
func (n *NextStep) TextIn(lang string) string { return textIn(n.Text, lang) }

func textIn(m map[string]string, lang string) string {
	if t := m[lang]; t != "" {
		return t
	}
	return m[i18n.Source]
}

// Service finds a service by id.
func (c *Config) Service(id string) (*Service, bool) {
	for i := range c.Services {
		if c.Services[i].ID == id {
			return &c.Services[i], true
		}
	}
	return nil, false
}

// locations caches loaded time zones: Location is called for every ticket.
var locations sync.Map // name → *time.Location

// Location is the kiosk's time zone; UTC if it does not load (a Config that
// went through Parse always loads).
func (c *Config) Location() *time.Location {
	if l, ok := locations.Load(c.Kiosk.TimeZone); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(c.Kiosk.TimeZone)
	if err != nil {
		return time.UTC
	}
	locations.Store(c.Kiosk.TimeZone, l)
	return l
}

// StateDirPath is where the kiosk keeps its state. An empty state_dir (the
// built-in default) means $XDG_STATE_HOME/borne, else ~/.local/state/borne,
// so a developer's `make run` needs no root; production sets /var/lib/borne.
func (c *Config) StateDirPath() string {
	if c.Kiosk.StateDir != "" {
		return c.Kiosk.StateDir
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "borne")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "borne")
	}
	return filepath.Join(os.TempDir(), "borne-state") // no home: a system user without one
}

// UsageDBPath is the usage store's file.
func (c *Config) UsageDBPath() string {
	if c.Usage.DB != "" {
		return c.Usage.DB
	}
	return filepath.Join(c.StateDirPath(), "usage.db")
}

// MinTargetMM is the smallest side of a touch target.
const MinTargetMM = 9.0

// MinTargetPx is the smallest side of a touch target in pixels at the
// screen's DPI.
func (c *Config) MinTargetPx() int {
	return int(math.Ceil(MinTargetMM / 25.4 * float64(c.Screen.DPI)))
}
