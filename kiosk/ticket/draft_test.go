package ticket

import (
	"testing"
	"time"
)

// The picker's taps, as the draft takes them: the clock wraps, a counter
// toggles, typing starts afresh from a counter but goes on from what was
// typed, the place is bounded, and nothing is an appointment until a day
// is chosen.
func TestDraft(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 16, 20, 0, 0, paris)
	counters := []string{"CAF de Lille", "CPAM Roubaix"}
	day := time.Date(2026, 12, 24, 0, 0, 0, 0, paris)
	for _, tc := range []struct {
		name  string
		from  *Appointment
		taps  func(d *Draft)
		want  *Appointment // nil: not complete
		month time.Month
	}{
		{name: "new, nothing chosen", taps: func(*Draft) {}, month: time.December},
		{name: "day and 9:00 by default", taps: func(d *Draft) { d.Choose(day) },
			want: &Appointment{At: time.Date(2026, 12, 24, 9, 0, 0, 0, paris)}, month: time.December},
		{name: "the clock wraps both ways", taps: func(d *Draft) {
			d.Choose(day)
			d.StepHour(-10) // 23
			d.StepMinutes(-1)
			d.StepMinutes(-1) // 50
			d.StepHour(2)     // 1
			d.StepMinutes(3)  // 5
		}, want: &Appointment{At: time.Date(2026, 12, 24, 1, 5, 0, 0, paris)}, month: time.December},
		{name: "a counter toggles", taps: func(d *Draft) {
			d.Choose(day)
			d.TogglePlace("CAF de Lille")
			d.TogglePlace("CPAM Roubaix")
			d.TogglePlace("CPAM Roubaix")
			d.TogglePlace("CAF de Lille")
		}, want: &Appointment{At: time.Date(2026, 12, 24, 9, 0, 0, 0, paris), Place: "CAF de Lille"}, month: time.December},
		{name: "typing replaces a counter, goes on from what was typed", taps: func(d *Draft) {
			d.Choose(day)
			d.TogglePlace("CAF de Lille")
			d.StartTyping(counters)
			d.Type("Mairie")
			d.Type(" ")
			d.Type("é")
			d.Erase()
			d.Type("2")
			d.Typing = false
			d.StartTyping(counters)
			d.Type("b")
		}, want: &Appointment{At: time.Date(2026, 12, 24, 9, 0, 0, 0, paris), Place: "Mairie 2b"}, month: time.December},
		{name: "changing one starts from it", from: &Appointment{At: time.Date(2027, 2, 1, 8, 45, 0, 0, time.UTC), Place: "Mairie"},
			taps: func(d *Draft) { d.StepMinutes(1) },
			want: &Appointment{At: time.Date(2027, 2, 1, 9, 50, 0, 0, paris), Place: "Mairie"}, month: time.February},
		{name: "months move", taps: func(d *Draft) { d.ShowMonth(2); d.ShowMonth(-1) }, month: time.January},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDraft(now, tc.from)
			tc.taps(d)
			got, ok := d.Appointment()
			if ok != (tc.want != nil) || ok && (!got.At.Equal(tc.want.At) || got.Place != tc.want.Place) {
				t.Errorf("appointment %+v %v, want %+v", got, ok, tc.want)
			}
			if d.Month.Month() != tc.month || d.Month.Day() != 1 {
				t.Errorf("month shown %v, want the 1st of %v", d.Month, tc.month)
			}
		})
	}
}

// A typed place stops at MaxPlace characters (runes, not bytes) and erases
// down to nothing; today starts at midnight.
func TestDraftBounds(t *testing.T) {
	d := NewDraft(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), nil)
	d.StartTyping(nil)
	for range MaxPlace + 10 {
		d.Type("é")
	}
	if n := len([]rune(d.Place)); n != MaxPlace {
		t.Errorf("typed place of %d characters, want %d", n, MaxPlace)
	}
	for range MaxPlace + 1 {
		d.Erase()
	}
	if d.Place != "" {
		t.Errorf("place %q after erasing it all", d.Place)
	}
	if d.Typed(nil) {
		t.Errorf("an empty place counts as typed")
	}
	if got := Today(time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("today %v", got)
	}
}
