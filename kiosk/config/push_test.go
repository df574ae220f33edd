package config

import (
	"strings"
	"testing"
	"time"
)

func TestUsagePush(t *testing.T) {
	const at = "retention_months = 13"
	good := edit(t, at, at+`
[usage.push]
url = "https://stats.example.org/borne"
every = "30m"
proxy = "http://proxy.site.local:3128"
ca_file = "/etc/borne/collector-ca.pem"`)
	c, err := Parse([]byte(good), "borne.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Usage.Push; p.URL != "https://stats.example.org/borne" || p.Every.Duration != 30*time.Minute || !strings.HasSuffix(c.PushKeyPath(), "/push.key") {
		t.Errorf("parsed %+v, key %s", p, c.PushKeyPath())
	}
	if Default().Usage.Push.URL != "" {
		t.Error("the default pushes: push must be off unless configured")
	}
	for _, tc := range []struct{ name, body, field, want string }{
		{"plain http", `url = "http://stats.example.org"`, "usage.push.url", "not an https://"},
		{"credentials in url", `url = "https://k1:secret@stats.example.org"`, "usage.push.url", "no user"},
		{"too often", `every = "10s"`, "usage.push.every", "out of range"},
		{"relative key", `key_file = "push.key"`, "usage.push.key_file", "not an absolute path"},
		{"bad proxy", `proxy = "socks5://x:1"`, "usage.push.proxy", "not a proxy address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, edit(t, at, at+"\n[usage.push]\n"+tc.body))
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("errors %v, want one on %s saying %q", errs, tc.field, tc.want)
			}
		})
	}
}
