package shell

import (
	"fmt"
	"strings"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/config"
	"borne/kiosk/i18n"
	"borne/kiosk/shrink"
	"borne/kiosk/tray"
	"borne/kiosk/visit"
)

// scanView is what the scan screen shows beyond the visit's scan state:
// the progress bar, and the page shown full screen.
type scanView struct {
	bar     *gtk.ProgressBar
	viewing string // the page shown full screen, or ""
}

// scanScreen: a picture of what to do, the pages scanned so far with their
// tools, and the buttons to scan, finish or cancel.
func (s *Shell) scanScreen() gtk.IWidget {
	v := s.cur()
	scan := v.Snapshot().Scan
	s.scan.bar = nil
	tr, err := v.Tray()
	if err == nil && s.scan.viewing != "" && !scan.Busy {
		if d, derr := tr.Document(scan.Doc); derr == nil {
			for i, p := range d.Pages {
				if p.ID == s.scan.viewing {
					return s.pageView(tr, d, i)
				}
			}
		}
		s.scan.viewing = "" // deleted meanwhile
	}
	box := s.screenBox(s.cat.T("Scanner un document"), "scan")
	if err != nil {
		s.opt.Log.Error("shell: tray", "err", err)
		box.PackStart(label(s.cat.T("Le scanner ne marche pas pour le moment. Appelez un médiateur."), "lead"), false, false, 0)
		return box
	}
	pages := 0
	d, err := tr.Document(scan.Doc)
	if err == nil {
		pages = len(d.Pages)
	}
	if pages == 0 || scan.Busy {
		// Before the first page: what to do and what the document is. After it
		// the room goes to the pages.
		how := hbox(24)
		how.SetHAlign(gtk.ALIGN_CENTER)
		how.PackStart(s.picto("scan", 120), false, false, 0)
		how.PackStart(label(s.cat.T("Posez la page face contre la vitre, en haut à gauche. Fermez le capot."), "lead"), false, false, 0)
		box.PackStart(how, false, false, 0)
		if pages == 0 {
			box.PackStart(s.kindPicker(tr, scan), false, false, 0)
		}
	}
	if scan.Problem != "" {
		problem := label(scanProblem(s.cat, scan.Problem), "notice-text")
		addClass(&problem.Widget, "notice")
		box.PackStart(problem, false, false, 0)
	}
	actions := hbox(24)
	actions.SetHAlign(gtk.ALIGN_CENTER)
	if scan.Busy {
		s.scan.bar, _ = gtk.ProgressBarNew()
		s.scan.bar.SetShowText(true)
		s.scan.bar.SetSizeRequest(480, -1)
		s.showScanProgress(scan)
		actions.PackStart(s.scan.bar, false, false, 0)
		actions.PackStart(s.actionButton("scan-cancel", "back", s.cat.T("Annuler"), v.CancelScan), false, false, 0)
	} else {
		btn := s.actionButton("scan-page", "scan", s.scanButtonText(tr, scan, pages), func() { v.StartScan("") })
		addClass(&btn.Widget, "primary")
		actions.PackStart(btn, false, false, 0)
		if pages > 0 {
			done := s.actionButton("scan-done", "done", s.cat.T("Terminé"), s.finishScan)
			addClass(&done.Widget, "done")
			actions.PackStart(done, false, false, 0)
		} else {
			actions.PackStart(s.actionButton("scan-back", "back", s.cat.T("Retour"), s.opt.Session.Back), false, false, 0)
		}
	}
	box.PackStart(actions, false, false, 0)
	if pages > 0 {
		box.PackStart(s.pageStrip(d), false, false, 0)
	}
	return box
}

// showScanProgress updates the progress bar of a scan under way.
func (s *Shell) showScanProgress(scan visit.ScanState) {
	if s.scan.bar == nil {
		return
	}
	if scan.Waiting {
		s.scan.bar.SetText(s.cat.T("Le scanner se prépare. Patientez…"))
		return
	}
	s.scan.bar.SetText(s.cat.T("Numérisation en cours…"))
	if scan.Progress >= 0 {
		s.scan.bar.SetFraction(scan.Progress)
	}
}

// pageStrip shows a document's pages as a grid of thumbnails sized to fit
// the screen with the bar (up to 10 pages in two rows, nothing to scroll);
// a tap on one shows it full screen with its tools.
func (s *Shell) pageStrip(d tray.Document) gtk.IWidget {
	box := vbox(12)
	n := len(d.Pages)
	hint := s.cat.T("Touchez une page pour la voir en grand, la tourner, la reprendre ou la supprimer.")
	for i, p := range d.Pages {
		if p.Warning != "" {
			hint = s.cat.T("Vérifiez la page %d : elle semble vide ou trop sombre.", i+1)
			break
		}
	}
	box.PackStart(label(hint, "note"), false, false, 0)
	cols := n
	if n > 5 {
		cols = (n + 1) / 2
	}
	rows := (n + cols - 1) / cols
	w, h := s.thumbBox(cols, rows)
	grid, _ := gtk.GridNew()
	grid.SetRowSpacing(12)
	grid.SetColumnSpacing(12)
	grid.SetHAlign(gtk.ALIGN_CENTER)
	imgs := make([]*gtk.Image, n)
	for i, p := range d.Pages {
		id := p.ID
		btn := s.button(fmt.Sprintf("page-%d", i+1), func() {
			s.scan.viewing = id
			s.rebuild()
		})
		addClass(&btn.Widget, "page-thumb")
		setClass(&btn.Widget, "notice", p.Warning != "")
		card := vbox(4)
		imgs[i], _ = gtk.ImageNew()
		setThumb(imgs[i], p.Thumb, w, h)
		card.PackStart(imgs[i], false, false, 0)
		name := s.cat.T("Page %d", i+1)
		card.PackStart(label(name, "note"), false, false, 0)
		setAccessible(&btn.Widget, name, hint)
		btn.Add(card)
		grid.Attach(btn, i%cols, i/cols, 1, 1)
	}
	// The first guess of the thumbnails' size comes from the screen; once
	// laid out, they shrink until the last row clears the bar.
	s.shrinkToFit(&grid.Widget, rows, &h, minThumb, s.barTop, func() {
		for i, p := range d.Pages {
			setThumb(imgs[i], p.Thumb, w, h)
		}
	})
	box.PackStart(grid, false, false, 0)
	return box
}

// minThumb is the smallest a page thumbnail gets: a page still told apart.
const minThumb = 40

// setThumb shows a thumbnail within w×h.
func setThumb(img *gtk.Image, path string, w, h int) {
	if pb, err := gdk.PixbufNewFromFileAtScale(path, w, h, true); err == nil {
		img.SetFromPixbuf(pb)
	}
}

// thumbBox is the room a thumbnail gets so that cols×rows of them fit
// between the scan screen's instructions and the bar at this text size.
func (s *Shell) thumbBox(cols, rows int) (w, h int) {
	scale := textScales[min(max(s.shown.TextSize, 0), len(textScales)-1)]
	_, barHeight := s.bar.GetPreferredHeight()
	// title, instructions, buttons, hint, the labels under the thumbnails,
	// paddings and spacings: measured on the screens at 1024×768.
	used := barHeight + s.cfg.MinTargetPx() + 64 + 96 + 24*4 + int(scale*(48+34+2*30)) + rows*(int(scale*30)+36)
	h = (s.screenHeight() - used - (rows-1)*12) / rows
	w = (s.screenWidth()-96-(cols-1)*12)/cols - 24
	return max(min(w, 220), minThumb), max(min(h, 260), minThumb)
}

// pageView shows one page as large as the screen allows, its width filling
// the view so that the text can be read (it scrolls down the page), with
// the page's tools beside it and a way back to all the pages.
func (s *Shell) pageView(tr *tray.Tray, d tray.Document, i int) gtk.IWidget {
	page := d.Pages[i]
	row := hbox(24)
	addClass(&row.Widget, "screen")
	tools := vbox(16)
	tools.SetVAlign(gtk.ALIGN_START)
	tools.PackStart(label(s.cat.T("Page %d sur %d", i+1, len(d.Pages)), "tile-name"), false, false, 0)
	if page.Warning != "" {
		tools.PackStart(label(s.cat.T("Cette page semble vide ou trop sombre. Vérifiez-la."), "notice-text"), false, false, 0)
	}
	n := i + 1
	back := s.actionButton("page-back", "back", s.cat.T("Voir toutes les pages"), func() {
		s.scan.viewing = ""
		s.rebuild()
	})
	addClass(&back.Widget, "primary")
	tools.PackStart(back, false, false, 0)
	tools.PackStart(s.actionButton(fmt.Sprintf("rotate-%d", n), "rotate", s.cat.T("Tourner"), func() {
		s.trayChange(func(t *tray.Tray) error { _, err := t.Rotate(d.ID, page.ID, 1); return err })
	}), false, false, 0)
	tools.PackStart(s.actionButton(fmt.Sprintf("retake-%d", n), "scan", s.cat.T("Reprendre"), func() {
		s.scan.viewing = ""
		s.cur().StartScan(page.ID)
	}), false, false, 0)
	if i > 0 {
		tools.PackStart(s.actionButton(fmt.Sprintf("before-%d", n), "back", s.cat.T("Mettre avant"), func() {
			s.scan.viewing = ""
			s.trayChange(func(t *tray.Tray) error { return t.Move(d.ID, page.ID, i-1) })
		}), false, false, 0)
	}
	tools.PackStart(s.actionButton(fmt.Sprintf("delete-%d", n), "delete", s.cat.T("Supprimer"), func() {
		s.scan.viewing = ""
		s.trayChange(func(t *tray.Tray) error { return t.Delete(d.ID, page.ID) })
	}), false, false, 0)
	sw, _ := gtk.ScrolledWindowNew(nil, nil)
	sw.SetPolicy(gtk.POLICY_AUTOMATIC, gtk.POLICY_AUTOMATIC)
	sw.SetMinContentHeight(200) // then as high as the screen leaves it
	sw.SetHExpand(true)
	sw.SetVExpand(true)
	sw.SetName("page-full")
	img, _ := gtk.ImageNew()
	sw.Add(img)
	row.PackStart(sw, true, true, 0)
	row.PackStart(tools, false, false, 0)
	// The page fills the width it is given once laid out; the scan is
	// decoded off the main loop (a 300-dpi page takes a moment).
	drawn := 0
	sw.Connect("size-allocate", func() {
		width := sw.GetAllocatedWidth() - 4
		if width < 100 || abs(width-drawn) < 16 {
			return
		}
		drawn = width
		go func() {
			pb, err := fullPage(page, width)
			glib.IdleAdd(func() {
				if err != nil {
					s.opt.Log.Warn("shell: page view", "err", err)
					return
				}
				if drawn == width {
					img.SetFromPixbuf(pb)
				}
			})
		}()
	})
	return row
}

func abs(n int) int { return max(n, -n) }

// fullPage loads a scanned page at a width, turned as the resident asked.
func fullPage(p shrink.Page, width int) (*gdk.Pixbuf, error) {
	long := width
	if p.Turns%2 == 0 { // portrait: the width is the short side
		long = width * 3 / 2
	}
	pb, err := gdk.PixbufNewFromFileAtScale(p.Path, long, long, true)
	if err != nil {
		return nil, fmt.Errorf("shell: page %s: %w", p.ID, err)
	}
	if turns := ((p.Turns % 4) + 4) % 4; turns != 0 {
		// gdk rotates counter-clockwise; the tray's turns are clockwise.
		if pb, err = pb.RotateSimple(gdk.PixbufRotation(360 - 90*turns)); err != nil {
			return nil, fmt.Errorf("shell: page %s: %w", p.ID, err)
		}
	}
	if pb.GetWidth() > width {
		return pb.ScaleSimple(width, pb.GetHeight()*width/pb.GetWidth(), gdk.INTERP_BILINEAR)
	}
	return pb, nil
}

// trayChange applies an edit off the main loop, then redraws the screen.
func (s *Shell) trayChange(edit func(*tray.Tray) error) {
	s.cur().EditTray(edit, func(err error) {
		if err != nil {
			s.opt.Log.Error("shell: tray", "err", err)
		}
		s.rebuild()
	})
}

// finishScan prepares the document for the service the resident came from
// and says, in plain words, whether the site will take it.
func (s *Shell) finishScan() {
	v := s.cur()
	doc := v.FinishScan()
	svc, forSite := s.cfg.Service(s.shown.Service)
	if !forSite {
		s.opt.Session.OpenTray()
		return
	}
	v.Shrink(doc, targetFor(svc, nil), func(res shrink.Result, err error) { s.showPrepared(svc, doc, res, err) })
}

// showPrepared tells the resident what their document became for a site.
func (s *Shell) showPrepared(svc *config.Service, doc string, res shrink.Result, err error) {
	name := svc.NameIn(s.cat.Language().Code)
	pages := len(res.PerPage)
	var text string
	var actions []*gtk.Button
	if err != nil {
		s.opt.Log.Warn("shrink: does not fit", "service", svc.ID, "err", err)
		text = s.cat.T("Ce document est trop lourd pour ce site, même réduit.")
	} else {
		text = s.cat.N("%d page, %s — accepté par le site %s.", "%d pages, %s — accepté par le site %s.", pages, pages, s.size(res.Bytes), name) +
			"\n" + pageAccounts(s.cat, res)
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
	v := s.cur()
	tr, err := v.Tray()
	if err != nil {
		return box
	}
	list := vbox(16)
	list.SetHAlign(gtk.ALIGN_CENTER)
	documents := withPages(tr.Documents())
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
			v.ChooseDocument(doc.ID)
			s.opt.Session.OpenScan()
		}), false, false, 0)
		row.PackStart(s.actionButton(fmt.Sprintf("remove-%d", i+1), "delete", s.cat.T("Supprimer"), func() {
			s.trayChange(func(t *tray.Tray) error { return t.DeleteDocument(doc.ID) })
		}), false, false, 0)
		list.PackStart(row, false, false, 0)
	}
	box.PackStart(list, false, false, 0)
	more := hbox(24)
	more.SetHAlign(gtk.ALIGN_CENTER)
	if s.opt.Visits.HasScanner() {
		scan := s.actionButton("scan-new", "scan", s.cat.T("Scanner un document"), func() {
			v.ChooseDocument("")
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
func withPages(all []tray.Document) []tray.Document {
	var out []tray.Document
	for _, d := range all {
		if len(d.Pages) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// targetFor is what a service's site takes, narrowed by the file input's
// accept list when the page gave one.
func targetFor(svc *config.Service, accept []string) shrink.Target {
	t := shrink.Target{MaxBytes: int64(svc.UploadLimit)}
	for _, mime := range svc.Accept {
		format := map[string]string{"application/pdf": shrink.PDF, "image/jpeg": shrink.JPEG, "image/png": shrink.PNG}[mime]
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
	ext := map[string][]string{"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}[mime]
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
