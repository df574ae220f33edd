package shell

// The staff side of the window: the PIN pad behind the hidden gesture, the
// out-of-service screen, and the maintenance screens (devices, usage, kiosk).
// Lobby agents work in French, so these screens are not translated.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/config"
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

// staffWindow is what the staff screens need of the window: its buttons
// (named, for tests and screenshots) and pictograms, a redraw of the whole
// screen, a screenshot, and the resident's screen they may take over.
type staffWindow interface {
	button(name string, onClick func()) *gtk.Button
	actionButton(name, pic, text string, onClick func()) *gtk.Button
	picto(name string, px int) *gtk.Image
	Button(name string) (*gtk.Button, bool)
	rebuild()
	saveShot(what string)
	screenWidth() int
	Shown() session.Snapshot
}

// staffScreens are the staff side of the window: the PIN pad, the
// out-of-service screen and the maintenance tabs. The window draws them
// where they go; a nil *staffScreens is a kiosk without staff screens.
type staffScreens struct {
	win   staffWindow
	opt   *Staff
	kiosk config.Kiosk
	end   func(session.EndReason) // ends the resident's session
	log   *slog.Logger

	pinBody, pinActions *gtk.Box // the PIN panel's, framed by the window

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

// newStaffScreens makes the staff side of the window opt configures; nil
// when it has none.
func newStaffScreens(win staffWindow, opt Options) *staffScreens {
	if opt.Staff == nil {
		return nil
	}
	return &staffScreens{win: win, opt: opt.Staff, kiosk: opt.Config.Kiosk, end: opt.Session.End, log: opt.Log,
		pinBody: vbox(16), pinActions: hbox(24)}
}

// mode is what the staff side shows: Closed when there is none.
func (m *staffScreens) mode() staff.Mode {
	if m == nil {
		return staff.Closed
	}
	return m.snap.Mode
}

// outOfService tells whether staff keep residents out.
func (m *staffScreens) outOfService() bool { return m != nil && m.snap.OutOfService }

// activity keeps the staff side open while staff use it; false when the
// input is a resident's.
func (m *staffScreens) activity() bool {
	if m.mode() == staff.Closed {
		return false
	}
	m.opt.Maintenance.Activity()
	return true
}

// PostStaff hands a maintenance snapshot to the main loop; safe from any
// goroutine (it is the Maintenance's OnChange).
func (s *Shell) PostStaff(snap staff.Snapshot) {
	glib.IdleAdd(func() { s.staff.render(snap) })
}

func (m *staffScreens) render(snap staff.Snapshot) {
	if m == nil {
		return
	}
	prev := m.snap
	m.snap = snap
	if snap.Mode == staff.Open && prev.Mode != staff.Open {
		m.ctx, m.cancel = context.WithCancel(context.Background())
		m.tab, m.tests, m.export = "devices", map[string]string{}, ""
		m.days, m.report = 0, nil // figures read afresh at each visit
		m.refreshDevices()
		// Staff took over: a resident's data must not wait under the staff screens.
		if st := m.win.Shown().State; st == session.Active || st == session.Warning {
			m.end(session.EndStaff)
		}
	}
	if snap.Mode != staff.Open && m.cancel != nil {
		m.cancel() // a test scan must not hold the scanner from the next resident
		m.cancel = nil
	}
	if snap.Mode != staff.AskingPIN {
		m.pin, m.pinMsg = "", ""
	}
	if snap.Mode != prev.Mode || snap.OutOfService != prev.OutOfService {
		m.redraw()
	}
	if snap.Mode == staff.AskingPIN {
		m.buildPINPad()
	}
}

// redraw draws the window again, and saves the staff screen under its name.
func (m *staffScreens) redraw() {
	m.win.rebuild()
	m.scheduleShot()
}

// tap sees every primary press and release before any widget, at root
// coordinates; true swallows it.
func (m *staffScreens) tap(x, y float64, press bool) bool {
	if m == nil || !m.snap.PINEnabled || m.snap.Mode != staff.Closed || m.win.Shown().State != session.Attract ||
		x >= gestureCorner || y >= gestureCorner {
		return false
	}
	if !press {
		return true
	}
	now := time.Now()
	taps := append(m.taps, now)
	for len(taps) > 0 && now.Sub(taps[0]) > gestureWithin {
		taps = taps[1:]
	}
	m.taps = taps
	if len(taps) >= gestureTaps {
		m.taps = nil
		if err := m.opt.Maintenance.Gesture(); err != nil {
			m.log.Warn("staff: gesture", "err", err)
		}
	}
	return true
}

// buildPINPad fills the PIN panel: dots for the digits typed, what the last
// attempt said, and the keys (locked after too many wrong PINs).
func (m *staffScreens) buildPINPad() {
	removeChildren(m.pinBody)
	removeChildren(m.pinActions)
	snap := m.snap
	m.pinBody.PackStart(label("Code du personnel", "title"), false, false, 0)
	dots := strings.Repeat("● ", len(m.pin))
	if dots == "" {
		dots = " "
	}
	m.pinBody.PackStart(label(dots, "lead"), false, false, 0)
	msg := m.pinMsg
	locked := !snap.LockedUntil.IsZero() && time.Now().Before(snap.LockedUntil)
	if locked {
		msg = fmt.Sprintf("Trop de codes faux : réessayez après %s.", snap.LockedUntil.Local().Format("15:04:05"))
		// The keys come back by themselves when the lock ends.
		glib.TimeoutAdd(uint(time.Until(snap.LockedUntil).Milliseconds())+100, func() bool {
			if m.snap.Mode == staff.AskingPIN {
				m.buildPINPad()
			}
			return false
		})
	}
	if msg != "" {
		m.pinBody.PackStart(label(msg, "note"), false, false, 0)
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
			b = m.win.actionButton("pin-erase", "delete", "Effacer", func() {
				if n := len(m.pin); n > 0 {
					m.pin = m.pin[:n-1]
					m.buildPINPad()
				}
			})
		case "ok":
			b = m.win.actionButton("pin-ok", "done", "Valider", m.submitPIN)
			addClass(&b.Widget, "primary")
		default:
			b = m.win.button("pin-"+k, func() {
				if len(m.pin) < 12 {
					m.pin += k
					m.buildPINPad()
				}
			})
			b.Add(label(k, "tile-name"))
			addClass(&b.Widget, "key")
		}
		b.SetSensitive(!locked && !m.checking)
		grid.Attach(b, i%3, i/3, 1, 1)
	}
	m.pinBody.PackStart(grid, false, false, 0)
	m.pinActions.PackStart(m.win.actionButton("pin-cancel", "back", "Annuler", m.opt.Maintenance.Cancel), false, false, 0)
	m.pinBody.ShowAll() // the window shows the panel itself while a PIN is asked
	m.pinActions.ShowAll()
}

// submitPIN checks the PIN off the main loop: argon2id takes a moment.
func (m *staffScreens) submitPIN() {
	pin, maint := m.pin, m.opt.Maintenance
	m.pin, m.checking = "", true
	m.buildPINPad()
	go func() {
		err := maint.SubmitPIN(pin)
		glib.IdleAdd(func() {
			m.checking = false
			var locked *staff.LockedError
			switch {
			case err == nil, errors.Is(err, staff.ErrNotAsking), errors.As(err, &locked):
				m.pinMsg = ""
			case errors.Is(err, staff.ErrWrongPIN):
				left := maint.Snapshot().AttemptsLeft
				m.pinMsg = fmt.Sprintf("Code faux. Encore %d essai(s) avant blocage.", left)
			default:
				m.pinMsg = "Le code n'a pas pu être vérifié : voir le journal de la borne."
			}
			if m.snap.Mode == staff.AskingPIN {
				m.buildPINPad()
			}
		})
	}()
}

// outOfServiceScreen replaces the attract screen while staff keep the
// kiosk out of service: residents are sent to the counter, in every
// language the kiosk speaks, cat's first.
func (m *staffScreens) outOfServiceScreen(cat *i18n.Catalog) gtk.IWidget {
	box := vbox(24)
	addClass(&box.Widget, "screen")
	box.SetVAlign(gtk.ALIGN_CENTER)
	box.SetName("out-of-service")
	box.PackStart(label(m.kiosk.Site, "site"), false, false, 0)
	box.PackStart(m.win.picto("help", 160), false, false, 0)
	box.PackStart(label(cat.T("Cette borne est hors service. Adressez-vous à l'accueil."), "title"), false, false, 0)
	for _, code := range m.kiosk.Languages {
		if code != cat.Language().Code {
			box.PackStart(label(i18n.For(code).T("Cette borne est hors service. Adressez-vous à l'accueil."), "greeting"), false, false, 0)
		}
	}
	return box
}

// screen is the staff screen: tabs, then the chosen tab.
func (m *staffScreens) screen() gtk.IWidget {
	box := vbox(20)
	addClass(&box.Widget, "screen")
	box.SetName("maintenance")
	via := map[staff.Via]string{staff.ViaKey: "clé", staff.ViaPIN: "code"}[m.snap.Via]
	box.PackStart(label(fmt.Sprintf("Maintenance — borne %s", m.kiosk.ID), "title"), false, false, 0)
	box.PackStart(label(fmt.Sprintf("%s — ouverte par %s", m.kiosk.Site, via), "note"), false, false, 0)
	tabs := hbox(16)
	for _, t := range []struct{ id, pic, text string }{
		{"devices", "print", "Appareils"}, {"usage", "family", "Utilisation"}, {"kiosk", "house", "Borne"},
	} {
		b := m.win.actionButton("staff-tab-"+t.id, t.pic, t.text, func() {
			m.tab = t.id
			if t.id == "usage" && m.days == 0 {
				m.loadUsage(7)
			}
			m.redraw()
		})
		setClass(&b.Widget, "primary", m.tab == t.id)
		tabs.PackStart(b, false, false, 0)
	}
	box.PackStart(tabs, false, false, 0)
	switch m.tab {
	case "usage":
		box.PackStart(m.usageTab(), false, false, 0)
	case "kiosk":
		box.PackStart(m.kioskTab(), false, false, 0)
	default:
		box.PackStart(m.devicesTab(), false, false, 0)
	}
	return box
}

var deviceNames = map[string]string{health.Scanner: "Scanner", health.Printer: "Imprimante A4", health.Receipt: "Imprimante de tickets"}

var paperWords = map[string]string{"ok": "papier OK", "low": "papier bientôt fini", "out": "plus de papier", "unknown": "papier : inconnu"}

// devicesTab: each device's state, supplies, its test and its power cycle.
func (m *staffScreens) devicesTab() gtk.IWidget {
	box := vbox(16)
	if m.opt.Health == nil {
		box.PackStart(label("Aucun appareil n'est configuré.", "lead"), false, false, 0)
		return box
	}
	if m.statuses == nil {
		box.PackStart(label("Vérification des appareils…", "lead"), false, false, 0)
	}
	for _, st := range m.statuses {
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
		h := m.opt.Health
		if h.HasTest(st.Device) {
			actions.PackStart(m.win.actionButton("staff-test-"+st.Device, "done", "Tester", func() {
				m.runTest(st.Device, "staff-test-"+st.Device, func(ctx context.Context) (string, []health.Status) {
					r, statuses, _ := h.Test(ctx, st.Device)
					return resultText(r), statuses
				})
			}), false, false, 0)
		}
		if cycle, ok := m.opt.PowerCycle[st.Device]; ok {
			actions.PackStart(m.win.actionButton("staff-cycle-"+st.Device, "rotate", "Couper et rallumer", func() {
				m.runTest(st.Device, "staff-cycle-"+st.Device, func(ctx context.Context) (string, []health.Status) {
					msg := "Alimentation coupée puis rétablie."
					if err := cycle(ctx); err != nil {
						msg = fmt.Sprintf("Alimentation non coupée : %v", err)
					}
					return msg, h.Refresh(ctx)
				})
			}), false, false, 0)
		}
		top.PackEnd(actions, false, false, 0)
		if res := m.tests[st.Device]; res != "" {
			row.PackStart(leftLabel(res, "note"), false, false, 0)
		}
		box.PackStart(row, false, false, 0)
	}
	box.PackStart(m.win.actionButton("staff-refresh", "rotate", "Actualiser", m.refreshDevices), false, false, 0)
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
func (m *staffScreens) refreshDevices() {
	h := m.opt.Health
	if h == nil {
		return
	}
	go func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, 20*time.Second)
		defer cancel()
		st := h.Refresh(ctx)
		glib.IdleAdd(func() {
			m.statuses = st
			if m.snap.Mode == staff.Open && m.tab == "devices" {
				m.redraw()
			}
		})
	}(m.ctx)
}

// runTest runs a device test (or power cycle) off the main loop; it asks
// the devices again, and both are shown at once.
func (m *staffScreens) runTest(device, button string, test func(ctx context.Context) (string, []health.Status)) {
	m.tests[device] = "En cours…"
	m.win.rebuild()
	m.refocus(button)
	go func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
		defer cancel()
		res, st := test(ctx)
		glib.IdleAdd(func() {
			m.tests[device] = res
			if st != nil {
				m.statuses = st
			}
			if m.snap.Mode == staff.Open && m.tab == "devices" {
				m.redraw()
				m.refocus(button)
			}
		})
	}(m.ctx)
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
func (m *staffScreens) refocus(name string) {
	if b, ok := m.win.Button(name); ok {
		b.GrabFocus()
	}
}

// kioskTab: out of service, restart, back to residents.
func (m *staffScreens) kioskTab() gtk.IWidget {
	box := vbox(16)
	if m.snap.OutOfService {
		box.PackStart(label("La borne est HORS SERVICE : les usagers voient un écran qui les envoie à l'accueil.", "lead"), false, false, 0)
		box.PackStart(m.win.actionButton("staff-in-service", "done", "Remettre en service", func() { m.setOutOfService(false) }), false, false, 0)
	} else {
		box.PackStart(label("La borne est en service.", "lead"), false, false, 0)
		box.PackStart(m.win.actionButton("staff-out-of-service", "help", "Mettre hors service", func() { m.setOutOfService(true) }), false, false, 0)
	}
	if m.opt.Restart != nil {
		box.PackStart(label("Redémarrer relit la configuration et repart de l'écran d'accueil.", "note"), false, false, 0)
		box.PackStart(m.win.actionButton("staff-restart", "rotate", "Redémarrer la borne", m.opt.Restart), false, false, 0)
	}
	return box
}

func (m *staffScreens) setOutOfService(on bool) {
	if err := m.opt.Maintenance.SetOutOfService(on); err != nil {
		m.log.Error("staff: out of service", "err", err)
	}
}

// leaveButton, in the bar under the staff screens, gives the kiosk back to
// residents.
func (m *staffScreens) leaveButton() *gtk.Button {
	leave := m.win.actionButton("staff-leave", "back", "Retour aux usagers", m.opt.Maintenance.Leave)
	addClass(&leave.Widget, "done")
	return leave
}

// scheduleShot saves the staff screens too, under their own names.
func (m *staffScreens) scheduleShot() {
	name := "staff-closed"
	switch m.snap.Mode {
	case staff.Open:
		name = "staff-" + m.tab
	case staff.AskingPIN:
		name = "staff-pin"
	}
	if m.snap.OutOfService && m.snap.Mode == staff.Closed {
		name = "out-of-service"
	}
	m.win.saveShot(name)
}

// fault counts a device fault a screen met.
func (s *Shell) fault(device, code string) {
	if s.opt.Staff != nil && s.opt.Staff.Health != nil {
		s.opt.Staff.Health.Fault(device, code)
	}
}
