package services

import (
	"time"

	"borne/kiosk/config"
)

// Directory is the agencies of the configuration, seen from the kiosk's
// time zone.
type Directory struct {
	list []*config.Agency
	loc  *time.Location
}

// Agencies is the configuration's directory.
func Agencies(cfg *config.Config) Directory {
	d := Directory{loc: cfg.Location()}
	for i := range cfg.Agencies {
		d.list = append(d.list, &cfg.Agencies[i])
	}
	return d
}

// All lists every agency, nearest first (the order of the file).
func (d Directory) All() []*config.Agency { return d.list }

// For lists the agencies that help with a service, nearest first.
func (d Directory) For(serviceID string) []*config.Agency {
	var out []*config.Agency
	for _, a := range d.list {
		if a.Helps(serviceID) {
			out = append(out, a)
		}
	}
	return out
}

// OpenNow lists the agencies open at now, nearest first.
func (d Directory) OpenNow(now time.Time) []*config.Agency {
	var out []*config.Agency
	for _, a := range d.list {
		if d.IsOpen(a, now) {
			out = append(out, a)
		}
	}
	return out
}

// Day is an agency's hours on one day.
type Day struct {
	Date    config.Date
	Spans   []config.Span // when it is open; none when closed
	Holiday string        // the public holiday's name, when the day is one
	Closed  bool          // closed that day by its own calendar (leave, works)
}

// Day is a's hours on t's day in the kiosk's time zone.
func (d Directory) Day(a *config.Agency, t time.Time) Day {
	t = t.In(d.loc)
	day := Day{Date: config.DateOf(t), Holiday: Holiday(config.DateOf(t))}
	for _, r := range a.Closed {
		day.Closed = day.Closed || r.Contains(day.Date)
	}
	if day.Holiday == "" && !day.Closed {
		day.Spans = a.Hours.Day(t.Weekday()).Spans
	}
	return day
}

// IsOpen tells whether a is open at t.
func (d Directory) IsOpen(a *config.Agency, t time.Time) bool {
	t = t.In(d.loc)
	m := t.Hour()*60 + t.Minute()
	for _, s := range d.Day(a, t).Spans {
		if m >= s.From && m < s.To {
			return true
		}
	}
	return false
}

// NextOpening is when a next opens after t, looking two weeks ahead; false
// when it stays closed that long.
func (d Directory) NextOpening(a *config.Agency, t time.Time) (time.Time, bool) {
	t = t.In(d.loc)
	m := t.Hour()*60 + t.Minute()
	for i := range 15 {
		day := time.Date(t.Year(), t.Month(), t.Day()+i, 0, 0, 0, 0, d.loc)
		for _, s := range d.Day(a, day).Spans {
			if i > 0 || s.From > m {
				return time.Date(day.Year(), day.Month(), day.Day(), s.From/60, s.From%60, 0, 0, d.loc), true // right on the days clocks change
			}
		}
	}
	return time.Time{}, false
}
