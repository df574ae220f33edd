// Package scrub has the kiosk process's allocators overwrite the memory they
// free, so that what a resident typed does not outlive the objects that held
// it. The kiosk's own (UI) process gets the typed text from WebKit (form data
// of a navigation, input-method surrounding text, the copied selection) in
// WTF strings; freeing them leaves the bytes in place until reused. Three
// settings, all read once when the process starts, close that:
//
//   - Malloc=1: WebKit's allocator (bmalloc/libpas, which never clears what
//     it frees) hands every allocation to the system malloc instead;
//   - GLIBC_TUNABLES glibc.malloc.perturb: glibc fills each freed chunk with
//     a byte; glibc.malloc.tcache_count=0 turns off the per-thread cache,
//     whose chunks are not filled;
//   - G_SLICE=always-malloc: GLib 2.74's slice allocator keeps freed blocks
//     in its magazines; this sends them through malloc too.
//
// They must be in the environment before the process starts (the dynamic
// loader reads the tunables, WebKit its variable at its first allocation):
// Reexec starts the process again with them when they are missing.
package scrub

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
)

// Perturb is the byte glibc writes over freed memory (and, xor 0xff, over
// new allocations that calloc does not clear).
const Perturb = 0xcc

// tunables are the glibc settings, as GLIBC_TUNABLES spells them.
var tunables = []string{fmt.Sprintf("glibc.malloc.perturb=%d", Perturb), "glibc.malloc.tcache_count=0"}

// Env is the environment that makes freed memory overwritten, as NAME=value
// pairs for a process environment or systemd's Environment=.
func Env() []string {
	return []string{"Malloc=1", "GLIBC_TUNABLES=" + strings.Join(tunables, ":"), "G_SLICE=always-malloc"}
}

// Missing returns environ with the settings it lacked, and whether any was
// missing. Glibc tunables set for other reasons are kept.
func Missing(environ []string) ([]string, bool) {
	want := map[string]string{"Malloc": "1", "G_SLICE": "always-malloc"}
	out := make([]string, 0, len(environ)+3)
	var tunable []string
	seen := map[string]bool{}
	missing := false
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case name == "GLIBC_TUNABLES":
			if !seen[name] && value != "" {
				tunable = strings.Split(value, ":")
			}
		case want[name] != "":
			missing = missing || !seen[name] && value != want[name]
		case name == "WebKitMallocForceEnabled": // would undo Malloc=1
			missing = true
		default:
			out = append(out, kv)
			continue
		}
		seen[name] = true
	}
	for _, t := range tunables {
		if !slices.Contains(tunable, t) {
			tunable = append(tunable, t) // of two settings of a tunable, the last wins
			missing = true
		}
	}
	for _, kv := range Env() {
		name, _, _ := strings.Cut(kv, "=")
		missing = missing || !seen[name]
		if name == "GLIBC_TUNABLES" {
			kv = name + "=" + strings.Join(tunable, ":")
		}
		out = append(out, kv)
	}
	return out, missing
}

// Reexec starts this program again, same pid and arguments, with the
// settings when the environment lacks any; it returns only when none was
// missing, or with the reason the new start failed (the caller then runs
// without them, and should say so).
func Reexec() error {
	env, missing := Missing(os.Environ())
	if !missing {
		return nil
	}
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, env)
	}
	if err != nil {
		return fmt.Errorf("scrub: start again with freed memory overwritten: %w", err)
	}
	return nil
}
