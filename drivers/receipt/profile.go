package receipt

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"sort"

	"github.com/pelletier/go-toml/v2"
)

// Profile is what one printer model can do. Profiles are data, in
// profiles.toml.
type Profile struct {
	Name        string          `toml:"name"`
	Description string          `toml:"description"`
	Dots        int             `toml:"dots"`       // printable width in dots
	Columns     int             `toml:"columns"`    // characters per line in font A
	CodePages   map[string]byte `toml:"code_pages"` // name → ESC t number
	Cutter      string          `toml:"cutter"`     // "partial", "full" or "none"
	QR          bool            `toml:"qr"`         // prints QR codes itself
	Status      bool            `toml:"status"`     // answers DLE EOT
	Feed        int             `toml:"feed"`       // lines fed before the cut
}

// Cutter kinds.
const (
	CutPartial = "partial"
	CutFull    = "full"
	CutNone    = "none"
)

// DefaultProfile fits most 80 mm printers.
const DefaultProfile = "generic-80mm"

//go:embed profiles.toml
var profilesTOML []byte

var profiles = mustLoadProfiles(profilesTOML)

func mustLoadProfiles(data []byte) map[string]Profile {
	var file struct {
		Profile []Profile `toml:"profile"`
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		panic(fmt.Sprintf("receipt: profiles.toml: %v", err)) // embedded: a test guards it
	}
	m := map[string]Profile{}
	for _, p := range file.Profile {
		if err := p.check(); err != nil {
			panic(fmt.Sprintf("receipt: profiles.toml: %s: %v", p.Name, err))
		}
		m[p.Name] = p
	}
	return m
}

func (p Profile) check() error {
	switch {
	case p.Dots < 128 || p.Dots%8 != 0:
		return fmt.Errorf("dots %d: want a multiple of 8, at least 128", p.Dots)
	case p.Columns < 16:
		return fmt.Errorf("columns %d: want at least 16", p.Columns)
	case !slices.Contains([]string{CutPartial, CutFull, CutNone}, p.Cutter):
		return fmt.Errorf("cutter %q: want partial, full or none", p.Cutter)
	}
	if _, _, ok := p.textCodePage(); !ok {
		return fmt.Errorf("no code page Borne can write (want one of %v)", codePageOrder)
	}
	return nil
}

// LookupProfile finds a profile by name.
func LookupProfile(name string) (Profile, bool) {
	p, ok := profiles[name]
	return p, ok
}

// ProfileNames lists the known profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
