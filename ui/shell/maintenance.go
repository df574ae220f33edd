package shell

// The staff side of the window: the PIN pad behind the hidden gesture, the
// out-of-service screen, and the maintenance screens (devices, usage, kiosk).
// Lobby agents work in French, so these screens are not translated.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/health"
	"borne/kiosk/i18n"
	"borne/kiosk/session"
	"borne/kiosk/staff"
	"borne/kiosk/usage"
)

// Staff is what the maintenance screens work with.
type Staff struct {
	Maintenance *staff.Maintenance
	Health      *health.Monitor // nil: no device status
	Usage       *usage.Store    // nil: no usage dashboard
	// Restart restarts the kiosk process (a fresh start, config re-read).
	Restart func()
	// PowerCycle cuts and restores a device's power through its relay, by
	// device (health.Scanner…); a device without a relay is absent.
	PowerCycle map[string]func(ctx context.Context) error
	// USBKeys lists where a USB key is mounted; nil: staff.USBKeys.
	USBKeys func() ([]string, error)
}

// The hidden gesture: gestureTaps taps within gestureWithin in the top-left
// corner of the attract screen. A corner no resident aims at, and taps
// there are swallowed, so they never start a session.
const (
	gestureCorner = 100 // px
	gestureTaps   = 5
	gestureWithin = 5 * time.Second
)

// staffState is what the shell shows of the staff side.
type staffState struct {
	snap     staff.Snapshot
	tab      string // devices, usage, kiosk
	pin      string // digits typed on the pad
	pinMsg   string
	checking bool // a PIN is being checked
	taps     []time.Time
	ctx      context.Context // ends when maintenance closes: staff tests stop with it
	cancel   context.CancelFunc
	statuses []health.Status
	tests    map[string]string // last test result by device
	days     int               // the dashboard's period
	report   *usage.Report
	export   string // the last export's outcome
}

// PostStaff hands a maintenance snapshot to the main loop; safe from any
// goroutine (it is the Maintenance's OnChange).
func (s *Shell) PostStaff(snap staff.Snapshot) {
	glib.IdleAdd(func() { s.renderStaff(snap) })
}

func (s *Shell) renderStaff(snap staff.Snapshot) {
	prev := s.staff.snap
	s.staff.snap = snap
	if snap.Mode == staff.Open && prev.Mode != staff.Open {
		s.staff.ctx, s.staff.cancel = context.WithCancel(context.Background())
		s.staff.tab, s.staff.tests, s.staff.export = "devices", map[string]string{}, ""
		s.staff.days, s.staff.report = 0, nil // figures read afresh at each visit
		s.refreshDevices()
		// Staff took over: a resident's data must not wait under the staff screens.
		if s.shown.State == session.Active || s.shown.State == session.Warning {
			s.opt.Session.End(session.EndStaff)
		}
	}
	if snap.Mode != staff.Open && s.staff.cancel != nil {
		s.staff.cancel() // a test scan must not hold the scanner from the next resident
		s.staff.cancel = nil
	}
	if snap.Mode != staff.AskingPIN {
		s.staff.pin, s.staff.pinMsg = "", ""
	}
	if snap.Mode != prev.Mode || snap.OutOfService != prev.OutOfService {
		s.rebuild()
		s.scheduleStaffShot()
	}
	if snap.Mode == staff.AskingPIN {
		s.buildPINPad()
	}
	s.syncVisibility()
}

// staffTap sees every primary press and release before any widget, at root
// coordinates; true swallows it.
func (s *Shell) staffTap(x, y float64, press bool) bool {
	m := s.opt.Staff
	if m == nil || !s.staff.snap.PINEnabled || s.staff.snap.Mode != staff.Closed || s.shown.State != session.Attract ||
		x >= gestureCorner || y >= gestureCorner {
		return false
	}
	if !press {
		return true
	}
	now := time.Now()
	taps := append(s.staff.taps, now)
	for len(taps) > 0 && now.Sub(taps[0]) > gestureWithin {
		taps = taps[1:]
	}
	s.staff.taps = taps
	if len(taps) >= gestureTaps {
		s.staff.taps = nil
		if err := m.Maintenance.Gesture(); err != nil {
			s.opt.Log.Warn("staff: gesture", "err", err)
		}
	}
	return true
}

// buildPINPad fills the PIN panel: dots for the digits typed, what the last
// attempt said, and the keys (locked after too many wrong PINs).
func (s *Shell) buildPINPad() {
	removeChildren(s.pinBody)
	removeChildren(s.pinActions)
	snap := s.staff.snap
	s.pinBody.PackStart(label("Code du personnel", "title"), false, false, 0)
	dots := strings.Repeat("● ", len(s.staff.pin))
	if dots == "" {
		dots = " "
	}
	s.pinBody.PackStart(label(dots, "lead"), false, false, 0)
	msg := s.staff.pinMsg
	locked := !snap.LockedUntil.IsZero() && time.Now().Before(snap.LockedUntil)
	if locked {
		msg = fmt.Sprintf("Trop de codes faux : réessayez après %s.", snap.LockedUntil.Local().Format("15:04:05"))
		// The keys come back by themselves when the lock ends.
		glib.TimeoutAdd(uint(time.Until(snap.LockedUntil).Milliseconds())+100, func() bool {
			if s.staff.snap.Mode == staff.AskingPIN {
				s.buildPINPad()
			}
			return false
		})
	}
	if msg != "" {
		s.pinBody.PackStart(label(msg, "note"), false, false, 0)
	}
	grid, _ := gtk.GridNew()
	grid.SetRowSpacing(12)
	grid.SetColumnSpacing(12)
	grid.SetColumnHomogeneous(true)
	grid.SetHAlign(gtk.ALIGN_CENTER)
	keys := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok"}
	for i, k := range keys {
		var b *gtk.Button
		switch k {
		case "erase":
			b = s.actionButton("pin-erase", "delete", "Effacer", func() {
				if n := len(s.staff.pin); n > 0 {
					s.staff.pin = s.staff.pin[:n-1]
					s.buildPINPad()
				}
			})
		case "ok":
			b = s.actionButton("pin-ok", "done", "Valider", s.submitPIN)
			addClass(&b.Widget, "primary")
		default:
			b = s.button("pin-"+k, func() {
				if len(s.staff.pin) < 12 {
					s.staff.pin += k
					s.buildPINPad()
				}
			})
			b.Add(label(k, "tile-name"))
			addClass(&b.Widget, "key")
		}
		b.SetSensitive(!locked && !s.staff.checking)
		grid.Attach(b, i%3, i/3, 1, 1)
	}
	s.pinBody.PackStart(grid, false, false, 0)
	s.pinActions.PackStart(s.actionButton("pin-cancel", "back", "Annuler", s.opt.Staff.Maintenance.Cancel), false, false, 0)
	s.pinPanel.ShowAll()
	s.syncVisibility()
}

// submitPIN checks the PIN off the main loop: argon2id takes a moment.
func (s *Shell) submitPIN() {
	pin, m := s.staff.pin, s.opt.Staff.Maintenance
	s.staff.pin, s.staff.checking = "", true
	s.buildPINPad()
	go func() {
		err := m.SubmitPIN(pin)
		glib.IdleAdd(func() {
			s.staff.checking = false
			var locked *staff.LockedError
			switch {
			case err == nil, errors.Is(err, staff.ErrNotAsking), errors.As(err, &locked):
				s.staff.pinMsg = ""
			case errors.Is(err, staff.ErrWrongPIN):
				left := m.Snapshot().AttemptsLeft
				s.staff.pinMsg = fmt.Sprintf("Code faux. Encore %d essai(s) avant blocage.", left)
			default:
				s.staff.pinMsg = "Le code n'a pas pu être vérifié : voir le journal de la borne."
			}
			if s.staff.snap.Mode == staff.AskingPIN {
				s.buildPINPad()
			}
		})
	}()
}

// outOfServiceScreen replaces the attract screen while staff keep the
// kiosk out of service: residents are sent to the counter, in every
// language the kiosk speaks.
func (s *Shell) outOfServiceScreen() gtk.IWidget {
	box := vbox(24)
	addClass(&box.Widget, "screen")
	box.SetVAlign(gtk.ALIGN_CENTER)
	box.SetName("out-of-service")
	box.PackStart(label(s.cfg.Kiosk.Site, "site"), false, false, 0)
	box.PackStart(s.picto("help", 160), false, false, 0)
	box.PackStart(label(s.cat.T("Cette borne est hors service. Adressez-vous à l'accueil."), "title"), false, false, 0)
	for _, code := range s.cfg.Kiosk.Languages {
		if code != s.cat.Language().Code {
			box.PackStart(label(i18n.For(code).T("Cette borne est hors service. Adressez-vous à l'accueil."), "greeting"), false, false, 0)
		}
	}
	return box
}

// maintenanceScreen is the staff screen: tabs, then the chosen tab.
func (s *Shell) maintenanceScreen() gtk.IWidget {
	box := vbox(20)
	addClass(&box.Widget, "screen")
	box.SetName("maintenance")
	via := map[staff.Via]string{staff.ViaKey: "clé", staff.ViaPIN: "code"}[s.staff.snap.Via]
	box.PackStart(label(fmt.Sprintf("Maintenance — borne %s", s.cfg.Kiosk.ID), "title"), false, false, 0)
	box.PackStart(label(fmt.Sprintf("%s — ouverte par %s", s.cfg.Kiosk.Site, via), "note"), false, false, 0)
	tabs := hbox(16)
	for _, t := range []struct{ id, pic, text string }{
		{"devices", "print", "Appareils"}, {"usage", "family", "Utilisation"}, {"kiosk", "house", "Borne"},
	} {
		b := s.actionButton("staff-tab-"+t.id, t.pic, t.text, func() {
			s.staff.tab = t.id
			if t.id == "usage" && s.staff.days == 0 {
				s.loadUsage(7)
			}
			s.rebuild()
			s.scheduleStaffShot()
		})
		setClass(&b.Widget, "primary", s.staff.tab == t.id)
		tabs.PackStart(b, false, false, 0)
	}
	box.PackStart(tabs, false, false, 0)
	switch s.staff.tab {
	case "usage":
		box.PackStart(s.usageTab(), false, false, 0)
	case "kiosk":
		box.PackStart(s.kioskTab(), false, false, 0)
	default:
		box.PackStart(s.devicesTab(), false, false, 0)
	}
	return box
}

var deviceNames = map[string]string{health.Scanner: "Scanner", health.Printer: "Imprimante A4", health.Receipt: "Imprimante de tickets"}

var paperWords = map[string]string{"ok": "papier OK", "low": "papier bientôt fini", "out": "plus de papier", "unknown": "papier : inconnu"}

// devicesTab: each device's state, supplies, its test and its power cycle.
func (s *Shell) devicesTab() gtk.IWidget {
	box := vbox(16)
	if s.opt.Staff.Health == nil {
		box.PackStart(label("Aucun appareil n'est configuré.", "lead"), false, false, 0)
		return box
	}
	if s.staff.statuses == nil {
		box.PackStart(label("Vérification des appareils…", "lead"), false, false, 0)
	}
	for _, st := range s.staff.statuses {
		row := vbox(6)
		addClass(&row.Widget, "device")
		state := "✔ En service"
		if !st.Up {
			state = "✖ En panne"
		}
		head := fmt.Sprintf("%s — %s", deviceNames[st.Device], state)
		if st.Paper != "" {
			head += " — " + paperWords[string(st.Paper)]
		}
		top := hbox(16)
		top.PackStart(leftLabel(head, "tile-name"), true, true, 0)
		row.PackStart(top, false, false, 0)
		row.PackStart(leftLabel(st.Staff, "note"), false, false, 0)
		for _, lv := range st.Levels {
			row.PackStart(levelRow(lv), false, false, 0)
		}
		actions := hbox(16)
		h := s.opt.Staff.Health
		if h.HasTest(st.Device) {
			actions.PackStart(s.actionButton("staff-test-"+st.Device, "done", "Tester", func() {
				s.runTest(st.Device, "staff-test-"+st.Device, func(ctx context.Context) (string, []health.Status) {
					r, statuses, _ := h.Test(ctx, st.Device)
					return resultText(r), statuses
				})
			}), false, false, 0)
		}
		if cycle, ok := s.opt.Staff.PowerCycle[st.Device]; ok {
			actions.PackStart(s.actionButton("staff-cycle-"+st.Device, "rotate", "Couper et rallumer", func() {
				s.runTest(st.Device, "staff-cycle-"+st.Device, func(ctx context.Context) (string, []health.Status) {
					msg := "Alimentation coupée puis rétablie."
					if err := cycle(ctx); err != nil {
						msg = fmt.Sprintf("Alimentation non coupée : %v", err)
					}
					return msg, h.Refresh(ctx)
				})
			}), false, false, 0)
		}
		top.PackEnd(actions, false, false, 0)
		if res := s.staff.tests[st.Device]; res != "" {
			row.PackStart(leftLabel(res, "note"), false, false, 0)
		}
		box.PackStart(row, false, false, 0)
	}
	box.PackStart(s.actionButton("staff-refresh", "rotate", "Actualiser", s.refreshDevices), false, false, 0)
	return box
}

// leftLabel is a label read as a list item: from the start edge.
func leftLabel(text, class string) *gtk.Label {
	l := label(text, class)
	l.SetXAlign(0)
	l.SetJustify(gtk.JUSTIFY_LEFT)
	return l
}

// levelRow shows a supply (toner, ink) as a bar with its percentage.
func levelRow(lv health.Level) gtk.IWidget {
	row := hbox(12)
	row.PackStart(label(lv.Name, "note"), false, false, 0)
	if lv.Percent < 0 {
		row.PackStart(label("niveau inconnu", "note"), false, false, 0)
		return row
	}
	bar, _ := gtk.LevelBarNewForInterval(0, 100)
	bar.SetValue(float64(lv.Percent))
	bar.SetSizeRequest(300, 24)
	row.PackStart(bar, false, false, 0)
	row.PackStart(label(fmt.Sprintf("%d %%", lv.Percent), "note"), false, false, 0)
	return row
}

// refreshDevices asks every device now.
func (s *Shell) refreshDevices() {
	h := s.opt.Staff.Health
	if h == nil {
		return
	}
	go func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, 20*time.Second)
		defer cancel()
		st := h.Refresh(ctx)
		glib.IdleAdd(func() {
			s.staff.statuses = st
			if s.staff.snap.Mode == staff.Open && s.staff.tab == "devices" {
				s.rebuild()
				s.scheduleStaffShot()
			}
		})
	}(s.staff.ctx)
}

// runTest runs a device test (or power cycle) off the main loop; it asks
// the devices again, and both are shown at once.
func (s *Shell) runTest(device, button string, test func(ctx context.Context) (string, []health.Status)) {
	s.staff.tests[device] = "En cours…"
	s.rebuild()
	s.refocus(button)
	go func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
		defer cancel()
		res, st := test(ctx)
		glib.IdleAdd(func() {
			s.staff.tests[device] = res
			if st != nil {
				s.staff.statuses = st
			}
			if s.staff.snap.Mode == staff.Open && s.staff.tab == "devices" {
				s.rebuild()
				s.refocus(button)
				s.scheduleStaffShot()
			}
		})
	}(s.staff.ctx)
}

// resultText is a self-test's result for staff: its verdict, the plain
// words, the fault code and how long it took.
func resultText(r health.Result) string {
	took := strings.Replace(fmt.Sprintf("%.1f s", r.Duration.Seconds()), ".", ",", 1)
	switch r.Outcome {
	case health.Pass:
		return "✔ " + r.Staff
	case health.Fail:
		return fmt.Sprintf("✖ %s (code %s, %s)", r.Staff, r.Code, took)
	}
	return r.Staff
}

// refocus puts the focus back on the button staff used, which scrolls it
// (and the result under it) into view after a redraw.
func (s *Shell) refocus(name string) {
	if b, ok := s.buttons[name]; ok {
		b.GrabFocus()
	}
}

// kioskTab: out of service, restart, back to residents.
func (s *Shell) kioskTab() gtk.IWidget {
	box := vbox(16)
	m := s.opt.Staff.Maintenance
	if s.staff.snap.OutOfService {
		box.PackStart(label("La borne est HORS SERVICE : les usagers voient un écran qui les envoie à l'accueil.", "lead"), false, false, 0)
		box.PackStart(s.actionButton("staff-in-service", "done", "Remettre en service", func() { s.setOutOfService(m, false) }), false, false, 0)
	} else {
		box.PackStart(label("La borne est en service.", "lead"), false, false, 0)
		box.PackStart(s.actionButton("staff-out-of-service", "help", "Mettre hors service", func() { s.setOutOfService(m, true) }), false, false, 0)
	}
	if s.opt.Staff.Restart != nil {
		box.PackStart(label("Redémarrer relit la configuration et repart de l'écran d'accueil.", "note"), false, false, 0)
		box.PackStart(s.actionButton("staff-restart", "rotate", "Redémarrer la borne", s.opt.Staff.Restart), false, false, 0)
	}
	return box
}

func (s *Shell) setOutOfService(m *staff.Maintenance, on bool) {
	if err := m.SetOutOfService(on); err != nil {
		s.opt.Log.Error("staff: out of service", "err", err)
	}
}

// scheduleStaffShot saves the staff screens too, under their own names.
func (s *Shell) scheduleStaffShot() {
	name := "staff-closed"
	switch s.staff.snap.Mode {
	case staff.Open:
		name = "staff-" + s.staff.tab
	case staff.AskingPIN:
		name = "staff-pin"
	}
	if s.staff.snap.OutOfService && s.staff.snap.Mode == staff.Closed {
		name = "out-of-service"
	}
	s.saveShot(name)
}

// fault counts a device fault a screen met.
func (s *Shell) fault(device, code string) {
	if s.opt.Staff != nil && s.opt.Staff.Health != nil {
		s.opt.Staff.Health.Fault(device, code)
	}
}
