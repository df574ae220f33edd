package shell

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/gtk"
	"github.com/gotk3/gotk3/pango"

	"borne/kiosk/i18n"
	"borne/kiosk/pictos"
	"borne/kiosk/session"
)

// The attract screen is one big button: a tap anywhere starts a session.
// It greets in every language the kiosk speaks, and says what happens to data.
func (s *Shell) attractScreen() gtk.IWidget {
	btn := s.button("start", func() {
		if err := s.opt.Session.Start(); err != nil {
			s.opt.Log.Error("shell: start session", "err", err)
		}
	})
	addClass(&btn.Widget, "attract")
	setAccessible(&btn.Widget, s.cat.T("Touchez l'écran pour commencer"), s.cfg.Kiosk.Site)
	box := vbox(16)
	box.SetVAlign(gtk.ALIGN_CENTER)
	box.PackStart(label(s.cfg.Kiosk.Site, "site"), false, false, 0)
	box.PackStart(s.picto("touch", 112), false, false, 0)
	box.PackStart(label(s.cat.T("Touchez l'écran pour commencer"), "title"), false, false, 0)
	// Residents are told before they start (CNIL): the line comes right
	// under the call to touch, never below the greetings where a long list
	// of languages would push it off the screen.
	privacy := label(s.cat.T("Cette borne compte son utilisation de façon anonyme. Tout est effacé à la fin."), "privacy")
	privacy.SetName("privacy")
	box.PackStart(privacy, false, false, 8)
	greetings := tileGrid()
	greetings.SetRowSpacing(4)
	greetings.SetHAlign(gtk.ALIGN_CENTER)
	n := 0
	for _, code := range s.cfg.Kiosk.Languages {
		if code == s.cat.Language().Code {
			continue
		}
		greetings.Attach(label(i18n.For(code).T("Touchez l'écran pour commencer"), "greeting"), n%2, n/2, 1, 1)
		n++
	}
	box.PackStart(greetings, false, false, 0)
	btn.Add(box)
	return btn
}

// The language screen: each language in its own name and script. No flags: a
// language is not a country (Arabic, Portuguese and Spanish span many).
func (s *Shell) languageScreen() gtk.IWidget {
	box := s.screenBox(s.cat.T("Choisissez votre langue"), "language")
	grid := tileGrid()
	for i, code := range s.cfg.Kiosk.Languages {
		lang, _ := i18n.Lookup(code)
		btn := s.button("lang-"+code, func() { s.opt.Session.ChooseLanguage(code) })
		addClass(&btn.Widget, "tile")
		btn.Add(label(lang.Name, "tile-name"))
		setAccessible(&btn.Widget, lang.Name, "")
		grid.Attach(btn, i%3, i/3, 1, 1)
	}
	box.PackStart(grid, true, true, 0)
	return box
}

// The home screen: one tile per service of the catalogue.
func (s *Shell) homeScreen() gtk.IWidget {
	box := s.screenBox(s.cat.T("Que voulez-vous faire ?"), "")
	grid := tileGrid()
	lang := s.cat.Language().Code
	for i := range s.cfg.Services {
		svc := &s.cfg.Services[i]
		btn := s.button("tile-"+svc.ID, func() { s.opt.Session.OpenService(svc.ID) })
		addClass(&btn.Widget, "tile")
		inner := hbox(20)
		inner.PackStart(s.picto(svc.Pictogram, 96), false, false, 0)
		text := vbox(6)
		text.SetVAlign(gtk.ALIGN_CENTER)
		text.PackStart(label(svc.NameIn(lang), "tile-name"), false, false, 0)
		text.PackStart(label(svc.SummaryIn(lang), "tile-summary"), false, false, 0)
		inner.PackStart(text, true, true, 0)
		btn.Add(inner)
		setAccessible(&btn.Widget, svc.NameIn(lang), svc.SummaryIn(lang))
		grid.Attach(btn, i%2, i/2, 1, 1)
	}
	// Scanning is also a service of its own: a copy of a payslip for later.
	extra := len(s.cfg.Services)
	if s.opt.Visits.HasScanner() {
		grid.Attach(s.homeTile("tile-scan", "scan", s.cat.T("Scanner un document"), s.cat.T("Une fiche de paie, une pièce d'identité, un avis…"), func() {
			s.cur().ChooseDocument("")
			s.opt.Session.OpenScan()
		}), extra%2, extra/2, 1, 1)
		extra++
	}
	if tr, err := s.cur().Tray(); err == nil && len(withPages(tr.Documents())) > 0 {
		grid.Attach(s.homeTile("tile-tray", "taxes", s.cat.T("Mes documents"), s.cat.T("Les documents scannés pendant cette visite."), s.opt.Session.OpenTray), extra%2, extra/2, 1, 1)
		extra++
	}
	if len(s.cfg.Agencies) > 0 {
		grid.Attach(s.homeTile("tile-counters", "house", s.cat.T("Trouver un accueil"), s.cat.T("Où parler à quelqu'un : adresse, horaires d'aujourd'hui."), s.opt.Session.OpenCounters), extra%2, extra/2, 1, 1)
	}
	box.PackStart(grid, true, true, 0)
	return box
}

// homeTile is a tile of the home screen that is not a website.
func (s *Shell) homeTile(name, pic, title, summary string, onClick func()) *gtk.Button {
	btn := s.button(name, onClick)
	addClass(&btn.Widget, "tile")
	inner := hbox(20)
	inner.PackStart(s.picto(pic, 96), false, false, 0)
	text := vbox(6)
	text.SetVAlign(gtk.ALIGN_CENTER)
	text.PackStart(label(title, "tile-name"), false, false, 0)
	text.PackStart(label(summary, "tile-summary"), false, false, 0)
	inner.PackStart(text, true, true, 0)
	btn.Add(inner)
	setAccessible(&btn.Widget, title, summary)
	return btn
}

// A service's screen: its name, then its website in the session's browser.
func (s *Shell) serviceScreen(id string) gtk.IWidget {
	svc, ok := s.cfg.Service(id)
	if !ok {
		return s.homeScreen()
	}
	lang := s.cat.Language().Code
	box := vbox(8)
	head := hbox(16)
	addClass(&head.Widget, "service-head")
	head.PackStart(s.picto(svc.Pictogram, 48), false, false, 0)
	head.PackStart(label(svc.NameIn(lang), "service-name"), false, false, 0)
	head.PackEnd(s.actionButton("glossary", "words", s.cat.T("Mots difficiles"), s.showGlossary), false, false, 0)
	head.PackEnd(label(s.cat.T("Documents acceptés : %s, jusqu'à %s.", formats(svc.Accept), s.size(int64(svc.UploadLimit))), "note"), false, false, 0)
	box.PackStart(head, false, false, 0)
	if s.browser == nil && !s.cur().Live() {
		return box // the visit is ending: its view is gone, the thank-you screen comes
	}
	if s.browser == nil {
		b, err := newBrowser(s)
		if err != nil {
			s.opt.Log.Error("shell: web view", "err", err)
			box.PackStart(label(s.cat.T("Le site ne répond pas pour le moment."), "lead"), true, true, 0)
			return box
		}
		s.browser = b
	}
	box.PackStart(s.browser.box, true, true, 0)
	s.browser.open(svc)
	return box
}

func (s *Shell) thanksScreen() gtk.IWidget {
	box := vbox(24)
	box.SetVAlign(gtk.ALIGN_CENTER)
	box.PackStart(s.picto("done", 160), false, false, 0)
	box.PackStart(label(s.cat.T("Merci et à bientôt !"), "title"), false, false, 0)
	box.PackStart(label(s.cat.T("Tout ce que vous avez fait sur cette borne a été effacé."), "lead"), false, false, 0)
	return box
}

// buildWarning makes the "are you still there?" panel, laid over the screen.
func (s *Shell) buildWarning() *gtk.Box {
	panel := vbox(24)
	panel.SetName("warning")
	s.count = label("", "lead")
	s.count.SetName("countdown")
	return panel
}

// rebuildWarningTexts fills the panel in the session's language.
func (s *Shell) rebuildWarningTexts() {
	if parent, err := s.count.GetParent(); err == nil && parent != nil {
		s.warning.Remove(s.count)
	}
	removeChildren(s.warning)
	s.warning.PackStart(s.picto("touch", 96), false, false, 0)
	s.warning.PackStart(label(s.cat.T("Êtes-vous encore là ?"), "title"), false, false, 0)
	s.warning.PackStart(s.count, false, false, 0)
	removeChildren(s.warningActions)
	cont := s.actionButton("continue", "touch", s.cat.T("Je continue"), s.opt.Session.Continue)
	addClass(&cont.Widget, "primary")
	s.warningActions.PackStart(cont, false, false, 0)
	s.warningActions.PackStart(s.actionButton("warning-done", "done", s.cat.T("J'ai fini"), func() { s.opt.Session.End(session.EndDone) }), false, false, 0)
	s.warning.ShowAll() // the panel itself shows only in Warning (syncVisibility)
	s.warningActions.ShowAll()
}

// button makes a named button and registers it.
func (s *Shell) button(name string, onClick func()) *gtk.Button {
	b, _ := gtk.ButtonNew()
	b.SetName(name)
	b.SetCanFocus(true)
	b.Connect("clicked", func() { onClick() })
	s.buttons[name] = b
	return b
}

// actionButton is a button with a pictogram and words (never an icon alone).
func (s *Shell) actionButton(name, pic, text string, onClick func()) *gtk.Button {
	b := s.button(name, onClick)
	addClass(&b.Widget, "action")
	row := hbox(12)
	// On a white chip, so the dark pictogram shows on dark (primary) buttons too.
	chip := hbox(0)
	addClass(&chip.Widget, "picto-chip")
	chip.SetVAlign(gtk.ALIGN_CENTER)
	chip.PackStart(s.picto(pic, 40), false, false, 0)
	row.PackStart(chip, false, false, 0)
	setAccessible(&b.Widget, text, "")
	words := label(text, "action-label")
	words.SetLineWrap(false) // the bar reflows whole buttons instead
	row.PackStart(words, false, false, 0)
	b.Add(row)
	return b
}

// size says a byte count in plain words, in the session's language.
func (s *Shell) size(n int64) string {
	if n >= 1_000_000 {
		return s.cat.T("%s Mo", s.decimal(float64(n)/1e6))
	}
	return s.cat.T("%s Ko", s.decimal(float64(n)/1e3))
}

// decimal writes a number with at most one decimal, the language's way.
func (s *Shell) decimal(f float64) string {
	text := strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
	if s.cat.Language().Comma {
		text = strings.Replace(text, ".", ",", 1)
	}
	return text
}

// formats names MIME types the way people know them.
func formats(mime []string) string {
	names := make([]string, 0, len(mime))
	for _, m := range mime {
		names = append(names, strings.ToUpper(strings.TrimPrefix(m, strings.SplitN(m, "/", 2)[0]+"/")))
	}
	return strings.Join(names, ", ")
}

func (s *Shell) screenBox(title, pic string) *gtk.Box {
	box := vbox(24)
	addClass(&box.Widget, "screen")
	head := hbox(20)
	head.SetHAlign(gtk.ALIGN_CENTER)
	if pic != "" {
		head.PackStart(s.picto(pic, 72), false, false, 0)
	}
	head.PackStart(label(title, "title"), false, false, 0)
	box.PackStart(head, false, false, 0)
	return box
}

func tileGrid() *gtk.Grid {
	g, _ := gtk.GridNew()
	g.SetRowSpacing(24)
	g.SetColumnSpacing(24)
	g.SetColumnHomogeneous(true)
	g.SetRowHomogeneous(true)
	g.SetHAlign(gtk.ALIGN_FILL)
	g.SetVAlign(gtk.ALIGN_START)
	return g
}

func label(text, class string) *gtk.Label {
	l, _ := gtk.LabelNew(text)
	l.SetLineWrap(true)
	l.SetLineWrapMode(pango.WRAP_WORD_CHAR)
	l.SetJustify(gtk.JUSTIFY_CENTER)
	if class != "" {
		addClass(&l.Widget, class)
	}
	return l
}

func vbox(spacing int) *gtk.Box {
	b, _ := gtk.BoxNew(gtk.ORIENTATION_VERTICAL, spacing)
	return b
}

func hbox(spacing int) *gtk.Box {
	b, _ := gtk.BoxNew(gtk.ORIENTATION_HORIZONTAL, spacing)
	return b
}

// picto draws a pictogram at a size, from its SVG (crisp at any size); in
// high contrast its dark ink turns white so it stays visible on black.
func (s *Shell) picto(name string, px int) *gtk.Image {
	img, _ := gtk.ImageNew()
	data, err := pictos.SVG(name)
	if err != nil {
		return img
	}
	if s.shown.HighContrast {
		data = bytes.ReplaceAll(data, []byte(pictos.Ink), []byte("#ffffff"))
	}
	loader, err := gdk.PixbufLoaderNewWithType("svg")
	if err != nil {
		return img
	}
	loader.SetSize(px, px)
	if _, err := loader.Write(data); err != nil {
		return img
	}
	if err := loader.Close(); err != nil {
		return img
	}
	pb, err := loader.GetPixbuf()
	if err != nil {
		return img
	}
	if (name == "back" || name == "forward") && s.cat.Language().RTL { // arrows point the way the reader reads
		if flipped, err := pb.Flip(true); err == nil {
			pb = flipped
		}
	}
	img.SetFromPixbuf(pb)
	return img
}
