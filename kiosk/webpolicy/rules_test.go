package webpolicy

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"borne/kiosk/config"
)

// blocked plays WebKit's content-blocker rules for one request: the last
// rule that matches decides, an "ignore-previous-rules" undoing the blocks
// before it. Go's regexp reads the filters' subset the same way.
func blocked(t *testing.T, rules, url, kind string) bool {
	t.Helper()
	var rs []struct {
		Trigger struct {
			URLFilter     string   `json:"url-filter"`
			ResourceTypes []string `json:"resource-type"`
		} `json:"trigger"`
		Action struct{ Type string } `json:"action"`
	}
	if err := json.Unmarshal([]byte(rules), &rs); err != nil {
		t.Fatalf("rules are not JSON: %v", err)
	}
	block := false
	for _, r := range rs {
		re, err := regexp.Compile("(?i)" + r.Trigger.URLFilter)
		if err != nil {
			t.Fatalf("filter %q: %v", r.Trigger.URLFilter, err)
		}
		if !re.MatchString(url) || len(r.Trigger.ResourceTypes) > 0 && !slices.Contains(r.Trigger.ResourceTypes, kind) {
			continue
		}
		block = r.Action.Type == "block"
	}
	return block
}

func TestContentRules(t *testing.T) {
	svc := &config.Service{
		AllowedDomains:  []string{"caf.fr", "*.caf.fr", "127.0.0.1:8765"},
		ResourceDomains: []string{"*.cdn-caf.fr"},
	}
	rules := ContentRules(svc)
	tests := []struct {
		url, kind string
		block     bool
	}{
		{"https://caf.fr/", "image", false},
		{"https://www.caf.fr/mon-compte?x=1", "script", false},
		{"wss://www.caf.fr/socket", "websocket", false},
		{"https://static.cdn-caf.fr/app.js", "script", false},
		{"http://127.0.0.1:8765/caf/logo.png", "image", false},
		{"data:image/png;base64,AAAA", "image", false},
		{"blob:https://www.caf.fr/1234", "media", false},

		{"https://evil.example/x.gif", "image", true},
		{"https://caf.fr.evil.example/", "fetch", true},
		{"https://evilcaf.fr/", "fetch", true},
		{"https://caf.fr:8443/", "fetch", true},
		{"https://user@evil.example/.caf.fr/", "fetch", true},
		{"http://www.caf.fr/", "image", true}, // plain HTTP off this machine
		{"https://cdn-caf.fr/", "script", true},
		{"http://127.0.0.1:631/printers", "fetch", true}, // the printer's pages
		{"http://127.0.0.1:9464/metrics", "fetch", true}, // the metrics port
		{"http://192.168.1.20/", "image", true},          // the lobby's network
		{"http://169.254.169.254/latest", "fetch", true}, // link-local
		{"http://localhost:8765/caf/", "fetch", true},    // another name for an allowed host
		{"https://www.caf.fr/track", "ping", true},       // hyperlink auditing, even at home
	}
	for _, tc := range tests {
		if got := blocked(t, rules, tc.url, tc.kind); got != tc.block {
			t.Errorf("%s (%s): blocked %v, want %v", tc.url, tc.kind, got, tc.block)
		}
	}
}
