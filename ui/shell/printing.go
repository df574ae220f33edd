package shell

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gotk3/gotk3/gtk"

	"borne/internal/receiptspec"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/i18n"
	"borne/kiosk/services"
	"borne/kiosk/session"
	"borne/kiosk/ticket"
	"borne/kiosk/visit"
)

// TicketPrinter prints session tickets: drivers/receipt's printer, wired
// by the kiosk's main, or its fake. A failure carries a receiptspec.Code
// (a *receiptspec.Error in its chain) the screen explains.
type TicketPrinter interface {
	Print(ctx context.Context, doc *receiptspec.Doc) error
}

// printDocument sends a PDF to the A4 printer through the visit, which
// follows the job; showPrint tells the resident in plain words how it goes.
func (s *Shell) printDocument(path string, pages int) {
	v := s.cur()
	stop := s.actionButton("print-cancel", "back", s.cat.T("Annuler l'impression"), v.CancelPrint)
	s.showDialog("print", s.cat.T("Impression en cours…"), s.cat.T("Restez près de l'imprimante."), nil, stop)
	v.Print(s.shown.Service, path, pages)
}

// showPrint draws the print panel for where the visit's print stands.
func (s *Shell) showPrint(p visit.PrintState) {
	switch {
	case p.Busy && p.Waiting == "":
		// "Impression en cours…" is on since the tap.
	case p.Busy:
		// A job that waits on the printer says why at once (out of paper…).
		stop := s.actionButton("print-cancel", "back", s.cat.T("Annuler l'impression"), s.cur().CancelPrint)
		s.showDialog("print", s.cat.T("L'impression attend"), printProblem(s.cat, p.Waiting), nil, stop)
	case p.Problem != "":
		text := printProblem(s.cat, p.Problem)
		if p.Problem == visit.Canceled || p.Problem == visit.JobCanceled {
			text = s.cat.T("L'impression a été annulée.")
		}
		s.showDialog("print", s.cat.T("Pas d'impression"), text, nil,
			s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
	default:
		s.showDialog("print", s.cat.T("C'est imprimé"), s.cat.T("Prenez votre document dans l'imprimante."), nil,
			s.actionButton("dialog-close", "done", s.cat.T("Fermer"), s.closeDialog))
	}
}

// printProblem says a printer problem in the resident's words.
func printProblem(cat *i18n.Catalog, code string) string {
	switch code {
	case visit.MediaEmpty:
		return cat.T("L'imprimante n'a plus de papier. Un agent a été prévenu.")
	case visit.MediaJam:
		return cat.T("Le papier est coincé dans l'imprimante. Un agent a été prévenu.")
	case visit.CoverOpen:
		return cat.T("Un capot de l'imprimante est ouvert. Un agent a été prévenu.")
	case visit.MarkerEmpty:
		return cat.T("L'imprimante n'a plus d'encre. Un agent a été prévenu.")
	case visit.QuotaExceeded:
		return cat.T("Vous avez atteint le nombre de pages que vous pouvez imprimer.")
	case visit.Unprintable, visit.JobAborted:
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
		did := s.cur().Snapshot()
		t := ticket.Build(s.cfg, s.cat.Language().Code, ticket.Facts{Services: s.shown.Services, Attached: did.Attached, Printed: did.Printed, Now: time.Now(), Appointment: did.Appointment})
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
	s.cur().Run("ticket", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return s.opt.Tickets.Print(ctx, t.Doc())
	}, func(err error) {
		if err == nil {
			s.closeDialog()
			next()
			return
		}
		code := receiptspec.CodeOf(err)
		s.opt.Log.Warn("receipt: ticket not printed", "code", code, "err", err)
		s.fault(health.Receipt, string(code))
		s.showDialog("print", s.cat.T("Pas de ticket"), ticketProblem(s.cat, code), nil,
			s.actionButton("dialog-close", "back", s.cat.T("Fermer"), func() { s.closeDialog(); next() }))
	})
}

func ticketProblem(cat *i18n.Catalog, code receiptspec.Code) string {
	switch code {
	case receiptspec.PaperOut:
		return cat.T("L'imprimante à tickets n'a plus de papier. Un agent a été prévenu.")
	case receiptspec.CoverOpen:
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
