package receiptspec

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
		panic(fmt.Sprintf("receiptspec: profiles.toml: %v", err)) // embedded: a test guards it
	}
	m := map[string]Profile{}
	for _, p := range file.Profile {
		if err := p.check(); err != nil {
			panic(fmt.Sprintf("receiptspec: profiles.toml: %s: %v", p.Name, err))
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
	if !slices.ContainsFunc(TextCodePages, func(name string) bool { _, ok := p.CodePages[name]; return ok }) {
		return fmt.Errorf("no code page Borne can write (want one of %v)", TextCodePages)
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

// TextCodePages are the code pages text can go out in, by preference:
// CP858 has every letter of French, Spanish and Portuguese and the euro
// sign; CP1252 too; CP850 lacks only €; CP437 is the last resort.
var TextCodePages = []string{"cp858", "cp1252", "cp850", "cp437"}

// Config is the ticket printer's section of the kiosk's configuration.
type Config struct {
	Device  string `toml:"device"`       // serial line or USB printer-class device file
	TCP     string `toml:"tcp"`          // or host:port of a network printer
	Profile string `toml:"profile"`      // the model, from profiles.toml
	Baud    int    `toml:"baud"`         // serial lines only
	Flow    string `toml:"flow_control"` // serial lines only: none, rts-cts or xon-xoff
}

// Flow control on a serial line.
type Flow string

const (
	FlowNone   Flow = "none"
	FlowRTSCTS Flow = "rts-cts"  // hardware handshake: the printer holds data back when its buffer fills
	FlowXONOFF Flow = "xon-xoff" // software handshake; raster images may contain the XON/XOFF bytes
)

// Bauds are the speeds a serial line can be set to.
var Bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// ValidBaud tells whether a serial line can run at b.
func ValidBaud(b int) bool { return slices.Contains(Bauds, b) }
