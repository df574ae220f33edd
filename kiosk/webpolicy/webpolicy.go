// Package webpolicy decides where the embedded browser may go: only to the
// current service's allowed domains, over HTTPS (plain HTTP only on this
// machine, for the simulated lobby), and never through file:, data:,
// javascript:, view-source:, mailto:, tel: or any other scheme.
package webpolicy

import (
	"net"
	"net/url"
	"strings"

	"borne/kiosk/config"
)

// Verdict is the answer for one URL; Code says why it was refused.
type Verdict struct {
	Allow bool
	Code  string // "", "scheme", "domain", "insecure", "malformed"
}

var allowed = Verdict{Allow: true}

// Navigate decides a navigation (top level, frame or pop-up) for a service.
func Navigate(raw string, svc *config.Service) Verdict {
	switch raw {
	case "about:blank", "about:srcdoc": // empty frames pages create themselves
		return allowed
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return Verdict{Code: "malformed"}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return host(u, svc)
	case "http":
		if !isLoopback(u.Hostname()) {
			return Verdict{Code: "insecure"}
		}
		return host(u, svc)
	case "blob":
		// blob:https://site/uuid belongs to the page that made it.
		return Navigate(u.Opaque, svc)
	}
	return Verdict{Code: "scheme"}
}

func host(u *url.URL, svc *config.Service) Verdict {
	if u.Host == "" {
		return Verdict{Code: "malformed"}
	}
	if u.User != nil { // https://caf.fr@evil.example/ tricks people, never sites
		return Verdict{Code: "malformed"}
	}
	if svc == nil || !svc.Allows(u.Host) {
		return Verdict{Code: "domain"}
	}
	return allowed
}

func isLoopback(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Host returns a URL's host for messages and logs: never its path or query,
// which can carry personal data.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
