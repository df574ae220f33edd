package shell

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/config"
	"borne/kiosk/downloads"
	"borne/kiosk/visit"
	"borne/kiosk/webpolicy"
	"borne/ui/web"
)

// browser is the service screen's web view: one per session, with its own
// ephemeral context, destroyed when the session ends. It implements
// web.Handler: every navigation, download, file and print request of the
// page goes through it.
type browser struct {
	s    *Shell
	v    *visit.Visit // the visit the view belongs to
	view *web.View
	svc  *config.Service
	box  *gtk.Box // notice above, view below; re-parented into each new service screen
	log  *slog.Logger

	keyboard    *keyboard
	notice      *gtk.Box
	noticeMsg   string // on show now, for tests
	noticeAt    time.Time
	pendingFile *web.FileRequest // a page waiting for Borne's picker
	pendingMenu *web.OptionMenu  // a page's <select> list open in Borne's panel
}

func newBrowser(s *Shell) (*browser, error) {
	b := &browser{s: s, v: s.cur(), log: s.opt.Log}
	v, err := web.New(b, focusScript)
	if err != nil {
		return nil, err
	}
	b.view = v
	v.SetLanguage(s.shown.Lang)
	v.SetZoom(webZoom(s.shown.TextSize))
	v.LimitDownloads(downloads.MaxBytes)
	b.box = vbox(0)
	b.box.SetName("browser")
	b.notice = hbox(16)
	b.notice.SetNoShowAll(true) // shown only with a message (showNotice)
	addClass(&b.notice.Widget, "notice")
	b.box.PackStart(b.notice, false, false, 0)
	v.Widget().SetVExpand(true)
	v.Widget().SetHExpand(true)
	b.box.PackStart(v.Widget(), true, true, 0)
	b.keyboard = newKeyboard(b)
	b.box.PackStart(b.keyboard.box, false, false, 0)
	// The visit's end lets go of the view and its processes before the
	// wipe: nothing it downloads can land in the wiped directory. Low
	// priority: the end's own snapshot is drawn first and closes the view
	// there, as it always has; this only makes sure of it.
	b.v.OnRelease(func(ctx context.Context) {
		released := make(chan struct{})
		glib.IdleAddPriority(glib.PRIORITY_LOW, func() {
			if s.browser == b {
				s.closeBrowser()
			}
			close(released)
		})
		select {
		case <-released:
		case <-ctx.Done():
		}
	})
	return b, nil
}

// open shows a service's site, from its start page when the service changes.
func (b *browser) open(svc *config.Service) {
	if b.svc != nil && b.svc.ID == svc.ID {
		return
	}
	b.svc = svc
	b.clearNotice()
	// Nothing loads before WebKit enforces the service's sub-resource rules.
	b.view.Restrict(webpolicy.ContentRules(svc), func(err error) {
		if err != nil {
			b.log.Error("web: content rules not in force, site not opened", "service", svc.ID, "err", err)
			b.showNotice(b.s.cat.T("Le site ne répond pas pour le moment."))
			return
		}
		if b.svc == svc {
			b.view.Load(svc.StartURL)
		}
	})
}

// detach takes the browser out of the screen being torn down, to be packed
// into the next one without reloading the page.
func (b *browser) detach() {
	if parent, err := b.box.GetParent(); err == nil && parent != nil {
		if c, ok := parent.(*gtk.Container); ok {
			c.Remove(b.box)
		} else if bx, ok := parent.(*gtk.Box); ok {
			bx.Remove(b.box)
		}
	}
}

// close ends the view and its context: the next resident finds nothing.
func (b *browser) close() {
	if b.pendingFile != nil {
		b.pendingFile.Cancel()
		b.pendingFile = nil
	}
	b.answerOption(-1)
	b.detach()
	r := b.view.Destroy()
	b.log.Info("web: the visit's web processes ended", "took", r.Took.Round(time.Millisecond), "killed", len(r.Killed))
	b.box.Destroy()
}

func (b *browser) Navigate(uri string, newWindow, byResident bool) bool {
	v := webpolicy.Navigate(uri, b.svc)
	if v.Allow {
		return true
	}
	// Only the host goes to the log: paths and queries can carry personal data.
	b.log.Info("web: navigation refused", "service", b.svc.ID, "host", webpolicy.Host(uri), "code", v.Code, "popup", newWindow, "tap", byResident)
	if !byResident {
		return false // a frame or a script of the page: nothing the resident asked for
	}
	if v.Code == "insecure" {
		b.showNotice(b.s.cat.T("Ce site n'est pas sécurisé. La borne ne l'ouvre pas."), b.backToStart())
	} else {
		b.showNotice(b.s.cat.T("Cette page ne fait pas partie du site %s. Elle ne s'ouvre pas sur la borne.", b.svc.NameIn(b.s.cat.Language().Code)), b.backToStart())
	}
	return false
}

func (b *browser) Response(uri, mime string, mainResource, canShow bool) web.Decision {
	if mainResource && (!canShow || downloads.Wanted(mime, "")) {
		return web.Download // a PDF is kept for printing, never shown in the view
	}
	return web.Show
}

func (b *browser) DownloadPath(suggested, mime string) string {
	if !downloads.Wanted(mime, suggested) {
		b.log.Info("web: download refused", "service", b.svc.ID, "type", mime)
		b.showNotice(b.s.cat.T("Ce fichier ne peut pas être gardé sur la borne. Seuls les documents PDF sont acceptés."))
		return ""
	}
	p, err := b.v.DownloadPath(suggested)
	if err != nil {
		b.log.Error("web: download", "err", err)
		return ""
	}
	return p
}

func (b *browser) Downloaded(path string, err error) {
	if errors.Is(err, web.ErrTooBig) {
		_ = os.Remove(path) // what arrived before the cut
		err = downloads.ErrTooBig
	}
	b.received(path, err)
}

func (b *browser) PrintPath() string {
	p, err := b.v.PrintPath()
	if err != nil {
		b.log.Error("web: print", "err", err)
		return ""
	}
	return p
}

func (b *browser) Printed(path string, err error) {
	b.received(path, err)
}

// received checks a PDF that arrived, off the main loop (the check is
// bounded but can take seconds), and offers it for printing.
func (b *browser) received(path string, err error) {
	if err != nil {
		b.refused(err)
		return
	}
	b.v.Inspect(path, func(info downloads.Info, err error) {
		if b.s.browser != b { // the view was closed meanwhile
			return
		}
		if err != nil {
			b.refused(err)
			return
		}
		b.s.showDocument(info, path)
	})
}

// refused tells the resident, in plain words, why a document was not kept.
func (b *browser) refused(err error) {
	b.log.Error("web: document not received", "service", b.svc.ID, "err", err)
	switch {
	case errors.Is(err, downloads.ErrTooBig):
		b.showNotice(b.s.cat.T("Ce document est trop gros pour la borne (plus de %d Mo). Il n'a pas été gardé.", downloads.MaxBytes>>20))
	case errors.Is(err, downloads.ErrNotPDF):
		b.showNotice(b.s.cat.T("Ce fichier ne peut pas être gardé sur la borne. Seuls les documents PDF sont acceptés."))
	case errors.Is(err, downloads.ErrUncheckable):
		b.showNotice(b.s.cat.T("Ce document n'a pas pu être vérifié. Il n'a pas été gardé."))
	default:
		b.showNotice(b.s.cat.T("Le document n'a pas pu être reçu. Réessayez."))
	}
}

func (b *browser) Terminated(reason web.Termination) {
	b.log.Error("web: page process ended, reloading", "service", b.svc.ID, "reason", int(reason))
	b.showNotice(b.s.cat.T("La page a eu un problème. Elle a été rechargée."))
	b.view.Reload()
}

func (b *browser) LoadFailed(uri string, f web.Failure) {
	b.log.Warn("web: page did not load", "service", b.svc.ID, "host", webpolicy.Host(uri), "tls", f.TLS, "domain", f.Domain, "code", f.Code, "detail", f.Detail)
	if f.TLS {
		b.showNotice(b.s.cat.T("Ce site n'est pas sécurisé. La borne ne l'ouvre pas."), b.backToStart())
		return
	}
	retry := b.s.actionButton("web-retry", "back", b.s.cat.T("Réessayer"), func() {
		b.clearNotice()
		b.view.Retry()
	})
	b.showNotice(b.s.cat.T("Le site ne répond pas pour le moment."), retry)
}

// Loaded clears a notice once the resident has moved on to another page.
func (b *browser) Loaded(string) {
	if b.noticeMsg != "" && time.Since(b.noticeAt) > 2*time.Second {
		b.clearNotice()
	}
}

func (b *browser) Message(json string) { b.keyboard.message(json) }

func (b *browser) ChooseOption(m *web.OptionMenu) { b.s.showOptions(b, m) }

func (b *browser) ChooseFiles(req *web.FileRequest) {
	if b.pendingFile != nil {
		b.pendingFile.Cancel()
	}
	b.pendingFile = req
	b.s.showPicker(b, req)
}

// answerFile answers the page's pending file request.
func (b *browser) answerFile(paths []string) {
	req := b.pendingFile
	b.pendingFile = nil
	if req == nil {
		return
	}
	if len(paths) == 0 {
		req.Cancel()
		return
	}
	req.Select(paths)
	b.v.Attached(b.svc.ID) // for the ticket: how many documents went out
}

func (b *browser) backToStart() *gtk.Button {
	return b.s.actionButton("web-start", "back", b.s.cat.T("Retour au début du site"), func() {
		b.clearNotice()
		b.view.Load(b.svc.StartURL)
	})
}

func (b *browser) showNotice(text string, buttons ...*gtk.Button) {
	b.clearNotice()
	b.noticeMsg, b.noticeAt = text, time.Now()
	msg := label(text, "notice-text")
	msg.SetHExpand(true)
	b.notice.PackStart(msg, true, true, 0)
	msg.Show()
	for _, btn := range buttons {
		b.notice.PackStart(btn, false, false, 0)
		btn.ShowAll()
	}
	b.notice.Show()
}

func (b *browser) clearNotice() {
	b.noticeMsg = ""
	removeChildren(b.notice)
	b.notice.Hide()
}
