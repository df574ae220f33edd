package shell

import (
	"strings"

	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/i18n"
	"borne/kiosk/session"
)

// showComfort opens the "display" panel: text size, contrast, reading aloud.
func (s *Shell) showComfort() {
	c := s.shown.Comfort
	set := func(change func(*session.Comfort)) func() {
		return func() {
			next := s.shown.Comfort
			change(&next)
			s.closeDialog()
			s.opt.Session.SetComfort(next)
		}
	}
	sizes := []struct{ name, text string }{{"text-normal", "A"}, {"text-large", "A+"}, {"text-largest", "A++"}}
	var actions []*gtk.Button
	for i, sz := range sizes {
		b := s.actionButton(sz.name, "text-size", sz.text, set(func(c *session.Comfort) { c.TextSize = i }))
		setClass(&b.Widget, "primary", c.TextSize == i)
		actions = append(actions, b)
	}
	contrast := s.actionButton("contrast", "contrast", s.cat.T("Contraste élevé"), set(func(c *session.Comfort) { c.HighContrast = !c.HighContrast }))
	setClass(&contrast.Widget, "primary", c.HighContrast)
	actions = append(actions, contrast)
	if s.opt.Speaker != nil {
		read := s.actionButton("auto-read", "listen", s.cat.T("Tout lire à voix haute"), set(func(c *session.Comfort) { c.AutoRead = !c.AutoRead }))
		setClass(&read.Widget, "primary", c.AutoRead)
		actions = append(actions, read)
	}
	actions = append(actions, s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
	s.showDialog("contrast", s.cat.T("Affichage"), s.cat.T("Choisissez la taille du texte et les couleurs."), nil, actions...)
}

// instruction is what a screen asks the resident to do, in plain words: the
// text the "listen" button reads. Only catalogue texts: never anything typed.
func instruction(cat *i18n.Catalog, snap session.Snapshot) string {
	var parts []string
	switch {
	case snap.State == session.Warning:
		parts = []string{cat.T("Êtes-vous encore là ?"), cat.T("Touchez l'écran pour continuer.")}
	case snap.Screen == session.ScreenAttract:
		parts = []string{cat.T("Touchez l'écran pour commencer"), cat.T("Cette borne compte son utilisation de façon anonyme. Tout est effacé à la fin.")}
	case snap.Screen == session.ScreenLanguage:
		parts = []string{cat.T("Choisissez votre langue")}
	case snap.Screen == session.ScreenHome:
		parts = []string{cat.T("Que voulez-vous faire ?"), cat.T("Touchez un service pour l'ouvrir.")}
	case snap.Screen == session.ScreenService:
		parts = []string{cat.T("Le site du service s'ouvre ici."), cat.T("Quand vous avez fini, touchez « J'ai fini ».")}
	case snap.Screen == session.ScreenThanks:
		parts = []string{cat.T("Merci et à bientôt !"), cat.T("Tout ce que vous avez fait sur cette borne a été effacé.")}
	}
	return strings.Join(parts, " ")
}

// readAloud says the current screen's instruction.
func (s *Shell) readAloud() {
	if s.opt.Speaker == nil {
		return
	}
	s.opt.Speaker.Say(s.cat.Language().Code, instruction(s.cat, s.shown), func(err error) {
		if err != nil {
			s.opt.Log.Warn("speech", "err", err)
		}
	})
}
