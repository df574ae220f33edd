package shell

import (
	"fmt"

	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/config"
	"borne/kiosk/downloads"
	"borne/ui/web"
)

// showDialog lays a panel over the screen: a pictogram, a title, a text or
// another body, and actions. It stays until an action closes it or the
// session ends.
func (s *Shell) showDialog(pic, title, text string, body gtk.IWidget, actions ...*gtk.Button) {
	removeChildren(s.dialog)
	s.dialog.PackStart(s.picto(pic, 96), false, false, 0)
	s.dialog.PackStart(label(title, "title"), false, false, 0)
	if text != "" {
		s.dialog.PackStart(label(text, "lead"), false, false, 0)
	}
	if body != nil {
		s.dialog.PackStart(body, false, false, 0)
	}
	removeChildren(s.dialogActions)
	for _, a := range actions {
		s.dialogActions.PackStart(a, false, false, 0)
	}
	s.dialogPanel.ShowAll()
	s.dialogOpen = true
	s.syncVisibility()
}

func (s *Shell) closeDialog() {
	s.dialogOpen = false
	removeChildren(s.dialog)
	removeChildren(s.dialogActions)
	s.syncVisibility()
}

// showDocument offers a PDF the site handed over (a download or the page's
// own print) for printing.
func (s *Shell) showDocument(info downloads.Info, path string) {
	text := s.cat.N("%s — %d page", "%s — %d pages", info.Pages, info.Name, info.Pages)
	var actions []*gtk.Button
	if s.opt.Print != nil {
		print := s.actionButton("print", "done", s.cat.T("Imprimer"), func() {
			s.closeDialog()
			s.opt.Print(path)
		})
		addClass(&print.Widget, "primary")
		actions = append(actions, print)
	} else {
		text += "\n" + s.cat.T("L'impression n'est pas encore possible sur cette borne.")
	}
	actions = append(actions, s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
	s.lastDocument = path
	s.showDialog("taxes", s.cat.T("Document reçu"), text, nil, actions...)
}

// showPicker is Borne's own file picker, never a file system: the documents
// of this session's tray that the page's input accepts, or "cancel". The
// page's request is always answered.
func (s *Shell) showPicker(b *browser, req *web.FileRequest) {
	var actions []*gtk.Button
	for _, d := range s.tray().Accepted(req.Accept) {
		actions = append(actions, s.actionButton("doc-"+d.ID, "taxes", d.Label, func() {
			s.closeDialog()
			path, err := s.tray().Prepare(d.ID, b.svc)
			if err != nil {
				s.opt.Log.Error("shell: document not prepared", "service", b.svc.ID, "err", err)
				b.answerFile(nil)
				b.showNotice(s.cat.T("Ce document est trop lourd pour ce site, même réduit."))
				return
			}
			b.answerFile([]string{path})
		}))
	}
	text := s.cat.T("Choisissez un document scanné pendant cette visite.")
	if len(actions) == 0 {
		text = s.cat.T("Vous n'avez pas encore scanné de document pendant cette visite.")
	}
	actions = append(actions, s.actionButton("picker-cancel", "back", s.cat.T("Annuler"), func() {
		s.closeDialog()
		b.answerFile(nil)
	}))
	s.showDialog("taxes", s.cat.T("Quel document voulez-vous envoyer ?"), text, nil, actions...)
}

// Tray is the session's scanned documents as the picker needs them.
type Tray interface {
	// Accepted lists the documents a file input with this accept list can take.
	Accepted(accept []string) []TrayItem
	// Prepare makes the file a service accepts (format, size limit) and returns its path.
	Prepare(id string, svc *config.Service) (string, error)
}

// TrayItem is one document in the picker.
type TrayItem struct{ ID, Label string }

type emptyTray struct{}

func (emptyTray) Accepted([]string) []TrayItem { return nil }
func (emptyTray) Prepare(id string, _ *config.Service) (string, error) {
	return "", fmt.Errorf("shell: no document %q", id)
}

// tray is this session's tray, or an empty one before scanning exists.
func (s *Shell) tray() Tray {
	if s.opt.Tray == nil {
		return emptyTray{}
	}
	return s.opt.Tray(s.shown.Dir)
}
