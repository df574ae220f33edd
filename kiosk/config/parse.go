package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"borne/internal/receiptspec"
	"borne/kiosk/i18n"
	"borne/kiosk/metrics"
)

// Parse decodes a configuration file strictly, fills in the defaults of
// omitted keys and validates the result. name is the file name errors carry.
// Every problem found (up to maxErrors) comes back at once, as *Errors. Time
// and memory are linear in the file, which is at most MaxFileBytes.
func Parse(data []byte, name string) (*Config, error) {
	if len(data) > MaxFileBytes {
		return nil, located(name, []FieldError{{Msg: errTooBig}})
	}
	if line := tooDeep(data); line > 0 {
		return nil, located(name, []FieldError{{Line: line, Msg: errTooDeep}})
	}
	ix, fatal := indexDoc(data)
	if fatal != nil {
		return nil, located(name, []FieldError{*fatal})
	}
	src := &source{ix: ix, work: bytes.Clone(data), blanked: map[int]bool{}, blankedPaths: map[string]bool{}}
	errs := src.precheck()
	errs = append(errs, src.unknownKeys()...)
	cfg, decodeErrs := src.decode()
	errs = append(errs, decodeErrs...)
	if cfg != nil {
		applyDefaults(cfg, src)
		for _, fe := range validate(cfg, src) {
			if !src.blankedUnder(fe.Field) { // already reported as a decode error
				errs = append(errs, fe)
			}
		}
	}
	if len(errs) > 0 {
		return nil, located(name, errs)
	}
	return cfg, nil
}

// located names the file in every error and orders them as the file reads.
// Of several problems with one field on one line, the first found (the most
// specific) is kept; past maxErrors, one line says there are more.
func located(name string, errs []FieldError) *Errors {
	type at struct {
		line  int
		field string
	}
	seen := map[at]bool{}
	var e Errors
	for _, fe := range errs {
		if !seen[at{fe.Line, fe.Field}] {
			seen[at{fe.Line, fe.Field}] = true
			fe.File = name
			e = append(e, fe)
		}
	}
	sort.SliceStable(e, func(i, j int) bool { return e[i].Line < e[j].Line })
	if len(e) > maxErrors {
		e = append(e[:maxErrors], FieldError{File: name, Msg: "more problems not shown: fix these first"})
	}
	return &e
}

// source is a document being decoded. go-toml stops at the first bad value;
// to report them all, each bad top-level key/value is blanked out of work
// (with spaces, so lines keep their numbers) and decoding starts again.
// Unknown keys and sections are blanked before the first pass: go-toml's
// check for duplicate keys costs, for each key, a look at every key seen, so
// it must only see the few keys Config has.
type source struct {
	ix           *docIndex
	work         []byte
	blanked      map[int]bool    // docIndex.tops blanked out
	blankedPaths map[string]bool // their paths
}

// blank removes the top-level key/value top from the working copy.
func (s *source) blank(top int) {
	if s.blanked[top] {
		return
	}
	s.blanked[top] = true
	kv := s.ix.tops[top]
	s.spaces(kv.start, kv.end)
	s.blankedPaths[kv.path] = true
}

// blankHeader removes a section header ([a.b] or [[a.b]]) whose name covers
// data[start:end]; it leaves it when the brackets are not where TOML puts
// them, which a parsed header never does.
func (s *source) blankHeader(e entry) {
	open, close := "[", "]"
	if e.kind == unstable.ArrayTable {
		open, close = "[[", "]]"
	}
	from := bytes.LastIndex(s.work[:e.start], []byte(open))
	to := bytes.Index(s.work[e.end:], []byte(close))
	if from < 0 || to < 0 || len(bytes.Trim(s.work[from+len(open):e.start], " \t")) > 0 ||
		len(bytes.Trim(s.work[e.end:e.end+to], " \t")) > 0 {
		return
	}
	s.spaces(from, e.end+to+len(close))
}

func (s *source) spaces(from, to int) {
	for i := from; i < to; i++ {
		if s.work[i] != '\n' && s.work[i] != '\r' {
			s.work[i] = ' '
		}
	}
}

// blankedUnder tells whether path is, or is inside, a blanked key.
func (s *source) blankedUnder(path string) bool {
	for ; path != ""; path = parentPath(path) {
		if s.blankedPaths[path] {
			return true
		}
	}
	return false
}

// present tells whether the file gives path a (usable) value: defaults fill
// in the others.
func (s *source) present(path string) bool { return s.ix.has(path) && !s.blankedUnder(path) }

// line is where to report a problem with path.
func (s *source) line(path string) int { return s.ix.line(path) }

// precheck catches what go-toml would accept silently or report without a
// line: keys in the wrong case (it matches them ignoring case), [service]
// for [[service]], and sizes and durations written as bare numbers.
func (s *source) precheck() []FieldError {
	var errs []FieldError
	reported := map[string]bool{}
	for _, e := range s.ix.entries {
		if len(errs) >= maxErrors {
			break
		}
		t, wrongCase := typeAt(e.segs)
		if wrongCase >= 0 {
			p := pathString(e.segs[:wrongCase+1])
			if !reported[p] {
				reported[p] = true
				errs = append(errs, FieldError{Line: s.ix.line(p), Field: p, Msg: caseMessage(e.segs[:wrongCase+1])})
			}
			continue
		}
		if e.kind == unstable.Table && t != nil && t.Kind() == reflect.Slice {
			// go-toml would take [service] as the first service, silently.
			errs = append(errs, FieldError{Line: e.line, Field: e.path, Msg: fmt.Sprintf("write [[%s]], with two brackets on each side: each one is a new entry", e.path)})
			continue
		}
		if e.top < 0 || !isScalar(e.kind) {
			continue
		}
		if err := checkText(t, e.data); err != nil {
			errs = append(errs, FieldError{Line: e.line, Field: e.path, Msg: err.Error()})
			s.blank(e.top)
		}
	}
	return errs
}

func caseMessage(segs []seg) string {
	key := segs[len(segs)-1].key
	parent, _ := typeAt(segs[:len(segs)-1])
	for _, k := range knownKeys(parent) {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("write %q, in lower case: keys are case-sensitive", k)
		}
	}
	return "keys are case-sensitive: write them in lower case"
}

// decode runs go-toml until the document decodes, blanking out each value it
// refuses. The Config is nil when decoding could not get through. Unknown
// keys are left to unknownKeys: go-toml's strict mode costs a pass over the
// whole file for each one it reports.
func (s *source) decode() (*Config, []FieldError) {
	var errs []FieldError
	for len(errs) < maxErrors {
		var c Config
		err := toml.Unmarshal(s.work, &c)
		var de *toml.DecodeError
		switch {
		case err == nil:
			return &c, errs
		case errors.As(err, &de):
			fe, top := s.decodeError(de)
			errs = append(errs, fe)
			if top < 0 || s.blanked[top] { // a table header: nothing to blank
				return nil, errs
			}
			s.blank(top)
		default:
			return nil, append(errs, FieldError{Msg: err.Error()})
		}
	}
	return nil, append(errs, FieldError{Msg: "too many errors: fix these first"})
}

// decodeError locates one go-toml error and says it in the file's terms.
func (s *source) decodeError(de *toml.DecodeError) (FieldError, int) {
	line, col := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	e, ok := s.ix.at(s.ix.offsetAt(line, col))
	if !ok {
		return FieldError{Line: line, Field: strings.Join(de.Key(), "."), Msg: msg}, -1
	}
	field := e.path
	if strings.HasPrefix(msg, "cannot ") { // a type mismatch, told in Go terms
		segs, what := e.segs, found(e)
		if e.kind == unstable.ArrayTable { // [[x]] is about x, not its element
			segs = segs[:len(segs)-1]
		}
		// Blame the deepest key that means something: for name.fr.x = 1,
		// name.fr is a text given a table.
		n := len(segs)
		for n > 0 && typeOrNil(segs[:n]) == nil {
			n--
		}
		if n < len(segs) {
			what = "a section of keys"
		}
		if n > 0 {
			field = pathString(segs[:n])
			msg = fmt.Sprintf("found %s, expected %s", what, expected(typeOrNil(segs[:n])))
		}
	}
	return FieldError{Line: line, Field: field, Msg: msg}, e.top
}

func typeOrNil(segs []seg) reflect.Type {
	t, _ := typeAt(segs)
	return t
}

// unknownKeys reports each key or section that no field takes, once, where
// it first appears, from the index: one walk over the file. It blanks them
// all out, reported or not. A key under a text or a number is not unknown
// but of the wrong type, for decode to say.
func (s *source) unknownKeys() []FieldError {
	var errs []FieldError
	reported := map[string]bool{}
	for _, e := range s.ix.entries {
		parent := configType
		for n := 1; n <= len(e.segs) && parent != nil; n++ {
			t, _ := typeAt(e.segs[:n])
			if t == nil && !e.segs[n-1].isIndex && parent.Kind() == reflect.Struct && !readsText(parent) {
				p := pathString(e.segs[:n])
				if !reported[p] && len(errs) < maxErrors {
					errs = append(errs, FieldError{Line: s.ix.line(p), Field: p, Msg: unknownKey(e.segs[:n], e.top < 0)})
				}
				reported[p] = true
				switch {
				case e.top < 0:
					s.blankHeader(e)
				case s.ix.tops[e.top].path == p || strings.HasPrefix(s.ix.tops[e.top].path, p+".") || strings.HasPrefix(s.ix.tops[e.top].path, p+"["):
					s.blank(e.top) // not a key inside a known key's inline table
				}
			}
			parent = t
		}
	}
	return errs
}

// Defaults of omitted keys; the file's own values, even zero, are kept.
const (
	DefaultTimeZone        = "Europe/Paris"
	DefaultStateDir        = "/var/lib/borne"
	DefaultDPI             = 96
	DefaultIdleAfter       = 90 * time.Second
	DefaultWarnFor         = 30 * time.Second
	DefaultThanksFor       = 6 * time.Second
	DefaultRetentionMonths = 13
	DefaultUploadLimit     = 5 * MB
	DefaultPageQuota       = 20
	DefaultReceiptProfile  = receiptspec.DefaultProfile
	DefaultBaud            = 9600
	DefaultFlow            = string(receiptspec.FlowNone)
	DefaultStaffIdle       = 5 * time.Minute
	DefaultRelayOff        = 5 * time.Second
	DefaultMetricsListen   = metrics.DefaultListen
)

// DefaultAccept is the file types a service takes when accept is omitted.
var DefaultAccept = []string{"application/pdf", "image/jpeg"}

func applyDefaults(c *Config, src *source) {
	omitted := func(path string) bool { return !src.present(path) }
	if omitted("kiosk.languages") {
		for _, l := range i18n.Supported() {
			c.Kiosk.Languages = append(c.Kiosk.Languages, l.Code)
		}
	}
	if omitted("kiosk.default_language") {
		c.Kiosk.DefaultLanguage = i18n.Source
	}
	if omitted("kiosk.timezone") {
		c.Kiosk.TimeZone = DefaultTimeZone
	}
	if omitted("kiosk.state_dir") {
		c.Kiosk.StateDir = DefaultStateDir
	}
	if omitted("screen.dpi") {
		c.Screen.DPI = DefaultDPI
	}
	if omitted("screen.hide_pointer") {
		c.Screen.HidePointer = true
	}
	if omitted("session.idle_after") {
		c.Session.IdleAfter.Duration = DefaultIdleAfter
	}
	if omitted("session.warn_for") {
		c.Session.WarnFor.Duration = DefaultWarnFor
	}
	if omitted("session.thanks_for") {
		c.Session.ThanksFor.Duration = DefaultThanksFor
	}
	if omitted("usage.retention_months") {
		c.Usage.RetentionMonths = DefaultRetentionMonths
	}
	if omitted("scanner.resolution") {
		c.Scanner.Resolution = 300
	}
	if omitted("scanner.mode") {
		c.Scanner.Mode = "color"
	}
	if omitted("printer.page_quota") {
		c.Printer.PageQuota = DefaultPageQuota
	}
	if omitted("receipt.profile") {
		c.Receipt.Profile = DefaultReceiptProfile
	}
	if omitted("receipt.baud") {
		c.Receipt.Baud = DefaultBaud
	}
	if omitted("receipt.flow_control") {
		c.Receipt.Flow = DefaultFlow
	}
	if omitted("staff.idle_timeout") {
		c.Staff.IdleTimeout.Duration = DefaultStaffIdle
	}
	if omitted("gpio.inputs_active_low") {
		c.GPIO.InputsActiveLow = true
	}
	if omitted("gpio.relay_off") {
		c.GPIO.RelayOff.Duration = DefaultRelayOff
	}
	if omitted("metrics.listen") {
		c.Metrics.Listen = DefaultMetricsListen
	}
	for i := range c.Services {
		p := fmt.Sprintf("service[%d]", i)
		if omitted(p + ".upload_limit") {
			c.Services[i].UploadLimit = DefaultUploadLimit
		}
		if omitted(p + ".accept") {
			c.Services[i].Accept = append([]string(nil), DefaultAccept...)
		}
	}
}
