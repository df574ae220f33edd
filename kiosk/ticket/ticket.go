// Package ticket builds what a resident takes away, in their language and
// without any personal data: the session ticket (what was done, what comes
// next, where a human can help, a QR code to each service) and the list of
// counters of the "find a counter" screen. A Ticket is device independent;
// Doc lays it out for the receipt printer.
package ticket

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"borne/internal/receiptspec"
	"borne/kiosk/config"
	"borne/kiosk/i18n"
	"borne/kiosk/services"
)

// Facts are what the kiosk knows of a session: counts and service ids,
// nothing that could name the resident.
type Facts struct {
	Services []string // ids of the services opened, in order
	Attached int      // documents handed to websites
	Printed  int      // pages printed
	Now      time.Time
	// Appointment is one the resident typed for themselves, or nil. It goes
	// on the ticket and in its calendar code only.
	Appointment *Appointment
}

// Ticket is a ticket's content, in one language.
type Ticket struct {
	Lang     string
	RTL      bool
	Site     string // the site's name, as residents know it
	Title    string
	When     string
	Sections []Section
	QR       []QR
	Footer   string
}

// Section is a heading and what comes under it.
type Section struct {
	Heading string
	Items   []Item
}

// Item is one entry of a section: a service or an agency, and its lines.
type Item struct {
	Title string // may be empty
	Lines []string
}

// QR is a QR code and what it leads to, in words.
type QR struct{ Data, Caption string }

// MaxAgencies is how many counters the session ticket lists; the "find a
// counter" ticket lists them all.
const MaxAgencies = 3

// MaxQR is how many services get a QR code on the session ticket.
const MaxQR = 2

// Build makes the session ticket in lang (the source language when lang is
// not supported).
func Build(cfg *config.Config, lang string, f Facts) *Ticket {
	c := i18n.For(lang)
	now := f.Now.In(cfg.Location())
	t := newTicket(cfg, c, now, c.T("Récapitulatif de votre visite"))
	used := usedServices(cfg, f.Services)

	var done Item
	if len(used) > 0 {
		names := make([]string, len(used))
		for i, s := range used {
			names[i] = s.NameIn(t.Lang)
		}
		done.Lines = append(done.Lines, c.T("Services consultés : %s", strings.Join(names, ", ")))
	}
	if f.Attached > 0 {
		done.Lines = append(done.Lines, c.N("%d document joint à un formulaire", "%d documents joints à des formulaires", f.Attached, f.Attached))
	}
	if f.Printed > 0 {
		done.Lines = append(done.Lines, c.N("%d page imprimée", "%d pages imprimées", f.Printed, f.Printed))
	}
	if len(done.Lines) > 0 {
		t.Sections = append(t.Sections, Section{Heading: c.T("Ce que vous avez fait"), Items: []Item{done}})
	}

	if a := f.Appointment; a != nil {
		at := a.At.In(cfg.Location())
		it := Item{Lines: []string{c.T("Le %s à %s", Date(c, at), ltr(c, at.Format("15:04")))}}
		if a.Place != "" {
			it.Lines = append(it.Lines, a.Place)
		}
		t.Sections = append(t.Sections, Section{Heading: c.T("Votre rendez-vous"), Items: []Item{it}})
		ev := Event{Summary: c.T("Rendez-vous"), Start: at, End: at.Add(appointmentLength), Location: a.Place}
		t.QR = append(t.QR, QR{Data: ev.VEvent(), Caption: c.T("Scannez ce code avec votre téléphone pour mettre ce rendez-vous dans votre agenda.")})
	}

	var next []Item
	windows := 0
	for _, s := range used {
		for _, step := range services.NextSteps(cfg, s.ID, now) {
			name := s.NameIn(t.Lang)
			next = append(next, Item{Title: name, Lines: []string{step.Rule.TextIn(t.Lang), window(c, step)}})
			if windows < maxCalendarQR {
				windows++
				ev := Event{Summary: name + " — " + step.Rule.TextIn(t.Lang), Start: step.From, End: step.To, AllDay: true}
				t.QR = append(t.QR, QR{Data: ev.VEvent(), Caption: c.T("Scannez ce code avec votre téléphone pour mettre ces dates dans votre agenda : %s.", name)})
			}
		}
	}
	if len(next) > 0 {
		t.Sections = append(t.Sections, Section{Heading: c.T("Prochaines étapes"), Items: next})
	}
	calendar := len(t.QR)

	dir := services.Agencies(cfg)
	var agencies []*config.Agency
	for _, a := range dir.All() {
		if helpsAny(a, used) && len(agencies) < MaxAgencies {
			agencies = append(agencies, a)
		}
	}
	if len(agencies) > 0 {
		t.Sections = append(t.Sections, Section{Heading: c.T("Où trouver de l'aide"), Items: agencyItems(c, dir, agencies, now)})
	}

	for _, s := range used {
		if len(t.QR)-calendar < MaxQR {
			t.QR = append(t.QR, QR{Data: s.StartURL, Caption: c.T("Scannez ce code pour ouvrir le site %s.", s.NameIn(t.Lang))})
		}
	}
	return t
}

// Counters makes the "find a counter" ticket: the agencies that help with
// serviceID ("" for all of them), nearest first.
func Counters(cfg *config.Config, lang, serviceID string, now time.Time) *Ticket {
	c := i18n.For(lang)
	now = now.In(cfg.Location())
	t := newTicket(cfg, c, now, c.T("Où trouver de l'aide"))
	dir := services.Agencies(cfg)
	agencies := dir.All()
	if serviceID != "" {
		agencies = dir.For(serviceID)
	}
	if len(agencies) > 0 {
		t.Sections = []Section{{Items: agencyItems(c, dir, agencies, now)}}
	}
	return t
}

func newTicket(cfg *config.Config, c *i18n.Catalog, now time.Time, title string) *Ticket {
	l := c.Language()
	return &Ticket{
		Lang: l.Code, RTL: l.RTL, Site: cfg.Kiosk.Site, Title: title,
		When:   c.T("Le %s à %s", ltr(c, now.Format(numericDate(c))), ltr(c, now.Format("15:04"))),
		Footer: c.T("Ce ticket ne contient aucune donnée personnelle."),
	}
}

// usedServices resolves ids to the catalogue's services, each once, in
// order; unknown ids (a service removed since) are left out.
func usedServices(cfg *config.Config, ids []string) []*config.Service {
	var out []*config.Service
	seen := map[string]bool{}
	for _, id := range ids {
		if s, ok := cfg.Service(id); ok && !seen[id] {
			seen[id] = true
			out = append(out, s)
		}
	}
	return out
}

// helpsAny tells whether a helps with one of the services; with none used,
// every agency does.
func helpsAny(a *config.Agency, used []*config.Service) bool {
	if len(used) == 0 {
		return true
	}
	for _, s := range used {
		if a.Helps(s.ID) {
			return true
		}
	}
	return false
}

func agencyItems(c *i18n.Catalog, dir services.Directory, agencies []*config.Agency, now time.Time) []Item {
	items := make([]Item, len(agencies))
	for i, a := range agencies {
		it := Item{Title: a.Name, Lines: []string{a.Address}}
		if a.Phone != "" {
			it.Lines = append(it.Lines, c.T("Tél. %s", ltr(c, a.Phone)))
		}
		day := dir.Day(a, now)
		hours := ltr(c, config.DayHours{Spans: day.Spans}.String())
		switch {
		case day.Holiday != "":
			hours = c.T("fermé (jour férié)")
		case len(day.Spans) == 0:
			hours = c.T("fermé")
		}
		it.Lines = append(it.Lines, c.T("Aujourd'hui : %s", hours))
		if dir.IsOpen(a, now) {
			it.Lines = append(it.Lines, c.T("Ouvert maintenant"))
		} else if next, ok := dir.NextOpening(a, now); ok {
			clock := ltr(c, next.Format("15:04"))
			if config.DateOf(next) == config.DateOf(now) {
				it.Lines = append(it.Lines, c.T("Prochaine ouverture : aujourd'hui à %s", clock))
			} else {
				it.Lines = append(it.Lines, c.T("Prochaine ouverture : %s à %s", weekday(c, next.Weekday()), clock))
			}
		}
		items[i] = it
	}
	return items
}

// ltr keeps numbers written left to right (a phone number, "08:30-12:00")
// in their order inside a right-to-left sentence, where the groups would
// otherwise come out reversed: a Unicode isolate.
func ltr(c *i18n.Catalog, s string) string {
	if !c.Language().RTL {
		return s
	}
	return "\u2066" + s + "\u2069"
}

// window says when a next step's window is.
func window(c *i18n.Catalog, s services.Step) string {
	if s.Open {
		return c.T("En ce moment, jusqu'au %s", Date(c, s.To))
	}
	from := dayOfMonth(c, s.From.Day())
	if yearFirst(c) || s.From.Month() != s.To.Month() || s.From.Year() != s.To.Year() {
		from = Date(c, s.From) // "du 1er au 15 janvier", but "2027年1月1日至2027年1月15日"
	}
	return c.T("Du %s au %s", from, Date(c, s.To))
}

// yearFirst: the language writes dates year, month, day (Chinese).
func yearFirst(c *i18n.Catalog) bool { return c.Language().Code == "zh" }

// Date writes "15 janvier 2027", "15 de enero de 2027", "2027年1月15日" in
// the catalogue's language: the order of the parts is the language's, which
// a translated format with fixed argument order cannot give.
func Date(c *i18n.Catalog, t time.Time) string {
	if yearFirst(c) {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return c.T("%s %s %d", dayOfMonth(c, t.Day()), month(c, t.Month()), t.Year())
}

// MonthYear writes "janvier 2027", "2027年1月".
func MonthYear(c *i18n.Catalog, t time.Time) string {
	if yearFirst(c) {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return month(c, t.Month()) + " " + strconv.Itoa(t.Year())
}

// numericDate is the layout of a date in figures: 23/11/2026, 2026/11/23.
func numericDate(c *i18n.Catalog) string {
	if yearFirst(c) {
		return "2006/01/02"
	}
	return "02/01/2006"
}

// dayOfMonth writes a day's number; French writes the first "1er".
func dayOfMonth(c *i18n.Catalog, d int) string {
	if d == 1 && c.Language().Code == "fr" {
		return "1er"
	}
	return strconv.Itoa(d)
}

func month(c *i18n.Catalog, m time.Month) string {
	return [...]string{
		c.T("janvier"), c.T("février"), c.T("mars"), c.T("avril"), c.T("mai"), c.T("juin"),
		c.T("juillet"), c.T("août"), c.T("septembre"), c.T("octobre"), c.T("novembre"), c.T("décembre"),
	}[m-1]
}

func weekday(c *i18n.Catalog, d time.Weekday) string {
	return [...]string{
		c.T("dimanche"), c.T("lundi"), c.T("mardi"), c.T("mercredi"), c.T("jeudi"), c.T("vendredi"), c.T("samedi"),
	}[d]
}

// Doc lays the ticket out for the receipt printer.
func (t *Ticket) Doc() *receiptspec.Doc {
	d := &receiptspec.Doc{RTL: t.RTL}
	d.Text(t.Site, receiptspec.Style{Bold: true, Align: receiptspec.Center})
	d.Text(t.Title, receiptspec.Style{Bold: true, Large: true, Align: receiptspec.Center})
	d.Text(t.When, receiptspec.Style{Align: receiptspec.Center})
	for _, s := range t.Sections {
		d.Rule()
		if s.Heading != "" {
			d.Text(s.Heading, receiptspec.Style{Bold: true, Large: true})
		}
		for i, it := range s.Items {
			if i > 0 {
				d.Feed(1)
			}
			if it.Title != "" {
				d.Text(it.Title, receiptspec.Style{Bold: true})
			}
			for _, l := range it.Lines {
				d.Text(l, receiptspec.Style{})
			}
		}
	}
	for _, q := range t.QR {
		d.Rule()
		d.Text(q.Caption, receiptspec.Style{Align: receiptspec.Center})
		d.QR(q.Data)
	}
	d.Rule()
	d.Text(t.Footer, receiptspec.Style{Align: receiptspec.Center})
	return d
}
