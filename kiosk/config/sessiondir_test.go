package config

import (
	"os"
	"strings"
	"testing"
)

// session.dir must be Borne's own: the kiosk makes it private and wipes its
// sessions there.
func TestSessionDir(t *testing.T) {
	home, _ := os.UserHomeDir()
	tests := []struct{ dir, want string }{ // want "": accepted
		{"/run/borne/sessions", ""},
		{"/tmp/borne-sessions", ""},
		{"/home/borne/sessions", ""},
		{"/", "a system directory others use"},
		{"/tmp", "a system directory others use"},
		{"/tmp/", "a system directory others use"},
		{"/var/tmp/../tmp", "a system directory others use"},
		{"/dev/shm", "a system directory others use"},
		{"/var/lib", "a system directory others use"},
		{"/home/borne", "a home directory"},
		{"/run/user/1000", "a user's runtime directory"},
		{"tmp", "not an absolute path"},
	}
	if home != "" && home != "/" {
		tests = append(tests, struct{ dir, want string }{home, "a home directory"})
	}
	for _, tt := range tests {
		doc := edit(t, `thanks_for = "6s"`, `thanks_for = "6s"`+"\ndir = \""+tt.dir+"\"")
		_, err := Parse([]byte(doc), "borne.toml")
		if tt.want == "" {
			if err != nil {
				t.Errorf("%q refused: %v", tt.dir, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q accepted", tt.dir)
			continue
		}
		if want := "borne.toml:15: session.dir: "; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %s…%s", tt.dir, err, want, tt.want)
		}
	}
}
