package shell

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/i18n"
	"borne/kiosk/services"
	"borne/kiosk/session"
	"borne/kiosk/ticket"
)

// TicketPrinter prints session tickets (drivers/receipt, or a fake).
type TicketPrinter interface {
	Print(ctx context.Context, doc *receipt.Doc) error
}

// printSession is this session's use of the A4 printer (its page quota, its
// pending jobs), opened on first use.
func (s *Shell) printSession() *printer.Session {
	if s.printing == nil {
		s.printing = printer.NewSession(s.opt.Printer, s.cfg.Printer.PageQuota, s.opt.Log)
	}
	return s.printing
}

// printDocument sends a PDF to the A4 printer and follows the job, telling
// the resident in plain words how it goes.
func (s *Shell) printDocument(path string, pages int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	stop := s.actionButton("print-cancel", "back", s.cat.T("Annuler l'impression"), cancel)
	s.showDialog("print", s.cat.T("Impression en cours…"), s.cat.T("Restez près de l'imprimante."), nil, stop)
	sess := s.printSession()
	var shown printer.Code
	go func() {
		defer cancel()
		job, err := sess.Print(ctx, path, printer.PrintOptions{Pages: pages})
		if err == nil {
			// A job that waits on the printer says why at once (out of
			// paper…): the resident is told, staff are by the printer's state.
			_, err = sess.Wait(ctx, job, func(st printer.JobStatus) {
				if st.Printer == nil || st.Printer.Ready() || st.Printer.Code == shown {
					return
				}
				shown = st.Printer.Code
				glib.IdleAdd(func() {
					stop := s.actionButton("print-cancel", "back", s.cat.T("Annuler l'impression"), cancel)
					s.showDialog("print", s.cat.T("L'impression attend"), printProblem(s.cat, shown), nil, stop)
				})
			})
		}
		glib.IdleAdd(func() {
			if err != nil {
				code := printer.CodeOf(err)
				s.opt.Log.Warn("printer: document not printed", "code", code, "err", err)
				text := printProblem(s.cat, code)
				if code == printer.Canceled || code == printer.JobCanceled {
					text = s.cat.T("L'impression a été annulée.")
				}
				s.printFault(code)
				s.showDialog("print", s.cat.T("Pas d'impression"), text, nil,
					s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
				return
			}
			s.opt.Session.Printed(pages)
			s.showDialog("print", s.cat.T("C'est imprimé"), s.cat.T("Prenez votre document dans l'imprimante."), nil,
				s.actionButton("dialog-close", "done", s.cat.T("Fermer"), s.closeDialog))
		})
	}()
}

// printProblem says a printer problem in the resident's words.
func printProblem(cat *i18n.Catalog, code printer.Code) string {
	switch code {
	case printer.MediaEmpty:
		return cat.T("L'imprimante n'a plus de papier. Un agent a été prévenu.")
	case printer.MediaJam:
		return cat.T("Le papier est coincé dans l'imprimante. Un agent a été prévenu.")
	case printer.CoverOpen:
		return cat.T("Un capot de l'imprimante est ouvert. Un agent a été prévenu.")
	case printer.MarkerEmpty:
		return cat.T("L'imprimante n'a plus d'encre. Un agent a été prévenu.")
	case printer.QuotaExceeded:
		return cat.T("Vous avez atteint le nombre de pages que vous pouvez imprimer.")
	case printer.Unprintable, printer.JobAborted:
		return cat.T("Ce document ne peut pas être imprimé ici. Demandez de l'aide à un agent.")
	}
	return cat.T("L'imprimante ne fonctionne pas pour le moment. Un agent a été prévenu.")
}

// finish is "I'm done": when a ticket printer is there, offer the ticket
// (what was done, what comes next, where to find help) before ending.
func (s *Shell) finish() {
	if s.opt.Tickets == nil {
		s.opt.Session.End(session.EndDone)
		return
	}
	yes := s.actionButton("ticket-yes", "print", s.cat.T("Oui, imprimer mon ticket"), func() {
		s.closeDialog()
		t := ticket.Build(s.cfg, s.cat.Language().Code, ticket.Facts{Services: s.shown.Services, Attached: s.shown.Attached, Printed: s.shown.Printed, Now: time.Now(), Appointment: s.appointment})
		s.printTicket(t, func() { s.opt.Session.End(session.EndDone) })
	})
	addClass(&yes.Widget, "primary")
	no := s.actionButton("ticket-no", "done", s.cat.T("Non merci"), func() {
		s.closeDialog()
		s.opt.Session.End(session.EndDone)
	})
	s.showDialog("print", s.cat.T("Voulez-vous un ticket ?"), s.cat.T("Il dit ce que vous avez fait, ce qu'il faut faire ensuite et où trouver de l'aide."), nil, yes, s.appointmentButton(s.finish), no)
}

// printTicket prints on the ticket printer, then runs next; a printer that
// fails is said plainly and never blocks the resident.
func (s *Shell) printTicket(t *ticket.Ticket, next func()) {
	s.showDialog("print", s.cat.T("Impression en cours…"), "", nil)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := s.opt.Tickets.Print(ctx, t.Doc())
		glib.IdleAdd(func() {
			if err == nil {
				s.closeDialog()
				next()
				return
			}
			s.opt.Log.Warn("receipt: ticket not printed", "code", receipt.CodeOf(err), "err", err)
			s.fault(health.Receipt, string(receipt.CodeOf(err)))
			s.showDialog("print", s.cat.T("Pas de ticket"), ticketProblem(s.cat, receipt.CodeOf(err)), nil,
				s.actionButton("dialog-close", "back", s.cat.T("Fermer"), func() { s.closeDialog(); next() }))
		})
	}()
}

func ticketProblem(cat *i18n.Catalog, code receipt.Code) string {
	switch code {
	case receipt.PaperOut:
		return cat.T("L'imprimante à tickets n'a plus de papier. Un agent a été prévenu.")
	case receipt.CoverOpen:
		return cat.T("L'imprimante à tickets est ouverte. Un agent a été prévenu.")
	}
	return cat.T("Le ticket ne peut pas être imprimé pour le moment.")
}

// countersScreen: where a human can help — address, phone, today's hours,
// open now — printable on a ticket.
func (s *Shell) countersScreen() gtk.IWidget {
	box := s.screenBox(s.cat.T("Trouver un accueil"), "house")
	dir := services.Agencies(s.cfg)
	now := time.Now()
	list := vbox(16)
	list.SetHAlign(gtk.ALIGN_CENTER)
	for _, a := range dir.All() {
		card := vbox(4)
		addClass(&card.Widget, "tile")
		name := label(a.Name, "tile-name")
		name.SetXAlign(0)
		card.PackStart(name, false, false, 0)
		for _, line := range []string{a.Address, a.Phone, s.todayHours(dir, a, now)} {
			if line != "" {
				l := label(line, "note")
				l.SetXAlign(0)
				card.PackStart(l, false, false, 0)
			}
		}
		list.PackStart(card, false, false, 0)
	}
	box.PackStart(list, false, false, 0)
	if s.opt.Tickets != nil {
		print := s.actionButton("print-counters", "print", s.cat.T("Imprimer sur un ticket"), func() {
			s.printTicket(ticket.Counters(s.cfg, s.cat.Language().Code, s.shown.Service, time.Now()), func() {})
		})
		print.SetHAlign(gtk.ALIGN_CENTER)
		box.PackStart(print, false, false, 0)
	}
	return box
}

// todayHours says an agency's hours today and whether it is open now; never
// by colour alone.
func (s *Shell) todayHours(dir services.Directory, a *config.Agency, now time.Time) string {
	day := dir.Day(a, now)
	var spans []string
	for _, sp := range day.Spans {
		spans = append(spans, fmt.Sprintf("%02d:%02d–%02d:%02d", sp.From/60, sp.From%60, sp.To/60, sp.To%60))
	}
	switch {
	case len(spans) == 0:
		return s.cat.T("Fermé aujourd'hui")
	case dir.IsOpen(a, now):
		return s.cat.T("Ouvert maintenant — aujourd'hui : %s", strings.Join(spans, ", "))
	}
	return s.cat.T("Fermé maintenant — aujourd'hui : %s", strings.Join(spans, ", "))
}
