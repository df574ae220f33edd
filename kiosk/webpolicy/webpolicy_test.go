package webpolicy

import (
	"testing"

	"borne/kiosk/config"
)

func TestNavigate(t *testing.T) {
	caf := &config.Service{ID: "caf", AllowedDomains: []string{"caf.fr", "*.caf.fr", "127.0.0.1:8765"}}
	tests := []struct {
		url  string
		want string // "" allowed, else the refusal code
	}{
		{"https://caf.fr/", ""},
		{"https://www.caf.fr/allocataires/mon-compte?x=1", ""},
		{"http://127.0.0.1:8765/caf/form", ""},
		{"http://www.caf.fr/", "insecure"},
		{"https://caf.fr.evil.example/", "domain"},
		{"https://evilcaf.fr/", "domain"},
		{"https://caf.fr@evil.example/", "malformed"},
		{"http://localhost:8765/caf/", "domain"},
		{"http://127.0.0.1:9999/", "domain"},
		{"about:blank", ""},
		{"about:config", "scheme"},
		{"file:///etc/passwd", "scheme"},
		{"data:text/html,<script>alert(1)</script>", "scheme"},
		{"javascript:alert(1)", "scheme"},
		{"view-source:https://caf.fr/", "scheme"},
		{"mailto:contact@caf.fr", "scheme"},
		{"tel:3230", "scheme"},
		{"ftp://caf.fr/", "scheme"},
		{"intent://scan/#Intent;scheme=zxing;end", "scheme"},
		{"blob:https://www.caf.fr/0b7f5c1e", ""},
		{"blob:https://evil.example/0b7f5c1e", "domain"},
		{"", "malformed"},
		{"caf.fr", "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			v := Navigate(tc.url, caf)
			if v.Allow != (tc.want == "") || v.Code != tc.want {
				t.Fatalf("Navigate(%q) = %+v, want code %q", tc.url, v, tc.want)
			}
		})
	}
	if Navigate("https://caf.fr/", nil).Allow {
		t.Fatal("no service: nothing is allowed")
	}
}

func TestHostDropsPathAndQuery(t *testing.T) {
	if got := Host("https://www.caf.fr/compte?nir=1234567890123"); got != "www.caf.fr" {
		t.Fatalf("Host = %q", got)
	}
}

func FuzzNavigate(f *testing.F) {
	svc := &config.Service{AllowedDomains: []string{"caf.fr", "*.caf.fr"}}
	for _, s := range []string{"https://caf.fr/", "blob:https://caf.fr/x", "javascript:1", "http://[::1]:80/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v := Navigate(raw, svc)
		if v.Allow && v.Code != "" || !v.Allow && v.Code == "" {
			t.Fatalf("inconsistent verdict %+v", v)
		}
	})
}
