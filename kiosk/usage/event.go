// Package usage is the anonymous usage store: events as design.md's privacy
// rules allow them, in a local SQLite file, with reports that suppress small cells.
package usage

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"
)

// Kind is what happened. The set is closed: the store refuses anything else.
type Kind string

const (
	SessionStart Kind = "session_start"
	SessionEnd   Kind = "session_end"  // Outcome: the end reason; Duration: a bucket
	Language     Kind = "language"     // Lang: the language chosen
	TileOpened   Kind = "tile_opened"  // Service: the catalogue id
	HelpPressed  Kind = "help_pressed" // Screen: where it was pressed
	Fault        Kind = "fault"        // Screen: the device (scanner, printer, receipt); Error: its code
	// DocumentAttached: a scanned document handed to a site; Service: the catalogue id.
	DocumentAttached Kind = "document_attached"
	// PagePrinted: one A4 page printed; Service: the catalogue id, or empty.
	PagePrinted Kind = "page_printed"
)

// Event is one anonymous usage event. Every text field holds an identifier
// from a closed vocabulary (catalogue ids, screen ids, reasons, codes), never
// anything a resident typed or scanned; the store checks their shape.
type Event struct {
	At       time.Time // stored truncated to the hour, in the kiosk's time zone
	Session  uint32    // random per session, unrelated to anything else
	Kind     Kind
	Service  string // catalogue id
	Screen   string // screen or step id
	Outcome  string // e.g. end reason: done, idle, recovered
	Duration string // a bucket from DurationBucket, never an exact time
	Lang     string // language code
	Error    string // error code
}

// kinds is the closed set of kinds the store accepts.
var kinds = []Kind{SessionStart, SessionEnd, Language, TileOpened, HelpPressed, Fault, DocumentAttached, PagePrinted}

type bucket struct {
	below time.Duration // exclusive upper bound
	name  string
}

// durationBuckets are the only values Event.Duration may take, shortest first.
var durationBuckets = []bucket{
	{time.Minute, "lt1m"},
	{5 * time.Minute, "1-5m"},
	{15 * time.Minute, "5-15m"},
	{30 * time.Minute, "15-30m"},
	{time.Hour, "30-60m"},
	{math.MaxInt64, "gt60m"},
}

// DurationBucket turns an exact duration into the coarse bucket the store
// keeps: "lt1m", "1-5m", "5-15m", "15-30m", "30-60m" or "gt60m".
func DurationBucket(d time.Duration) string {
	for _, b := range durationBuckets {
		if d < b.below {
			return b.name
		}
	}
	return durationBuckets[len(durationBuckets)-1].name
}

// identRE is the shape of every text field: a short lowercase identifier,
// which a URL, a name, a number typed by a resident or a sentence cannot pass.
var identRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

var notIdent = "not a short identifier (want " + identRE.String() + " or empty)"

// FieldError says which field of which event broke the privacy rules. It never
// quotes the rejected value: that value may be exactly what must not be kept,
// and errors end up in logs.
type FieldError struct {
	Index  int    // position in the Append call; -1 for the kiosk id
	Field  string // column name: kind, service, screen, outcome, duration, lang, error, at, kiosk
	Reason string
}

func (e *FieldError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("usage: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("usage: event %d: %s: %s", e.Index, e.Field, e.Reason)
}

// validate checks e against the privacy rules; the caller sets Index.
func (e Event) validate() *FieldError {
	if !slices.Contains(kinds, e.Kind) {
		return &FieldError{Field: "kind", Reason: "not one of the known kinds"}
	}
	if e.At.IsZero() {
		return &FieldError{Field: "at", Reason: "zero time"}
	}
	if e.Duration != "" && !slices.ContainsFunc(durationBuckets, func(b bucket) bool { return b.name == e.Duration }) {
		return &FieldError{Field: "duration", Reason: "not a bucket from DurationBucket"}
	}
	for _, f := range []struct{ name, value string }{
		{"service", e.Service}, {"screen", e.Screen}, {"outcome", e.Outcome}, {"lang", e.Lang}, {"error", e.Error},
	} {
		if f.value != "" && !identRE.MatchString(f.value) {
			return &FieldError{Field: f.name, Reason: notIdent}
		}
	}
	return nil
}
