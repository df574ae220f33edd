package scanner

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
)

// PNMPagesEnv names a folder of PNM pages for the simulated lobby: a scan on
// a device of SANE's pnm backend that sets no "filename" takes the next page
// of the folder, in name order, round and round.
const PNMPagesEnv = "BORNE_PNM_PAGES"

var lobbyTurn atomic.Uint64

// lobbyPage adds the next lobby page to a pnm device's options.
func lobbyPage(device string, extra map[string]string) map[string]string {
	dir := os.Getenv(PNMPagesEnv)
	if dir == "" || !strings.HasPrefix(device, "pnm:") || extra["filename"] != "" {
		return extra
	}
	var pages []string
	for _, pat := range []string{"*.pbm", "*.pgm", "*.ppm", "*.pnm"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat)) // only fails on a bad pattern
		pages = append(pages, m...)
	}
	if len(pages) == 0 {
		return extra
	}
	slices.Sort(pages)
	out := maps.Clone(extra)
	if out == nil {
		out = map[string]string{}
	}
	out["filename"] = pages[(lobbyTurn.Add(1)-1)%uint64(len(pages))]
	return out
}
