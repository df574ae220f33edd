package shell

import (
	"context"
	"fmt"
	"strings"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/scanner"
	"borne/kiosk/config"
	"borne/kiosk/docs"
	"borne/kiosk/i18n"
)

// scanning is the scan screen's moment-to-moment state: which document is
// being scanned, whether the scanner is working, what went wrong.
type scanning struct {
	doc      string  // the tray document pages go into
	retake   string  // a page to replace with the next scan, or ""
	busy     bool    // a scan is running
	progress float64 // 0–1, or -1 when the scanner cannot tell
	problem  string  // scanner.Problem code of the last failure
	cancel   context.CancelFunc
	bar      *gtk.ProgressBar
}

// sessionTray is this session's document tray, opened on first use.
func (s *Shell) sessionTray() (*docs.Tray, error) {
	if s.tray == nil {
		t, err := docs.NewTray(s.shown.Dir)
		if err != nil {
			return nil, err
		}
		s.tray = t
	}
	return s.tray, nil
}

// scanScreen: a picture of what to do, the pages scanned so far with their
// tools, and the buttons to scan, finish or cancel.
func (s *Shell) scanScreen() gtk.IWidget {
	box := s.screenBox(s.cat.T("Scanner un document"), "scan")
	tray, err := s.sessionTray()
	if err != nil {
		s.opt.Log.Error("shell: tray", "err", err)
		box.PackStart(label(s.cat.T("Le scanner ne marche pas pour le moment. Appelez un médiateur."), "lead"), false, false, 0)
		return box
	}
	how := hbox(24)
	how.SetHAlign(gtk.ALIGN_CENTER)
	how.PackStart(s.picto("scan", 120), false, false, 0)
	how.PackStart(label(s.cat.T("Posez la page face contre la vitre, en haut à gauche. Fermez le capot."), "lead"), false, false, 0)
	box.PackStart(how, false, false, 0)
	if s.scan.problem != "" {
		problem := label(scanProblem(s.cat, s.scan.problem), "notice-text")
		addClass(&problem.Widget, "notice")
		box.PackStart(problem, false, false, 0)
	}
	actions := hbox(24)
	actions.SetHAlign(gtk.ALIGN_CENTER)
	if s.scan.busy {
		s.scan.bar, _ = gtk.ProgressBarNew()
		s.scan.bar.SetShowText(true)
		s.scan.bar.SetText(s.cat.T("Numérisation en cours…"))
		s.scan.bar.SetSizeRequest(480, -1)
		actions.PackStart(s.scan.bar, false, false, 0)
		actions.PackStart(s.actionButton("scan-cancel", "back", s.cat.T("Annuler"), s.cancelScan), false, false, 0)
	} else {
		pages := 0
		if d, err := tray.Document(s.scan.doc); err == nil {
			pages = len(d.Pages)
		}
		text := s.cat.T("Scanner la page")
		if pages > 0 {
			text = s.cat.T("Ajouter une page")
		}
		scan := s.actionButton("scan-page", "scan", text, s.startScan)
		addClass(&scan.Widget, "primary")
		actions.PackStart(scan, false, false, 0)
		if pages > 0 {
			done := s.actionButton("scan-done", "done", s.cat.T("Terminé"), s.finishScan)
			addClass(&done.Widget, "done")
			actions.PackStart(done, false, false, 0)
		} else {
			actions.PackStart(s.actionButton("scan-back", "back", s.cat.T("Retour"), s.opt.Session.Back), false, false, 0)
		}
	}
	box.PackStart(actions, false, false, 0)
	if d, err := tray.Document(s.scan.doc); err == nil && len(d.Pages) > 0 {
		box.PackStart(s.pageStrip(tray, d), false, false, 0)
	}
	return box
}

// pageStrip shows a document's pages with their tools: turn, retake, delete.
func (s *Shell) pageStrip(tray *docs.Tray, d docs.Document) gtk.IWidget {
	strip := hbox(24)
	strip.SetHAlign(gtk.ALIGN_CENTER)
	for i, p := range d.Pages {
		card := vbox(8)
		if pb, err := gdk.PixbufNewFromFileAtScale(p.Thumb, 200, 200, true); err == nil {
			img, _ := gtk.ImageNewFromPixbuf(pb)
			card.PackStart(img, false, false, 0)
		}
		card.PackStart(label(s.cat.T("Page %d", i+1), "note"), false, false, 0)
		if p.Warning != "" {
			card.PackStart(label(s.cat.T("Cette page semble vide ou trop sombre. Vérifiez-la."), "notice-text"), false, false, 0)
		}
		page := p
		card.PackStart(s.actionButton(fmt.Sprintf("rotate-%d", i+1), "rotate", s.cat.T("Tourner"), func() {
			s.trayChange(func() error { _, err := tray.Rotate(d.ID, page.ID, 1); return err })
		}), false, false, 0)
		card.PackStart(s.actionButton(fmt.Sprintf("retake-%d", i+1), "scan", s.cat.T("Reprendre"), func() {
			s.scan.retake = page.ID
			s.startScan()
		}), false, false, 0)
		if i > 0 {
			to := i - 1
			card.PackStart(s.actionButton(fmt.Sprintf("before-%d", i+1), "back", s.cat.T("Mettre avant"), func() {
				s.trayChange(func() error { return tray.Move(d.ID, page.ID, to) })
			}), false, false, 0)
		}
		card.PackStart(s.actionButton(fmt.Sprintf("delete-%d", i+1), "delete", s.cat.T("Supprimer"), func() {
			s.trayChange(func() error { return tray.Delete(d.ID, page.ID) })
		}), false, false, 0)
		strip.PackStart(card, false, false, 0)
	}
	return strip
}

// trayChange applies an edit off the main loop, then redraws the screen.
func (s *Shell) trayChange(edit func() error) {
	go func() {
		err := edit()
		glib.IdleAdd(func() {
			if err != nil {
				s.opt.Log.Error("shell: tray", "err", err)
			}
			s.rebuild()
		})
	}()
}

// startScan scans on its own goroutine: a stuck scanner never freezes the screen.
func (s *Shell) startScan() {
	tray, err := s.sessionTray()
	if err != nil || s.opt.Scanner == nil {
		s.scan.problem = "gone"
		s.rebuild()
		return
	}
	if s.scan.doc == "" {
		d, err := tray.NewDocument()
		if err != nil {
			s.opt.Log.Error("shell: tray", "err", err)
			return
		}
		s.scan.doc = d.ID
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.scan.busy, s.scan.problem, s.scan.cancel, s.scan.progress = true, "", cancel, 0
	s.rebuild()
	doc, retake := s.scan.doc, s.scan.retake
	s.scan.retake = ""
	go func() {
		defer cancel()
		err := s.scanInto(ctx, tray, doc, retake)
		glib.IdleAdd(func() {
			s.scan.busy = false
			if err != nil {
				p := scanner.Describe(err)
				s.scan.problem = p.Code
				s.opt.Log.Warn("scanner: scan failed", "code", p.Code, "staff", p.Staff, "err", err)
				s.scanFault(p.Code)
			}
			s.rebuild()
		})
	}()
}

// scanInto scans pages into doc; with retake, the first page replaces that one.
func (s *Shell) scanInto(ctx context.Context, tray *docs.Tray, doc, retake string) error {
	dev, err := s.opt.Scanner(ctx)
	if err != nil {
		return err
	}
	defer dev.Close()
	opt := s.opt.ScanOptions
	// A network scanner asleep between residents answers busy: the driver
	// waits for it, and the resident is told to wait.
	opt.Waiting = func(error) {
		glib.IdleAdd(func() {
			if s.scan.bar != nil {
				s.scan.bar.SetText(s.cat.T("Le scanner se prépare. Patientez…"))
			}
		})
	}
	pages, err := dev.Scan(ctx, opt, func(done, total int64) {
		fraction := -1.0
		if total > 0 {
			fraction = float64(done) / float64(total)
		}
		glib.IdleAdd(func() {
			if s.scan.bar != nil && fraction >= 0 {
				s.scan.bar.SetFraction(fraction)
			}
		})
	})
	for _, p := range pages { // pages scanned before a failure are kept
		var addErr error
		if retake != "" {
			_, addErr = tray.Retake(doc, retake, p.Image, p.DPI)
			retake = ""
		} else {
			_, addErr = tray.AddPage(doc, p.Image, p.DPI)
		}
		if addErr != nil && err == nil {
			err = addErr
		}
	}
	return err
}

func (s *Shell) cancelScan() {
	if s.scan.cancel != nil {
		s.scan.cancel()
	}
}

// finishScan prepares the document for the service the resident came from
// and says, in plain words, whether the site will take it.
func (s *Shell) finishScan() {
	tray, err := s.sessionTray()
	if err != nil {
		return
	}
	doc := s.scan.doc
	s.scan.doc = ""
	svc, forSite := s.cfg.Service(s.shown.Service)
	if !forSite {
		s.opt.Session.OpenTray()
		return
	}
	go func() {
		res, err := tray.Shrink(context.Background(), doc, targetFor(svc, nil))
		glib.IdleAdd(func() { s.showPrepared(svc, doc, res, err) })
	}()
}

// showPrepared tells the resident what their document became for a site.
func (s *Shell) showPrepared(svc *config.Service, doc string, res docs.Result, err error) {
	name := svc.NameIn(s.cat.Language().Code)
	pages := len(res.PerPage)
	var text string
	var actions []*gtk.Button
	if err != nil {
		s.opt.Log.Warn("shrink: does not fit", "service", svc.ID, "err", err)
		text = s.cat.T("Ce document est trop lourd pour ce site, même réduit.")
	} else {
		text = s.cat.N("%d page, %s — accepté par le site %s.", "%d pages, %s — accepté par le site %s.", pages, pages, s.size(res.Bytes), name)
		if s.browser != nil && s.browser.pendingFile != nil {
			send := s.actionButton("send", "done", s.cat.T("Envoyer au site"), func() {
				s.closeDialog()
				s.browser.answerFile([]string{res.Path})
				s.opt.Session.Back()
			})
			addClass(&send.Widget, "primary")
			actions = append(actions, send)
		}
	}
	actions = append(actions, s.actionButton("see-tray", "taxes", s.cat.T("Mes documents"), func() {
		s.closeDialog()
		s.opt.Session.OpenTray()
	}))
	s.showDialog("taxes", s.cat.T("Document prêt"), text, nil, actions...)
}

// trayScreen lists the documents scanned during this visit.
func (s *Shell) trayScreen() gtk.IWidget {
	box := s.screenBox(s.cat.T("Mes documents"), "taxes")
	tray, err := s.sessionTray()
	if err != nil {
		return box
	}
	list := vbox(16)
	list.SetHAlign(gtk.ALIGN_CENTER)
	documents := withPages(tray.Documents())
	if len(documents) == 0 {
		list.PackStart(label(s.cat.T("Vous n'avez pas encore scanné de document pendant cette visite."), "lead"), false, false, 0)
	}
	for i, d := range documents {
		row := hbox(24)
		if pb, err := gdk.PixbufNewFromFileAtScale(d.Pages[0].Thumb, 120, 120, true); err == nil {
			img, _ := gtk.ImageNewFromPixbuf(pb)
			row.PackStart(img, false, false, 0)
		}
		row.PackStart(label(s.cat.N("Document %d — %d page", "Document %d — %d pages", len(d.Pages), i+1, len(d.Pages)), "tile-name"), false, false, 0)
		doc := d
		row.PackStart(s.actionButton(fmt.Sprintf("edit-%d", i+1), "scan", s.cat.T("Modifier"), func() {
			s.scan.doc = doc.ID
			s.opt.Session.OpenScan()
		}), false, false, 0)
		row.PackStart(s.actionButton(fmt.Sprintf("remove-%d", i+1), "delete", s.cat.T("Supprimer"), func() {
			s.trayChange(func() error { return tray.DeleteDocument(doc.ID) })
		}), false, false, 0)
		list.PackStart(row, false, false, 0)
	}
	box.PackStart(list, false, false, 0)
	more := hbox(24)
	more.SetHAlign(gtk.ALIGN_CENTER)
	if s.opt.Scanner != nil {
		scan := s.actionButton("scan-new", "scan", s.cat.T("Scanner un document"), func() {
			s.scan.doc = ""
			s.opt.Session.OpenScan()
		})
		addClass(&scan.Widget, "primary")
		more.PackStart(scan, false, false, 0)
	}
	more.PackStart(s.actionButton("tray-back", "back", s.cat.T("Retour"), s.opt.Session.Back), false, false, 0)
	box.PackStart(more, false, false, 0)
	return box
}

// withPages drops documents whose pages were all deleted.
func withPages(all []docs.Document) []docs.Document {
	var out []docs.Document
	for _, d := range all {
		if len(d.Pages) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// targetFor is what a service's site takes, narrowed by the file input's
// accept list when the page gave one.
func targetFor(svc *config.Service, accept []string) docs.Target {
	t := docs.Target{MaxBytes: int64(svc.UploadLimit)}
	for _, mime := range svc.Accept {
		format := map[string]string{"application/pdf": docs.PDF, "image/jpeg": docs.JPEG}[mime]
		if format != "" && acceptsType(accept, mime) {
			t.Formats = append(t.Formats, format)
		}
	}
	return t
}

// acceptsType reads an input's accept list: MIME types, wildcards, extensions.
func acceptsType(accept []string, mime string) bool {
	if len(accept) == 0 {
		return true
	}
	ext := map[string][]string{"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}}[mime]
	for _, a := range accept {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == mime || a == strings.SplitN(mime, "/", 2)[0]+"/*" || a == "*/*" {
			return true
		}
		for _, e := range ext {
			if a == e {
				return true
			}
		}
	}
	return false
}

// scanProblem says a scanner problem in the resident's words, with what to do.
func scanProblem(cat *i18n.Catalog, code string) string {
	switch code {
	case "jammed":
		return cat.T("Le papier est coincé dans le scanner. Appelez un médiateur.")
	case "no-documents":
		return cat.T("Il n'y a pas de feuille dans le chargeur. Posez vos pages, face vers le haut.")
	case "cover-open":
		return cat.T("Le capot du scanner est ouvert. Fermez-le, puis réessayez.")
	case "busy", "timeout":
		return cat.T("Le scanner se prépare. Réessayez dans quelques secondes.")
	case "cancelled":
		return cat.T("La numérisation a été arrêtée.")
	}
	return cat.T("Le scanner ne marche pas pour le moment. Appelez un médiateur.")
}
