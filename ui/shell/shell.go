// Package shell is Borne's GTK window: it shows the session's snapshots and
// turns taps into session commands. It holds no business state; only the GTK
// main loop touches its widgets.
package shell

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/config"
	"borne/kiosk/i18n"
	"borne/kiosk/session"
	"borne/kiosk/speech"
	"borne/kiosk/staff"
	"borne/kiosk/visit"
	"borne/ui/web"
)

// gotk3 drops its references from the Go finalizer goroutine by default;
// GTK, and WebKit even more (it aborts), must only be touched on the main
// loop, so the last unref of every wrapped object is queued there.
func init() {
	glib.FinalizerStrategy = func(f glib.Finalizer) { glib.IdleAdd(func() { f() }) }
}

// Options configures the window.
type Options struct {
	Config   *config.Config
	Session  *session.Manager
	Windowed bool   // dev mode: a decorated window that can be closed
	ShotsDir string // when set, each new screen is saved there as a PNG
	Log      *slog.Logger
	OnReady  func() // after the first screen is drawn
	// Speaker reads instructions aloud; nil: no sound card, no "listen" button.
	Speaker *speech.Speaker
	// Visits holds the residents' visits: their documents, scans, prints
	// and ends. Its Begin and End must be the session manager's OnStart
	// and OnEnd, its OnChange end in ShowVisit.
	Visits *visit.Host
	// Tickets is the ticket printer; nil: none, no ticket is offered.
	Tickets TicketPrinter
	// Staff is the maintenance side; nil: no staff screens.
	Staff *Staff
	// SleepAfter dims the welcome screen once the presence sensor has
	// seen nobody for that long; 0: DefaultSleepAfter.
	SleepAfter time.Duration
}

// Shell is the kiosk window.
type Shell struct {
	opt Options
	cfg *config.Config
	cat *i18n.Catalog

	win     *gtk.Window
	page    *gtk.Box // the current screen
	bar     *gtk.Box
	banner  *gtk.Label
	warning *gtk.Box
	count   *gtk.Label
	css     *gtk.CssProvider

	dialog *gtk.Box // a panel over the screen: a document received, the file picker

	warningPanel, dialogPanel     *gtk.Box
	warningActions, dialogActions *gtk.Box // under the panels' bodies, never scrolled away
	pinPanel                      *gtk.Box // the staff's PIN pad; nil without staff screens
	browser                       *browser // the session's web view, nil outside a service
	scan                          scanView
	visit                         *visit.Visit   // the visit ShowVisit last drew
	visitShown                    visit.Snapshot // what ShowVisit last drew of it
	staff                         *staffScreens  // nil: no staff screens
	asleep                        bool           // the welcome screen is dimmed: nobody near
	nobody                        bool           // the presence sensor sees nobody
	presenceGen                   uint64         // bumps on every presence change; stale sleep timers do nothing

	buttons      map[string]*gtk.Button // by widget name, for tests and screenshots
	shown        session.Snapshot
	dialogOpen   bool
	lastDocument string // the PDF the dialog offers, for tests
	drawn        bool
	shotSeq      int
}

// New builds the window. Call it on the GTK main loop after gtk.Init.
func New(opt Options) (*Shell, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Visits == nil {
		return nil, fmt.Errorf("shell: no visits host")
	}
	s := &Shell{opt: opt, cfg: opt.Config, buttons: map[string]*gtk.Button{}}
	var err error
	if s.css, err = installTheme(opt.Config.MinTargetPx()); err != nil {
		return nil, err
	}
	if s.win, err = gtk.WindowNew(gtk.WINDOW_TOPLEVEL); err != nil {
		return nil, fmt.Errorf("shell: window: %w", err)
	}
	s.win.SetTitle("Borne")
	s.win.SetName("borne")
	if opt.Windowed {
		s.win.SetDefaultSize(1280, 800)
	} else {
		s.win.SetDecorated(false)
		s.win.SetKeepAbove(true)
		s.fillScreen()
	}
	s.win.Connect("delete-event", func() bool { return !opt.Windowed })

	overlay, _ := gtk.OverlayNew()
	root, _ := gtk.BoxNew(gtk.ORIENTATION_VERTICAL, 0)
	s.banner, _ = gtk.LabelNew("")
	s.banner.SetName("help-banner")
	addClass(&s.banner.Widget, "banner")
	s.banner.SetLineWrap(true)
	s.page, _ = gtk.BoxNew(gtk.ORIENTATION_VERTICAL, 0)
	// Wrapped labels ask for a huge height at their narrowest; in a scrolled
	// window they cannot push the bar off the screen.
	scroll, _ := gtk.ScrolledWindowNew(nil, nil)
	scroll.SetPolicy(gtk.POLICY_NEVER, gtk.POLICY_AUTOMATIC)
	scroll.SetVExpand(true)
	scroll.Add(s.page)
	s.page.SetFocusVAdjustment(scroll.GetVAdjustment()) // the focused control scrolls into view
	s.bar, _ = gtk.BoxNew(gtk.ORIENTATION_VERTICAL, 12)
	addClass(&s.bar.Widget, "bar")
	root.PackStart(s.banner, false, false, 0)
	root.PackStart(scroll, true, true, 0)
	root.PackEnd(s.bar, false, false, 0)
	overlay.Add(root)
	s.warning, s.warningActions = s.buildWarning(), hbox(24)
	s.warningPanel = s.panel(s.warning, s.warningActions)
	overlay.AddOverlay(s.warningPanel)
	s.dialog, s.dialogActions = vbox(24), hbox(24)
	s.dialog.SetName("dialog")
	s.dialogPanel = s.panel(s.dialog, s.dialogActions)
	overlay.AddOverlay(s.dialogPanel)
	if s.staff = newStaffScreens(s, opt); s.staff != nil {
		s.pinPanel = s.panel(s.staff.pinBody, s.staff.pinActions)
		overlay.AddOverlay(s.pinPanel)
	}
	s.win.Add(overlay)

	s.win.Connect("realize", func() {
		if !opt.Windowed && opt.Config.Screen.HidePointer {
			hidePointer(s.win)
		}
	})
	s.win.Connect("draw", func() {
		if !s.drawn {
			s.drawn = true
			if opt.OnReady != nil {
				glib.IdleAdd(opt.OnReady)
			}
		}
	})
	installFilter(s.input, s.staff.tap)
	clearClipboards() // what a crashed kiosk's last visit copied
	s.render(opt.Session.Snapshot())
	s.win.ShowAll()
	if s.staff != nil { // the key may have been turned before the window was up
		s.staff.render(opt.Staff.Maintenance.Snapshot())
	}
	s.syncVisibility()
	return s, nil
}

// input is every tap, key and touch: it keeps the session, or maintenance,
// from timing out.
func (s *Shell) input() {
	if !s.staff.activity() {
		s.opt.Session.Activity()
	}
}

// Post hands a snapshot to the main loop; safe from any goroutine (it is the
// session manager's OnChange).
func (s *Shell) Post(snap session.Snapshot) {
	glib.IdleAdd(func() { s.render(snap) })
}

// Window is the top-level window.
func (s *Shell) Window() *gtk.Window { return s.win }

// fillScreen covers the whole screen, also where no window manager honours
// the full-screen request (a kiosk session often has none).
func (s *Shell) fillScreen() {
	s.win.Fullscreen()
	g := monitorGeometry()
	if g == nil || g.GetWidth() <= 0 || g.GetHeight() <= 0 {
		return // no output yet: the compositor's configure sizes the window
	}
	s.win.Move(g.GetX(), g.GetY())
	s.win.SetDefaultSize(g.GetWidth(), g.GetHeight())
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		// One column wider than the output, off its right edge: cage 0.1.4
		// (Debian 12) puts a client buffer of exactly the output's size on
		// the output as it is (direct scan-out) instead of drawing it, and
		// the next frame it does draw (a screenshot, remote assistance, a
		// pointer) repaints only what changed since over a picture it never
		// drew: a black screen. A buffer of another size is always drawn.
		s.win.SetSizeRequest(g.GetWidth()+1, g.GetHeight())
	}
}

func hidePointer(win *gtk.Window) {
	gw, err := win.GetWindow()
	if err != nil {
		return
	}
	disp, err := gdk.DisplayGetDefault()
	if err != nil {
		return
	}
	if c, err := gdk.CursorNewFromName(disp, "none"); err == nil {
		gw.SetCursor(c)
	}
}

// render shows a snapshot: the screen, the bar, the countdown, the theme.
func (s *Shell) render(snap session.Snapshot) {
	prev := s.shown
	first := s.cat == nil
	s.shown = snap
	if first || prev.Lang != snap.Lang {
		s.cat = i18n.For(snap.Lang)
		setDirection(s.cat.Language().RTL)
		web.PrepareLanguage(snap.Lang) // WebKit's own words ("Choose File") in the next page process
	}
	if first || prev.HighContrast != snap.HighContrast {
		setClass(&s.win.Widget, "hc", snap.HighContrast)
	}
	if prev.TextSize != snap.TextSize {
		if err := loadTheme(s.css, s.cfg.MinTargetPx(), snap.TextSize); err != nil {
			s.opt.Log.Error("shell: text size", "err", err)
		}
		if s.browser != nil {
			s.browser.view.SetZoom(webZoom(snap.TextSize))
		}
	}
	if !first && prev.Lang != snap.Lang && s.browser != nil {
		s.browser.view.SetLanguage(snap.Lang)
	}
	if snap.State != session.Active && snap.State != session.Warning {
		s.endSession()
	}
	if snap.State == session.Attract && prev.State != session.Attract && !first && s.nobody {
		s.armSleep() // the resident left, nobody came since
	}
	if snap.State != session.Active && snap.State != session.Warning && s.opt.Speaker != nil {
		s.opt.Speaker.Stop()
	}
	// Under the staff screens the residents' screen is not drawn: it is when
	// maintenance closes.
	residentChange := first || prev.Lang != snap.Lang || prev.Comfort != snap.Comfort || prev.Screen != snap.Screen || prev.Service != snap.Service ||
		prev.State != snap.State && (snap.State == session.Attract || prev.State == session.Attract)
	if residentChange && s.staff.mode() != staff.Open {
		s.rebuild()
		if s.browser != nil && s.browser.keyboard.visible() {
			s.browser.keyboard.build() // its keys in the new language
		}
		if snap.Screen == session.ScreenService && prev.Screen != session.ScreenService && s.browser != nil && s.browser.pendingFile != nil {
			s.showPicker(s.browser, s.browser.pendingFile) // back from scanning for the site
		}
		if snap.AutoRead && (prev.Screen != snap.Screen || prev.Lang != snap.Lang) {
			s.readAloud()
		}
		s.scheduleShot(snap)
	}
	s.banner.SetText(s.cat.T("Un médiateur a été appelé. Restez ici, quelqu'un va venir."))
	if snap.State == session.Warning {
		secs := int(snap.Remaining / time.Second)
		s.count.SetText(s.cat.N("La session se termine dans %d seconde. Tout sera effacé.", "La session se termine dans %d secondes. Tout sera effacé.", secs, secs))
		if prev.State != session.Warning {
			s.scheduleShot(snap)
		}
	}
	s.syncVisibility()
}

// syncVisibility shows what the snapshot calls for (ShowAll shows everything).
func (s *Shell) syncVisibility() {
	s.banner.SetVisible(s.shown.HelpCalled && s.shown.State != session.Thanks)
	open := s.staff.mode() == staff.Open
	s.warningPanel.SetVisible(s.shown.State == session.Warning && !open)
	s.dialogPanel.SetVisible(s.dialogOpen && s.shown.State == session.Active && !open)
	if s.pinPanel != nil {
		s.pinPanel.SetVisible(s.staff.mode() == staff.AskingPIN)
	}
}

func (s *Shell) buildPage(snap session.Snapshot) {
	if s.browser != nil {
		s.browser.detach()
	}
	removeChildren(s.page)
	var screen gtk.IWidget
	switch {
	case s.staff.mode() == staff.Open:
		screen = s.staff.screen()
	case snap.Screen == session.ScreenAttract && s.staff.outOfService():
		screen = s.staff.outOfServiceScreen(s.cat)
	case snap.Screen == session.ScreenAttract && s.asleep:
		screen = s.sleepScreen()
	case snap.Screen == session.ScreenAttract:
		screen = s.attractScreen()
	case snap.Screen == session.ScreenLanguage:
		screen = s.languageScreen()
	case snap.Screen == session.ScreenHome:
		screen = s.homeScreen()
	case snap.Screen == session.ScreenService:
		screen = s.serviceScreen(snap.Service)
	case snap.Screen == session.ScreenScan:
		screen = s.scanScreen()
	case snap.Screen == session.ScreenTray:
		screen = s.trayScreen()
	case snap.Screen == session.ScreenCounters:
		screen = s.countersScreen()
	case snap.Screen == session.ScreenThanks:
		screen = s.thanksScreen()
	default:
		s.opt.Log.Error("shell: unknown screen", "screen", snap.Screen)
		screen = s.homeScreen()
	}
	s.page.PackStart(screen, true, true, 0)
	setClass(&s.win.Widget, "asleep", snap.Screen == session.ScreenAttract && s.asleep && s.staff.mode() != staff.Open)
	s.page.ShowAll()
	s.focusFirst(snap)
}

// focusFirst puts the keyboard focus on the screen's first control, so that
// keyboard and switch users start where reading starts.
func (s *Shell) focusFirst(snap session.Snapshot) {
	first := map[string]string{
		session.ScreenAttract:  "start",
		session.ScreenLanguage: "lang-" + snap.Lang,
		session.ScreenHome:     "tile-" + s.cfg.Services[0].ID,
	}[snap.Screen]
	if b, ok := s.buttons[first]; ok {
		b.GrabFocus()
	} else if snap.Screen == session.ScreenService && s.browser != nil {
		s.browser.view.Widget().GrabFocus()
	}
}

// endSession lets go of what the session had on screen: its web view
// (pages, cookies), a page shown large, an open panel. The visit (kiosk/visit)
// stops its own work.
func (s *Shell) endSession() {
	s.scan = scanView{}
	if s.browser != nil {
		s.closeDialog()
		s.closeBrowser()
	}
	clearClipboards()
}

// closeBrowser ends the web view and its processes.
func (s *Shell) closeBrowser() {
	s.browser.close()
	s.browser = nil
}

// cur is the visit under way (or the last one, ended, between sessions).
func (s *Shell) cur() *visit.Visit { return s.opt.Visits.Current() }

// ShowVisit draws a new snapshot of a visit; the visits' OnChange, run on
// the main loop (visit.Options.Post).
func (s *Shell) ShowVisit(v *visit.Visit, snap visit.Snapshot) {
	if v != s.cur() {
		return
	}
	prev := s.visitShown
	if v != s.visit {
		s.visit, prev = v, visit.Snapshot{}
	}
	s.visitShown = snap
	if s.shown.Screen == session.ScreenScan && s.staff.mode() != staff.Open {
		was, now := prev.Scan, snap.Scan
		if was.Busy != now.Busy || was.Problem != now.Problem || was.Doc != now.Doc || was.Kind != now.Kind {
			s.rebuild()
		} else {
			s.showScanProgress(now)
		}
	}
	if snap.Print != prev.Print && snap.Print.Seq > 0 {
		s.showPrint(snap.Print)
	}
}

// rebuild redraws the current screen (after a scan, an edit of the tray).
func (s *Shell) rebuild() {
	s.buttons = map[string]*gtk.Button{}
	s.buildPage(s.shown)
	s.buildBar(s.shown)
	s.rebuildWarningTexts()
	s.syncVisibility()
}

// buildBar lays out the always-visible actions: the mediator call on every
// screen, the rest during a session. When the text is too large for one row,
// the leave/help group moves to a second row rather than squeezing labels.
func (s *Shell) buildBar(snap session.Snapshot) {
	removeChildren(s.bar)
	if s.staff.mode() == staff.Open {
		s.bar.PackStart(s.staff.leaveButton(), false, false, 0)
		s.bar.ShowAll()
		return
	}
	inSession := snap.State == session.Active || snap.State == session.Warning
	tools, leave := hbox(16), hbox(16)
	if inSession {
		if s.opt.Speaker != nil {
			tools.PackStart(s.actionButton("listen", "listen", s.cat.T("Écouter"), s.readAloud), false, false, 0)
		}
		tools.PackStart(s.actionButton("comfort", "contrast", s.cat.T("Affichage"), s.showComfort), false, false, 0)
		if len(s.cfg.Kiosk.Languages) > 1 && snap.Screen != session.ScreenLanguage {
			tools.PackStart(s.actionButton("languages", "language", s.cat.T("Langue"), s.opt.Session.ShowLanguages), false, false, 0)
		}
		if snap.Screen != session.ScreenHome && snap.Screen != session.ScreenLanguage {
			tools.PackStart(s.actionButton("home", "house", s.cat.T("Accueil"), s.opt.Session.GoHome), false, false, 0)
		}
		done := s.actionButton("done", "done", s.cat.T("J'ai fini"), s.finish)
		addClass(&done.Widget, "done")
		leave.PackStart(done, false, false, 0)
	}
	if snap.State != session.Thanks {
		help := s.actionButton("help", "help", s.cat.T("Appeler un médiateur"), s.opt.Session.Help)
		addClass(&help.Widget, "help")
		leave.PackStart(help, false, false, 0)
	}
	tools.ShowAll()
	leave.ShowAll()
	_, toolsWidth := tools.GetPreferredWidth()
	_, leaveWidth := leave.GetPreferredWidth()
	row := hbox(16)
	row.PackStart(tools, false, false, 0)
	if toolsWidth+leaveWidth+64 <= s.screenWidth() {
		row.PackEnd(leave, false, false, 0)
		s.bar.PackStart(row, false, false, 0)
	} else {
		second := hbox(16)
		second.PackEnd(leave, false, false, 0)
		s.bar.PackStart(row, false, false, 0)
		s.bar.PackStart(second, false, false, 0)
	}
	s.bar.ShowAll()
}

// panel frames content laid over the screen: a body that scrolls at large
// text sizes rather than growing past the screen's edges, and its actions
// below it, always in reach.
func (s *Shell) panel(body, actions *gtk.Box) *gtk.Box {
	frame := vbox(24)
	addClass(&frame.Widget, "warning")
	frame.SetHAlign(gtk.ALIGN_CENTER)
	frame.SetVAlign(gtk.ALIGN_CENTER)
	sw, _ := gtk.ScrolledWindowNew(nil, nil)
	sw.SetPolicy(gtk.POLICY_NEVER, gtk.POLICY_AUTOMATIC)
	sw.SetPropagateNaturalWidth(true)
	sw.SetPropagateNaturalHeight(true)
	sw.SetMaxContentWidth(s.screenWidth() - 160)
	sw.SetMaxContentHeight(s.screenHeight() - 300)
	sw.Add(body)
	actions.SetHAlign(gtk.ALIGN_CENTER)
	frame.PackStart(sw, true, true, 0)
	frame.PackStart(actions, false, false, 0)
	return frame
}

// screenHeight is the height the window fills.
func (s *Shell) screenHeight() int {
	if h := s.win.GetAllocatedHeight(); h > 1 {
		return h
	}
	if g := monitorGeometry(); g != nil {
		return g.GetHeight()
	}
	return 800
}

func monitorGeometry() *gdk.Rectangle {
	disp, err := gdk.DisplayGetDefault()
	if err != nil {
		return nil
	}
	mon, err := disp.GetMonitor(0)
	if err != nil || mon == nil {
		return nil
	}
	return mon.GetGeometry()
}

// screenWidth is the width the window fills.
func (s *Shell) screenWidth() int {
	if w := s.win.GetAllocatedWidth(); w > 1 {
		return w
	}
	if g := monitorGeometry(); g != nil {
		return g.GetWidth()
	}
	return 1280
}

// Button finds a button of the current screen by name (tests, screenshots).
func (s *Shell) Button(name string) (*gtk.Button, bool) {
	b, ok := s.buttons[name]
	return b, ok
}

// Buttons lists the names of the buttons on screen now.
func (s *Shell) Buttons() []string {
	names := make([]string, 0, len(s.buttons))
	for n := range s.buttons {
		names = append(names, n)
	}
	return names
}

// Shown is the snapshot on screen now.
func (s *Shell) Shown() session.Snapshot { return s.shown }

// scheduleShot saves the screen once the new screen has been drawn.
func (s *Shell) scheduleShot(snap session.Snapshot) {
	s.saveShot(snapName(snap) + "-" + snap.Lang)
}

// saveShot saves the screen as NNN-what.png once it has been drawn, when
// it shows nothing of a resident's: a shot outlives the visit.
func (s *Shell) saveShot(what string) {
	if s.opt.ShotsDir == "" || !s.residentFree() {
		return
	}
	s.shotSeq++
	name := fmt.Sprintf("%03d-%s.png", s.shotSeq, what)
	glib.TimeoutAdd(250, func() bool {
		if !s.residentFree() { // the resident moved on meanwhile
			return false
		}
		path := filepath.Join(s.opt.ShotsDir, name)
		if err := os.MkdirAll(s.opt.ShotsDir, 0o755); err == nil {
			err = SaveScreen(path)
		}
		return false
	})
}

// residentFree tells whether the screen shows only the kiosk's own texts:
// the welcome, language, home, counters and thank-you screens, and the staff
// screens (a resident's session ends when staff take over). A website, a
// scan, the documents and the idle warning over them do not qualify.
func (s *Shell) residentFree() bool {
	if s.staff.mode() != staff.Closed {
		return true
	}
	switch s.shown.Screen {
	case session.ScreenAttract, session.ScreenLanguage, session.ScreenHome, session.ScreenCounters, session.ScreenThanks:
		return s.shown.State != session.Warning
	}
	return false
}

func snapName(snap session.Snapshot) string {
	switch {
	case snap.State == session.Warning:
		return "warning"
	case snap.Screen == session.ScreenService:
		return "service-" + snap.Service
	}
	return snap.Screen
}

func removeChildren(box interface{ GetChildren() *glib.List }) {
	children := box.GetChildren()
	if children == nil {
		return
	}
	children.Foreach(func(item any) {
		if w, ok := item.(*gtk.Widget); ok {
			w.Destroy()
		}
	})
	children.Free()
}

func addClass(w *gtk.Widget, class string) { setClass(w, class, true) }

func setClass(w *gtk.Widget, class string, on bool) {
	sc, err := w.GetStyleContext()
	if err != nil {
		return
	}
	if on {
		sc.AddClass(class)
	} else {
		sc.RemoveClass(class)
	}
}
