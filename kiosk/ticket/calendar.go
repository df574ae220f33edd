package ticket

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Event is a date for the resident's phone calendar: a next-step window
// (whole days) or an appointment an agent gave them (a day and a time). It is
// made on the kiosk, put in a QR code on the ticket, and kept nowhere.
type Event struct {
	Summary  string
	Start    time.Time // a day at midnight for whole days, else the moment
	End      time.Time // the last day for whole days, else the end
	AllDay   bool
	Location string // only what the resident typed for their own appointment
}

// VEvent writes the event as an iCalendar VEVENT, the payload phone cameras
// offer to add to the calendar (iOS Camera, Google Lens and ZXing-based
// readers look for BEGIN:VEVENT and a DTSTART; a VCALENDAR wrapper only makes
// the code denser). Times are floating: the phone's own time zone, which is
// the kiosk's for a resident in the lobby.
func (e Event) VEvent() string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteString("\r\n") }
	line("BEGIN:VEVENT")
	line("SUMMARY:" + icalText(e.Summary))
	if e.AllDay {
		line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
		line("DTEND;VALUE=DATE:" + e.End.AddDate(0, 0, 1).Format("20060102")) // exclusive
	} else {
		line("DTSTART:" + e.Start.Format("20060102T150405"))
		line("DTEND:" + e.End.Format("20060102T150405"))
	}
	if e.Location != "" {
		line("LOCATION:" + icalText(e.Location))
	}
	b.WriteString("END:VEVENT")
	return b.String()
}

// icalText escapes a TEXT value (RFC 5545 3.3.11) and keeps it on one line.
func icalText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// ParseVEvent reads back a VEVENT written by VEvent: what a phone sees.
// Bounded: at most 4 KB (a QR code holds less).
func ParseVEvent(payload string) (Event, map[string]string, error) {
	if len(payload) > 4096 {
		return Event{}, nil, errors.New("ticket: calendar event over 4 KB")
	}
	lines := strings.Split(strings.ReplaceAll(payload, "\r\n", "\n"), "\n")
	if len(lines) < 3 || lines[0] != "BEGIN:VEVENT" || lines[len(lines)-1] != "END:VEVENT" {
		return Event{}, nil, errors.New("ticket: not a VEVENT")
	}
	fields := map[string]string{}
	for _, l := range lines[1 : len(lines)-1] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return Event{}, nil, fmt.Errorf("ticket: calendar line %q has no value", l)
		}
		if _, dup := fields[name]; dup {
			return Event{}, nil, fmt.Errorf("ticket: calendar field %s twice", name)
		}
		fields[name] = value
	}
	unescape := strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace
	e := Event{Summary: unescape(fields["SUMMARY"]), Location: unescape(fields["LOCATION"])}
	var err error
	if v, ok := fields["DTSTART;VALUE=DATE"]; ok {
		e.AllDay = true
		if e.Start, err = time.Parse("20060102", v); err == nil {
			e.End, err = time.Parse("20060102", fields["DTEND;VALUE=DATE"])
			e.End = e.End.AddDate(0, 0, -1)
		}
	} else {
		if e.Start, err = time.Parse("20060102T150405", fields["DTSTART"]); err == nil {
			e.End, err = time.Parse("20060102T150405", fields["DTEND"])
		}
	}
	if err != nil {
		return Event{}, nil, fmt.Errorf("ticket: calendar dates: %w", err)
	}
	if e.Summary == "" {
		return Event{}, nil, errors.New("ticket: calendar event without a SUMMARY")
	}
	return e, fields, nil
}

// Appointment is one the resident was given by an agent and typed on the
// kiosk: printed on their ticket and put in its calendar code, never stored
// nor logged.
type Appointment struct {
	At    time.Time // in the kiosk's time zone
	Place string    // as typed, may be empty
}

// appointmentLength is how long an appointment is put in the calendar for.
const appointmentLength = 30 * time.Minute

// maxCalendarQR is how many next-step windows get a calendar code: the
// ticket stays short enough to hand over.
const maxCalendarQR = 2
