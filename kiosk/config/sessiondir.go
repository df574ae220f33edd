package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// sharedDirs are places others use: session.dir must be a directory of
// Borne's own, since the kiosk makes its root private (0700) and wipes what
// it finds of its own there.
var sharedDirs = []string{
	"/", "/tmp", "/var/tmp", "/dev/shm", "/run", "/run/user", "/home", "/etc", "/usr",
	"/var", "/var/lib", "/var/cache", "/dev", "/proc", "/sys", "/boot", "/bin", "/sbin", "/lib",
	"/opt", "/srv", "/mnt", "/media",
}

// sessionDir checks session.dir: empty (a tmpfs of Borne's choosing) or an
// absolute path that is not a shared system directory or a home.
func (v *checker) sessionDir(p string) {
	if p == "" || !strings.HasPrefix(p, "/") {
		v.absPath("session.dir", p)
		return
	}
	clean := filepath.Clean(p)
	home, _ := os.UserHomeDir()
	parent := filepath.Dir(clean)
	var what string
	switch {
	case parent == "/home" || clean == "/root" || clean == home && home != "":
		what = "a home directory"
	case slices.Contains(sharedDirs, clean):
		what = "a system directory others use"
	case parent == "/run/user":
		what = "a user's runtime directory, which other programs use"
	default:
		return
	}
	v.add("session.dir", "%q is %s: give the sessions a directory of their own, such as \"/run/borne/sessions\" (or leave it out)", p, what)
}
