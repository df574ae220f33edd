package shell

import (
	"fmt"

	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/downloads"
	"borne/kiosk/shrink"
	"borne/kiosk/tray"
	"borne/ui/web"
)

// showDialog lays a panel over the screen: a pictogram, a title, a text or
// another body, and actions. It stays until an action closes it or the
// session ends.
func (s *Shell) showDialog(pic, title, text string, body gtk.IWidget, actions ...*gtk.Button) {
	removeChildren(s.dialog)
	if pic != "" { // "": the body needs the room (a print preview)
		s.dialog.PackStart(s.picto(pic, 96), false, false, 0)
	}
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
	if s.opt.Visits.HasPrinter() {
		s.showPrintChoice(info, path) // a preview, and the pages to print
		return
	}
	text := s.cat.N("%s — %d page", "%s — %d pages", info.Pages, info.Name, info.Pages)
	text += "\n" + s.cat.T("L'impression n'est pas encore possible sur cette borne.")
	s.lastDocument = path
	s.showDialog("taxes", s.cat.T("Document reçu"), text, nil, s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
}

// showPicker is Borne's own file picker, never a file system: the documents
// of this session's tray, prepared for the site (format and size), a new
// scan, or "cancel". The page's request is always answered.
func (s *Shell) showPicker(b *browser, req *web.FileRequest) {
	var actions []*gtk.Button
	var documents []tray.Document
	if tr, err := s.cur().Tray(); err == nil {
		documents = withPages(tr.Documents())
	}
	target := targetFor(b.svc, req.Accept)
	for i, d := range documents {
		doc := d
		actions = append(actions, s.actionButton(fmt.Sprintf("pick-%d", i+1), "taxes",
			s.cat.N("Document %d — %d page", "Document %d — %d pages", len(d.Pages), i+1, len(d.Pages)), func() {
				s.closeDialog()
				s.sendDocument(b, doc.ID, target)
			}))
	}
	if s.opt.Visits.HasScanner() {
		scan := s.actionButton("picker-scan", "scan", s.cat.T("Scanner un document"), func() {
			s.closeDialog()
			s.cur().ChooseDocument("")
			s.opt.Session.OpenScan() // the request waits; the picker comes back after the scan
		})
		addClass(&scan.Widget, "primary")
		actions = append(actions, scan)
	}
	text := s.cat.T("Choisissez un document scanné pendant cette visite.")
	if len(documents) == 0 {
		text = s.cat.T("Vous n'avez pas encore scanné de document pendant cette visite.")
	}
	actions = append(actions, s.actionButton("picker-cancel", "back", s.cat.T("Annuler"), func() {
		s.closeDialog()
		b.answerFile(nil)
	}))
	s.showDialog("taxes", s.cat.T("Quel document voulez-vous envoyer ?"), text, nil, actions...)
}

// sendDocument prepares a tray document for the site and hands it over.
func (s *Shell) sendDocument(b *browser, docID string, target shrink.Target) {
	b.v.Shrink(docID, target, func(res shrink.Result, err error) {
		if err != nil {
			s.opt.Log.Warn("shrink: does not fit", "service", b.svc.ID, "err", err)
			b.answerFile(nil)
			b.showNotice(s.cat.T("Ce document est trop lourd pour ce site, même réduit."))
			return
		}
		b.answerFile([]string{res.Path})
	})
}
