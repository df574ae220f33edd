package ticket

import (
	"slices"
	"time"
)

// Draft is an appointment being entered on the kiosk's own date and time
// picker: the month shown, the day, the time, the place (one of the site's
// counters, or typed). The ui draws it and calls its methods on taps; it
// holds nothing past the picker, which hands the result to the visit.
type Draft struct {
	Month  time.Time // first day of the month shown
	Day    time.Time // the chosen day, zero until chosen
	Hour   int
	Min    int
	Place  string
	Typing bool // the place is being typed on the letter pad
}

// MaxPlace bounds a typed place: an address, a desk, a name of a service.
const MaxPlace = 80

// MinuteStep is how far the minute buttons move.
const MinuteStep = 5

// NewDraft starts a draft at today's month (now, in the kiosk's time zone)
// and 9:00, or at the appointment a when the resident changes it.
func NewDraft(now time.Time, a *Appointment) *Draft {
	d := &Draft{Month: firstOfMonth(now), Hour: 9}
	if a != nil {
		at := a.At.In(now.Location())
		d.Day = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, at.Location())
		d.Month = firstOfMonth(at)
		d.Hour, d.Min, d.Place = at.Hour(), at.Minute(), a.Place
	}
	return d
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// Today is the start of now's day: days before it cannot be chosen.
func Today(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
}

// ShowMonth moves the month shown by n months.
func (d *Draft) ShowMonth(n int) { d.Month = d.Month.AddDate(0, n, 0) }

// Choose picks a day.
func (d *Draft) Choose(day time.Time) { d.Day = day }

// StepHour moves the hour by n, round the clock.
func (d *Draft) StepHour(n int) { d.Hour = ((d.Hour+n)%24 + 24) % 24 }

// StepMinutes moves the minutes by n steps of MinuteStep, round the hour.
func (d *Draft) StepMinutes(n int) { d.Min = ((d.Min+n*MinuteStep)%60 + 60) % 60 }

// TogglePlace chooses a counter, or lets it go when it was chosen.
func (d *Draft) TogglePlace(name string) {
	if d.Place == name {
		d.Place = ""
	} else {
		d.Place = name
	}
}

// Typed tells whether the place was typed rather than chosen among the
// counters.
func (d *Draft) Typed(counters []string) bool {
	return d.Place != "" && !slices.Contains(counters, d.Place)
}

// StartTyping opens the letter pad; a counter chosen before is not the
// start of what is typed.
func (d *Draft) StartTyping(counters []string) {
	if !d.Typed(counters) {
		d.Place = ""
	}
	d.Typing = true
}

// Type adds s to the typed place, up to MaxPlace characters.
func (d *Draft) Type(s string) {
	if len([]rune(d.Place))+len([]rune(s)) <= MaxPlace {
		d.Place += s
	}
}

// Erase takes the typed place's last character off.
func (d *Draft) Erase() {
	if r := []rune(d.Place); len(r) > 0 {
		d.Place = string(r[:len(r)-1])
	}
}

// Appointment is what the draft says; false until a day is chosen.
func (d *Draft) Appointment() (*Appointment, bool) {
	if d.Day.IsZero() {
		return nil, false
	}
	return &Appointment{At: time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), d.Hour, d.Min, 0, 0, d.Day.Location()), Place: d.Place}, true
}
