package printer

import (
	"context"
	"strconv"
	"strings"

	"github.com/OpenPrinting/goipp"
)

// printer-state values.
const (
	StateIdle       = 3
	StateProcessing = 4
	StateStopped    = 5
)

// Attributes is what the printer says about itself.
type Attributes struct {
	MakeAndModel string
	State        int      // StateIdle, StateProcessing or StateStopped; 0 if not said
	Reasons      []string // printer-state-reasons keywords
	Message      string   // printer-state-message
	Accepting    bool     // printer-is-accepting-jobs
	Formats      []string // document-format-supported
	Media        []string // media-supported
	MediaReady   []string // media-ready: loaded now
	MediaDefault string
	Markers      []Marker
	// For the raster fallback: pwg-raster-document-resolution-supported
	// (dots per inch) and -type-supported (sgray_8, srgb_8…).
	RasterDPI   []int
	RasterTypes []string
}

// Marker is a supply: toner, ink, waste tank.
type Marker struct {
	Name  string
	Type  string // toner, ink-cartridge, waste-toner…
	Level int    // percent; -1 when unknown
}

// Supports tells whether the printer takes documents of a MIME type.
func (a *Attributes) Supports(format string) bool {
	for _, f := range a.Formats {
		if strings.EqualFold(f, format) {
			return true
		}
	}
	return false
}

// requested is what Get-Printer-Attributes asks for.
var requested = []string{
	"printer-make-and-model", "printer-state", "printer-state-reasons", "printer-state-message",
	"printer-is-accepting-jobs", "document-format-supported", "media-supported", "media-ready",
	"media-default", "marker-names", "marker-levels", "marker-types", "printer-supply",
	"printer-supply-description", "pwg-raster-document-resolution-supported",
	"pwg-raster-document-type-supported",
}

// Attributes asks the printer about itself (Get-Printer-Attributes).
func (c *Client) Attributes(ctx context.Context) (*Attributes, error) {
	kws := make([]goipp.Value, len(requested))
	for i, r := range requested {
		kws[i] = goipp.String(r)
	}
	msg, err := c.do(ctx, request{op: goipp.OpGetPrinterAttributes,
		attrs: []goipp.Attribute{goipp.MakeAttr("requested-attributes", goipp.TagKeyword, kws[0], kws[1:]...)}})
	if err != nil {
		return nil, err
	}
	return ParseAttributes(msg.Printer), nil
}

// Status asks the printer how it is.
func (c *Client) Status(ctx context.Context) (State, error) {
	a, err := c.Attributes(ctx)
	if err != nil {
		return State{Code: CodeOf(err)}, err
	}
	return stateOf(a), nil
}

// ParseAttributes reads the printer group of a Get-Printer-Attributes
// answer. What is missing or of the wrong type is left empty: printers
// differ, and none of it is worth refusing an answer for.
func ParseAttributes(attrs goipp.Attributes) *Attributes {
	a := &Attributes{Accepting: true}
	var names, types []string
	var levels []int
	var supplies, supplyNames []string
	for _, at := range attrs {
		switch at.Name {
		case "printer-make-and-model":
			a.MakeAndModel = first(texts(at.Values))
		case "printer-state":
			a.State = first(ints(at.Values))
		case "printer-state-reasons":
			a.Reasons = texts(at.Values)
		case "printer-state-message":
			a.Message = first(texts(at.Values))
		case "printer-is-accepting-jobs":
			if len(at.Values) > 0 {
				if b, ok := at.Values[0].V.(goipp.Boolean); ok {
					a.Accepting = bool(b)
				}
			}
		case "document-format-supported":
			a.Formats = texts(at.Values)
		case "media-supported":
			a.Media = texts(at.Values)
		case "media-ready":
			a.MediaReady = texts(at.Values)
		case "media-default":
			a.MediaDefault = first(texts(at.Values))
		case "marker-names":
			names = texts(at.Values)
		case "marker-types":
			types = texts(at.Values)
		case "marker-levels":
			levels = ints(at.Values)
		case "printer-supply":
			supplies = texts(at.Values)
		case "printer-supply-description":
			supplyNames = texts(at.Values)
		case "pwg-raster-document-resolution-supported":
			for _, v := range at.Values {
				if r, ok := v.V.(goipp.Resolution); ok && r.Units == goipp.UnitsDpi {
					a.RasterDPI = append(a.RasterDPI, r.Xres)
				}
			}
		case "pwg-raster-document-type-supported":
			a.RasterTypes = texts(at.Values)
		}
	}
	// CUPS: marker-names, -types and -levels run in parallel.
	for i, n := range names {
		m := Marker{Name: n, Level: -1}
		if i < len(types) {
			m.Type = types[i]
		}
		if i < len(levels) && levels[i] >= 0 && levels[i] <= 100 {
			m.Level = levels[i]
		}
		a.Markers = append(a.Markers, m)
	}
	// IPP Everywhere: printer-supply, "type=toner;level=75;maxcapacity=100;…".
	if len(names) == 0 {
		for i, s := range supplies {
			m := parseSupply(s)
			if i < len(supplyNames) {
				m.Name = supplyNames[i]
			}
			a.Markers = append(a.Markers, m)
		}
	}
	return a
}

func parseSupply(s string) Marker {
	kv := map[string]string{}
	for _, f := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		}
	}
	m := Marker{Name: kv["colorantname"], Type: kv["type"], Level: -1}
	level, err1 := strconv.Atoi(kv["level"])
	capacity, err2 := strconv.Atoi(kv["maxcapacity"])
	if err1 == nil && err2 == nil && level >= 0 && capacity > 0 && level <= capacity {
		m.Level = level * 100 / capacity
	}
	return m
}

// texts is every value that is a text of some kind.
func texts(vs goipp.Values) []string {
	var out []string
	for _, v := range vs {
		switch x := v.V.(type) {
		case goipp.String:
			out = append(out, string(x))
		case goipp.TextWithLang:
			out = append(out, x.Text)
		case goipp.Binary:
			out = append(out, string(x))
		}
	}
	return out
}

// ints is every value that is an integer or an enum.
func ints(vs goipp.Values) []int {
	var out []int
	for _, v := range vs {
		if i, ok := v.V.(goipp.Integer); ok {
			out = append(out, int(i))
		}
	}
	return out
}

func first[T any](s []T) T {
	var zero T
	if len(s) == 0 {
		return zero
	}
	return s[0]
}

// attrText is the first text of the attribute name in attrs, or "".
func attrText(attrs goipp.Attributes, name string) string {
	for _, a := range attrs {
		if a.Name == name {
			return first(texts(a.Values))
		}
	}
	return ""
}

// attrInt is the first integer of the attribute name in attrs, or -1.
func attrInt(attrs goipp.Attributes, name string) int {
	for _, a := range attrs {
		if a.Name == name {
			if v := ints(a.Values); len(v) > 0 {
				return v[0]
			}
		}
	}
	return -1
}
