package scrub

import (
	"slices"
	"testing"
)

func TestMissing(t *testing.T) {
	full := Env()
	for _, c := range []struct {
		name    string
		environ []string
		want    []string
		missing bool
	}{
		{"empty", nil, full, true},
		{"all there", append([]string{"HOME=/h"}, full...), append([]string{"HOME=/h"}, full...), false},
		{"other tunables kept", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "Malloc=1", "G_SLICE=always-malloc"},
			[]string{"Malloc=1", "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.perturb=204:glibc.malloc.tcache_count=0", "G_SLICE=always-malloc"}, true},
		{"a cache turned back on", []string{"GLIBC_TUNABLES=glibc.malloc.perturb=204:glibc.malloc.tcache_count=7", "Malloc=1", "G_SLICE=always-malloc"},
			[]string{"Malloc=1", "GLIBC_TUNABLES=glibc.malloc.perturb=204:glibc.malloc.tcache_count=7:glibc.malloc.tcache_count=0", "G_SLICE=always-malloc"}, true},
		{"slices kept", []string{"G_SLICE=debug-blocks", "A=b"}, append([]string{"A=b"}, full...), true},
		{"WebKit forced", append([]string{"WebKitMallocForceEnabled=1"}, full...), full, true},
	} {
		got, missing := Missing(c.environ)
		if !slices.Equal(got, c.want) || missing != c.missing {
			t.Errorf("%s: Missing(%q) = %q, %v; want %q, %v", c.name, c.environ, got, missing, c.want, c.missing)
		}
		if again, more := Missing(got); more || !slices.Equal(again, got) {
			t.Errorf("%s: a second pass changes %q into %q: the kiosk would start again forever", c.name, got, again)
		}
	}
}
