package shell

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/ticket"
)

// showAppointment opens Borne's own date and time picker (big buttons, no
// WebKit or GTK native picker) on the visit's appointment, or a new one;
// next runs once it is closed (back to the ticket offer). The draft
// (kiosk/ticket) lives only while the picker is open; the visit keeps what
// is validated until it ends.
func (s *Shell) showAppointment(next func()) {
	d := ticket.NewDraft(time.Now().In(s.cfg.Location()), s.cur().Snapshot().Appointment)
	s.drawAppointment(d, next)
}

func (s *Shell) drawAppointment(d *ticket.Draft, next func()) {
	redraw := func(change func()) func() {
		return func() { change(); s.drawAppointment(d, next) }
	}
	if d.Typing {
		s.drawPlacePad(d, redraw)
		return
	}
	today := ticket.Today(time.Now().In(s.cfg.Location()))

	// The month: its name between "previous" and "next", then its days
	// under the weekdays, Monday first.
	cal := vbox(8)
	head := hbox(12)
	head.SetHAlign(gtk.ALIGN_CENTER)
	prev := s.actionButton("appt-prev-month", "back", "", redraw(func() { d.ShowMonth(-1) }))
	setAccessible(&prev.Widget, s.cat.T("Mois précédent"), "")
	prev.SetSensitive(d.Month.After(today))
	nextMonth := s.actionButton("appt-next-month", "forward", "", redraw(func() { d.ShowMonth(1) }))
	setAccessible(&nextMonth.Widget, s.cat.T("Mois suivant"), "")
	title := label(ticket.MonthYear(s.cat, d.Month), "tile-name")
	title.SetSizeRequest(240, -1)
	head.PackStart(prev, false, false, 0)
	head.PackStart(title, false, false, 0)
	head.PackStart(nextMonth, false, false, 0)
	cal.PackStart(head, false, false, 0)
	grid, _ := gtk.GridNew()
	grid.SetRowSpacing(4)
	grid.SetColumnSpacing(4)
	grid.SetColumnHomogeneous(true)
	grid.SetHAlign(gtk.ALIGN_CENTER)
	for i, name := range s.weekdaysShort() {
		grid.Attach(label(name, "weekday"), i, 0, 1, 1)
	}
	offset := (int(d.Month.Weekday()) + 6) % 7 // Monday is column 0
	for day := d.Month; day.Month() == d.Month.Month(); day = day.AddDate(0, 0, 1) {
		chosen := day
		b := s.button(fmt.Sprintf("appt-day-%d", day.Day()), redraw(func() { d.Choose(chosen) }))
		addClass(&b.Widget, "day")
		setClass(&b.Widget, "chosen", day.Equal(d.Day))
		b.Add(label(strconv.Itoa(day.Day()), "action-label"))
		setAccessible(&b.Widget, ticket.Date(s.cat, day), "")
		b.SetSensitive(!day.Before(today))
		cell := offset + day.Day() - 1
		grid.Attach(b, cell%7, 1+cell/7, 1, 1)
	}
	cal.PackStart(grid, false, false, 0)

	// What was chosen so far, then the time: hours and minutes, each with
	// a minus and a plus.
	side := vbox(12)
	text := s.cat.T("Un agent vous a donné un rendez-vous ? Il sera imprimé sur votre ticket, avec un code pour votre téléphone, puis effacé de la borne.")
	if !d.Day.IsZero() {
		text = s.cat.T("Le %s à %s", ticket.Date(s.cat, d.Day), fmt.Sprintf("%02d:%02d", d.Hour, d.Min)) // the place shows chosen below
	}
	summary := label(text, "note")
	summary.SetMaxWidthChars(28)
	side.PackStart(summary, false, false, 0)
	timeRow := hbox(16)
	timeRow.SetHAlign(gtk.ALIGN_CENTER)
	timeRow.PackStart(label(s.cat.T("Heure"), "tile-name"), false, false, 0)
	clock := hbox(8)
	keepLTR(&clock.Widget)
	step := func(name, text string, change func()) *gtk.Button {
		b := s.button(name, redraw(change))
		addClass(&b.Widget, "key")
		b.Add(label(text, "key-label"))
		return b
	}
	hourMinus := step("appt-hour-minus", "−", func() { d.StepHour(-1) })
	setAccessible(&hourMinus.Widget, s.cat.T("Une heure plus tôt"), "")
	hourPlus := step("appt-hour-plus", "+", func() { d.StepHour(1) })
	setAccessible(&hourPlus.Widget, s.cat.T("Une heure plus tard"), "")
	minMinus := step("appt-min-minus", "−", func() { d.StepMinutes(-1) })
	setAccessible(&minMinus.Widget, s.cat.T("5 minutes plus tôt"), "")
	minPlus := step("appt-min-plus", "+", func() { d.StepMinutes(1) })
	setAccessible(&minPlus.Widget, s.cat.T("5 minutes plus tard"), "")
	shown := label(fmt.Sprintf("%02d:%02d", d.Hour, d.Min), "title")
	shown.SetName("appt-time")
	clock.PackStart(hourMinus, false, false, 0)
	clock.PackStart(hourPlus, false, false, 0)
	clock.PackStart(shown, false, false, 8)
	clock.PackStart(minMinus, false, false, 0)
	clock.PackStart(minPlus, false, false, 0)
	timeRow.PackStart(clock, false, false, 0)
	side.PackStart(timeRow, false, false, 0)

	// The place: one of the site's counters, or none.
	side.PackStart(label(s.cat.T("Lieu"), "tile-name"), false, false, 0)
	var counters []string
	for _, a := range s.cfg.Agencies {
		counters = append(counters, a.Name)
	}
	for i, name := range counters {
		b := s.button(fmt.Sprintf("appt-place-%d", i+1), redraw(func() { d.TogglePlace(name) }))
		addClass(&b.Widget, "action")
		setClass(&b.Widget, "chosen", d.Place == name)
		b.Add(label(name, "action-label"))
		setAccessible(&b.Widget, name, "")
		side.PackStart(b, false, false, 0)
	}
	typed := d.Typed(counters)
	other := s.actionButton("appt-place-other", "keyboard", s.cat.T("Écrire le lieu"), redraw(func() { d.StartTyping(counters) }))
	setClass(&other.Widget, "chosen", typed)
	side.PackStart(other, false, false, 0)
	if typed {
		side.PackStart(label(d.Place, "note"), false, false, 0)
	}

	body := hbox(32)
	body.PackStart(cal, false, false, 0)
	body.PackStart(side, false, false, 0)

	appt, complete := d.Appointment()
	ok := s.actionButton("appt-ok", "done", s.cat.T("Valider"), func() {
		s.cur().SetAppointment(appt)
		next()
	})
	addClass(&ok.Widget, "primary")
	ok.SetSensitive(complete)
	actions := []*gtk.Button{ok}
	if s.cur().Snapshot().Appointment != nil {
		actions = append(actions, s.actionButton("appt-remove", "delete", s.cat.T("Supprimer"), func() {
			s.cur().SetAppointment(nil)
			next()
		}))
	}
	actions = append(actions, s.actionButton("appt-cancel", "back", s.cat.T("Annuler"), next))
	s.showDialog("", s.cat.T("Votre rendez-vous"), "", body, actions...) // no picture: the month needs the room
}

// appointmentButton offers, with the ticket, to add the appointment an
// agent gave (or to change it), then comes back to back.
func (s *Shell) appointmentButton(back func()) *gtk.Button {
	text := s.cat.T("Ajouter un rendez-vous")
	if s.cur().Snapshot().Appointment != nil {
		text = s.cat.T("Modifier le rendez-vous")
	}
	return s.actionButton("appt-add", "calendar", text, func() { s.showAppointment(back) })
}

// weekdaysShort names the days of the week, Monday first, as a calendar's
// column heads.
func (s *Shell) weekdaysShort() []string {
	return []string{s.cat.T("lun."), s.cat.T("mar."), s.cat.T("mer."), s.cat.T("jeu."), s.cat.T("ven."), s.cat.T("sam."), s.cat.T("dim.")}
}

// drawPlacePad lets the resident type the place on Borne's own letter pad
// (the letters, the French accents, digits), never a system keyboard.
func (s *Shell) drawPlacePad(d *ticket.Draft, redraw func(func()) func()) {
	body := vbox(8)
	field := label(d.Place+"▏", "lead")
	field.SetName("appt-place-field")
	addClass(&field.Widget, "field")
	keepLTR(&field.Widget)
	body.PackStart(field, false, false, 0)
	rows := [][]string{
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"},
		{"a", "z", "e", "r", "t", "y", "u", "i", "o", "p"},
		{"q", "s", "d", "f", "g", "h", "j", "k", "l", "m"},
		{"w", "x", "c", "v", "b", "n", "'", "-", ",", "."},
		{"é", "è", "ê", "à", "ç", "ù", "ô", "î"},
	}
	for _, keys := range rows {
		row := hbox(6)
		row.SetHAlign(gtk.ALIGN_CENTER)
		keepLTR(&row.Widget)
		for _, key := range keys {
			b := s.button("appt-key-"+key, redraw(func() { d.Type(key) }))
			addClass(&b.Widget, "key")
			b.Add(label(key, "key-label"))
			row.PackStart(b, false, false, 0)
		}
		body.PackStart(row, false, false, 0)
	}
	last := hbox(6)
	last.SetHAlign(gtk.ALIGN_CENTER)
	space := s.button("appt-key-space", redraw(func() { d.Type(" ") }))
	addClass(&space.Widget, "key")
	space.Add(label(s.cat.T("espace"), "key-label"))
	space.SetSizeRequest(320, -1)
	erase := s.button("appt-key-erase", redraw(d.Erase))
	addClass(&erase.Widget, "key")
	erase.Add(label("⌫", "key-label"))
	setAccessible(&erase.Widget, s.cat.T("Effacer"), "")
	last.PackStart(space, false, false, 0)
	last.PackStart(erase, false, false, 0)
	body.PackStart(last, false, false, 0)
	done := s.actionButton("appt-place-done", "done", s.cat.T("Valider"), redraw(func() { d.Typing = false }))
	addClass(&done.Widget, "primary")
	s.showDialog("", s.cat.T("Lieu"), "", body, done)
}
