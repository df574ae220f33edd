package webpolicy

import (
	"encoding/json"
	"net"
	"strings"

	"borne/kiosk/config"
)

// ContentRules is the sub-resource policy of a service in WebKit's
// content-blocker format, enforced by WebKit itself on every request a page
// makes (image, script, style sheet, font, XHR, fetch, web socket,
// EventSource, beacon, media, frame): everything is blocked except the
// service's allowed_domains and resource_domains. So loopback, link-local and
// private addresses (printer pages, the IPP and metrics ports) are refused
// unless the config names them. Encrypted schemes only, except on this
// machine (the simulated lobby).
func ContentRules(svc *config.Service) string {
	type trigger struct {
		URLFilter     string   `json:"url-filter"`
		ResourceTypes []string `json:"resource-type,omitempty"`
	}
	type action struct {
		Type string `json:"type"`
	}
	type rule struct {
		Trigger trigger `json:"trigger"`
		Action  action  `json:"action"`
	}
	rules := []rule{{trigger{URLFilter: ".*"}, action{"block"}}}
	allow := func(filter string) {
		rules = append(rules, rule{trigger{URLFilter: filter}, action{"ignore-previous-rules"}})
	}
	// What the page makes itself never leaves the machine.
	allow("^data:")
	allow("^blob:")
	for _, pattern := range append(append([]string(nil), svc.AllowedDomains...), svc.ResourceDomains...) {
		host, port := splitHostPort(strings.ToLower(strings.TrimSuffix(pattern, ".")))
		re := ""
		if rest, ok := strings.CutPrefix(host, "*."); ok {
			re = `[^/:@]+\.` + quote(rest)
		} else {
			re = quote(host)
		}
		if port != "" {
			re += ":" + port
		}
		// WebKit drops default ports from the URLs it checks, so a pattern
		// without a port stands for the scheme's own port only.
		allow("^https://" + re + "/")
		allow("^wss://" + re + "/")
		if isLoopback(host) {
			allow("^http://" + re + "/")
			allow("^ws://" + re + "/")
		}
	}
	// Hyperlink auditing (<a ping>) tells a site which links a resident
	// tapped, even towards allowed hosts: never.
	rules = append(rules, rule{trigger{URLFilter: ".*", ResourceTypes: []string{"ping"}}, action{"block"}})
	out, _ := json.Marshal(rules) // plain strings: cannot fail
	return string(out)
}

// quote escapes a host name for a content-blocker regular expression: the
// config allows only letters, digits, '-' and '.' there.
func quote(host string) string { return strings.ReplaceAll(host, ".", `\.`) }

func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return s, ""
}
