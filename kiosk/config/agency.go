package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Agency is a counter where a human can help: printed on the ticket and
// listed by the "find a counter" screen, nearest first.
type Agency struct {
	ID       string      `toml:"id"`
	Name     string      `toml:"name"`    // as written on its door
	Address  string      `toml:"address"` // one line: number, street, postcode, town
	Phone    string      `toml:"phone"`
	Hours    Week        `toml:"hours"`
	Closed   []DateRange `toml:"closed"`   // days it is closed besides public holidays
	Services []string    `toml:"services"` // [[service]] ids it helps with; empty: all
}

// Week is the opening hours of each weekday; a day left out is closed.
type Week struct {
	Mon DayHours `toml:"mon"`
	Tue DayHours `toml:"tue"`
	Wed DayHours `toml:"wed"`
	Thu DayHours `toml:"thu"`
	Fri DayHours `toml:"fri"`
	Sat DayHours `toml:"sat"`
	Sun DayHours `toml:"sun"`
}

// Day is the hours of a weekday.
func (w *Week) Day(d time.Weekday) DayHours {
	return [...]DayHours{w.Sun, w.Mon, w.Tue, w.Wed, w.Thu, w.Fri, w.Sat}[d]
}

// dashes matches a range's dash, spaces around it included.
var dashes = regexp.MustCompile(`\s*[-–—]\s*`)

// DayHours is one day's opening hours, written "08:30-12:00, 13:30-17:00".
type DayHours struct{ Spans []Span }

// Span is an opening time, in minutes after midnight.
type Span struct{ From, To int }

// UnmarshalText reads opening hours: time ranges separated by commas or
// spaces, each "08:30-12:00" ("8h30-12h", "8:30 – 12:00" work too), in
// order, not overlapping. An empty text is a closed day.
func (d *DayHours) UnmarshalText(b []byte) error {
	text := strings.NewReplacer(",", " ", ";", " ").Replace(dashes.ReplaceAllString(string(b), "-"))
	d.Spans = nil
	for _, r := range strings.Fields(text) {
		from, to, ok := strings.Cut(r, "-")
		f, errF := clock(from)
		t, errT := clock(to)
		if !ok || errF != nil || errT != nil {
			return fmt.Errorf("%q is not opening hours (write e.g. \"08:30-12:00, 13:30-17:00\")", b)
		}
		if t <= f {
			return fmt.Errorf("%q: %s ends before it starts", b, r)
		}
		if n := len(d.Spans); n > 0 && f < d.Spans[n-1].To {
			return fmt.Errorf("%q: %s starts before the previous range ends (write the ranges in order)", b, r)
		}
		d.Spans = append(d.Spans, Span{f, t})
	}
	return nil
}

// MarshalText writes the hours the way UnmarshalText reads them.
func (d DayHours) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String writes "08:30-12:00, 13:30-17:00", or "" for a closed day.
func (d DayHours) String() string {
	parts := make([]string, len(d.Spans))
	for i, s := range d.Spans {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// String writes "08:30-12:00".
func (s Span) String() string { return Clock(s.From) + "-" + Clock(s.To) }

// Clock writes minutes after midnight as "08:30".
func Clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// clock reads "08:30", "8:30", "8h30", "8h" or "24:00" as minutes after
// midnight.
func clock(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	h, m, found := strings.Cut(strings.ReplaceAll(s, "h", ":"), ":")
	hour, err := strconv.Atoi(h)
	if err != nil || hour < 0 || hour > 24 {
		return 0, fmt.Errorf("bad hour in %q", s)
	}
	minute := 0
	if found && m != "" {
		if len(m) != 2 {
			return 0, fmt.Errorf("bad minutes in %q", s)
		}
		if minute, err = strconv.Atoi(m); err != nil || minute < 0 || minute > 59 {
			return 0, fmt.Errorf("bad minutes in %q", s)
		}
	}
	if hour == 24 && minute > 0 {
		return 0, fmt.Errorf("%q is after midnight", s)
	}
	return hour*60 + minute, nil
}

// DateRange is a day, "2026-12-24", or days, "2027-08-09/2027-08-20"
// (both included).
type DateRange struct{ From, To Date }

// Date is a calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t, in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Before tells whether d comes before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// UnmarshalText reads "2026-12-24" or "2027-08-09/2027-08-20".
func (r *DateRange) UnmarshalText(b []byte) error {
	from, to, isRange := strings.Cut(strings.TrimSpace(string(b)), "/")
	f, err := time.Parse(time.DateOnly, strings.TrimSpace(from))
	if err != nil {
		return fmt.Errorf("%q is not a date (write e.g. \"2026-12-24\", or \"2027-08-09/2027-08-20\" for several days)", b)
	}
	t := f
	if isRange {
		if t, err = time.Parse(time.DateOnly, strings.TrimSpace(to)); err != nil {
			return fmt.Errorf("%q: %q is not a date (write e.g. \"2027-08-09/2027-08-20\")", b, to)
		}
		if t.Before(f) {
			return fmt.Errorf("%q ends before it starts", b)
		}
	}
	r.From, r.To = DateOf(f), DateOf(t)
	return nil
}

// MarshalText writes the range the way UnmarshalText reads it.
func (r DateRange) MarshalText() ([]byte, error) {
	if r.From == r.To {
		return []byte(r.From.String()), nil
	}
	return []byte(r.From.String() + "/" + r.To.String()), nil
}

// Contains tells whether d is one of the range's days.
func (r DateRange) Contains(d Date) bool { return !d.Before(r.From) && !r.To.Before(d) }

// Helps tells whether the agency helps with service id.
func (a *Agency) Helps(id string) bool {
	return len(a.Services) == 0 || slices.Contains(a.Services, id)
}
