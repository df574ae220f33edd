// Package shrink is the shrink engine: it turns scanned pages into the
// smallest file a website accepts that stays easy to read. Each page is
// analysed into layers, as in "mixed raster content":
// ink as bilevel images (JBIG2 generic regions, or CCITT G4 when smaller),
// one per ink colour, so that a blue stamp or a letterhead keeps its colour
// without paying colour prices for the text;
// photos and tinted areas as JPEG at a modest resolution; the paper itself is
// dropped (white). Quality steps down only as far as the size limit needs,
// never below a legible floor; when even that does not fit, Shrink says so
// and why.
//
// It also prepares a scanned page for keeping (PrepareScan: the file, a
// thumbnail of the paper cropped and straightened, a blank or dark
// warning); the resident's tray (kiosk/tray) keeps them.
package shrink

import (
	"errors"
	"fmt"
	"strings"
)

// Page is one page image on disk.
type Page struct {
	ID   string `json:"id,omitempty"`
	Path string `json:"path"` // JPEG, PNG or PNM
	// DPI is the page's resolution; 0 takes the file's own, or a guess
	// from its size (an A4 or Letter page).
	DPI   float64 `json:"dpi,omitempty"`
	Turns int     `json:"turns,omitempty"` // quarter turns clockwise, as the resident asked
	// Thumb is the thumbnail PNG, cropped, straightened and turned; set
	// by the tray.
	Thumb   string `json:"thumb,omitempty"`
	Warning string `json:"warning,omitempty"` // WarnBlank or WarnDark, set by the tray
}

// Output formats.
const (
	PDF  = "pdf"
	JPEG = "jpeg"
	PNG  = "png"
)

// Target is what the website accepts, and what the document is.
type Target struct {
	MaxBytes int64    // 0: no limit
	Formats  []string // PDF, JPEG and/or PNG, in any order; none means PDF, which comes first when accepted
	Kind     string   // DocLetter (also ""), DocID or DocPhoto
}

// Result is the file Shrink wrote.
type Result struct {
	Path    string
	Bytes   int64
	Format  string
	PerPage []Choice
}

// Page kinds, as Shrink saw them.
const (
	KindText   = "text"        // black ink only
	KindColour = "colour-text" // inks of several colours
	KindMixed  = "mixed"       // inks and photos
	KindPhoto  = "photo"       // tones only
	KindBlank  = "blank"       // nothing printed
)

// Choice is what Shrink did with one page.
type Choice struct {
	Page     int     // from 1
	Kind     string  // KindText…
	Inks     int     // bilevel layers, one per ink colour
	Coding   string  // of the inks: "JBIG2", "G4" or "G4+JBIG2"
	Photos   int     // areas kept as JPEG
	MaskDPI  int     // resolution of the inks
	PhotoDPI int     // resolution of the photos (of the page, for a JPEG)
	Quality  int     // JPEG quality
	Skew     float64 // degrees the page was straightened by
	Bytes    int64   // what the page takes in the file
	Warning  string  // WarnBlank or WarnDark
	Step     string  // StepContrast or StepGrey: the legibility check stepped up
}

func (c Choice) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "page %d: %s", c.Page, c.Kind)
	if c.Inks > 0 {
		fmt.Fprintf(&b, ", %d ink(s) %s %d dpi", c.Inks, c.Coding, c.MaskDPI)
	}
	switch {
	case c.Photos > 0 && c.Quality == 0:
		fmt.Fprintf(&b, ", %d picture(s) PNG %d dpi", c.Photos, c.PhotoDPI)
	case c.Photos > 0:
		fmt.Fprintf(&b, ", %d photo(s) JPEG %d dpi q%d", c.Photos, c.PhotoDPI, c.Quality)
	}
	switch c.Step {
	case StepContrast:
		b.WriteString(", faint ink: thresholds fitted to it")
	case StepGrey:
		fmt.Fprintf(&b, ", faint ink: text kept in grey JPEG q%d", c.Quality)
	}
	if c.Skew != 0 {
		fmt.Fprintf(&b, ", straightened %.2f°", c.Skew)
	}
	fmt.Fprintf(&b, ", %.1f KB", float64(c.Bytes)/1000)
	if c.Warning != "" {
		fmt.Fprintf(&b, " (warning: %s)", c.Warning)
	}
	return b.String()
}

// Shrink's refusals; the error text says the figures.
var (
	// ErrTooBig: even at the lowest legible quality the file exceeds the limit.
	ErrTooBig = errors.New("cannot fit the size limit")
	// ErrOnePageOnly: the site takes only JPEG, one page per file.
	ErrOnePageOnly = errors.New("the site accepts a single image and the document has several pages")
	// ErrFormat: no format Borne can write is accepted.
	ErrFormat = errors.New("no accepted format")
	// ErrKind: not a document kind Borne knows.
	ErrKind = errors.New("unknown document kind")
)
