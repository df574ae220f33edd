package ticket

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/receipt"
	"borne/internal/escpos"
	"borne/internal/golden"
	"borne/kiosk/config"
	"borne/kiosk/i18n"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata")
	quiet  = slog.New(slog.DiscardHandler)
)

// monday is a Monday morning in Paris, when every agency is open.
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, paris())

func paris() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}

func sessionFacts() Facts {
	return Facts{Services: []string{"caf", "france-travail", "caf", "removed-since"}, Attached: 2, Printed: 3, Now: monday}
}

// text writes a ticket as plain text, for golden files and failures.
func text(t *Ticket) string {
	var b strings.Builder
	fmt.Fprintf(&b, "lang=%s rtl=%v\n[%s]\n# %s\n%s\n", t.Lang, t.RTL, t.Site, t.Title, t.When)
	for _, s := range t.Sections {
		fmt.Fprintf(&b, "== %s\n", s.Heading)
		for _, it := range s.Items {
			if it.Title != "" {
				fmt.Fprintf(&b, "* %s\n", it.Title)
			}
			for _, l := range it.Lines {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
	}
	for _, q := range t.QR {
		fmt.Fprintf(&b, "QR %s | %s\n", q.Data, q.Caption)
	}
	fmt.Fprintf(&b, "-- %s\n", t.Footer)
	return b.String()
}

// The session ticket in every language, pinned as text: what was done,
// the next windows from the service's rules, the counters for those
// services with today's hours, a QR code per service.
func TestBuild(t *testing.T) {
	cfg := config.Default()
	for _, l := range i18n.Supported() {
		t.Run(l.Code, func(t *testing.T) {
			tk := Build(cfg, l.Code, sessionFacts())
			golden.Text(t, filepath.Join("testdata", "session-"+l.Code+".txt"), []byte(text(tk)), *update)
			if tk.RTL != l.RTL || tk.Lang != l.Code {
				t.Errorf("lang %s rtl %v", tk.Lang, tk.RTL)
			}
		})
	}
}

func TestBuildDetails(t *testing.T) {
	cfg := config.Default()
	fr := text(Build(cfg, "fr", sessionFacts()))
	for _, want := range []string{
		"Services consultés : CAF, France Travail\n",
		"2 documents joints à des formulaires", "3 pages imprimées",
		"Du 1er au 15 janvier 2027", // the next quarterly window
		"Du 28 au 30 novembre 2026", // the monthly one, in a 30-day month
		"* France Services de Trappes", "* CAF des Yvelines – accueil de Trappes", "* France Travail – agence de Trappes",
		"Aujourd'hui : 09:00-12:30, 13:30-17:30", "Ouvert maintenant",
		"QR http://127.0.0.1:8765/caf/",
	} {
		if !strings.Contains(fr, want) {
			t.Errorf("no %q in\n%s", want, fr)
		}
	}
	if strings.Contains(fr, "removed-since") || strings.Count(fr, "* CAF") != 2 {
		t.Errorf("unknown or repeated services:\n%s", fr)
	}

	// Nothing done: no "what you did"; every counter may help (3 at most).
	empty := Build(cfg, "fr", Facts{Now: monday})
	if len(empty.Sections) != 1 || len(empty.Sections[0].Items) != MaxAgencies || len(empty.QR) != 0 {
		t.Errorf("empty session:\n%s", text(empty))
	}
	// One document: the singular.
	if one := text(Build(cfg, "fr", Facts{Attached: 1, Printed: 1, Now: monday})); !strings.Contains(one, "1 document joint à un formulaire") || !strings.Contains(one, "1 page imprimée") {
		t.Errorf("singular:\n%s", one)
	}
	// During a window: it says so.
	if in := text(Build(cfg, "fr", Facts{Services: []string{"caf"}, Now: time.Date(2027, 1, 5, 9, 0, 0, 0, paris())})); !strings.Contains(in, "En ce moment, jusqu'au 15 janvier 2027") {
		t.Errorf("open window:\n%s", in)
	}
	// An unsupported language falls back to French.
	if tk := Build(cfg, "de", sessionFacts()); tk.Lang != "fr" || tk.Title != "Récapitulatif de votre visite" {
		t.Errorf("fallback: %s %q", tk.Lang, tk.Title)
	}
}

func TestCounters(t *testing.T) {
	cfg := config.Default()
	all := Counters(cfg, "fr", "", monday)
	if n := len(all.Sections[0].Items); n != len(cfg.Agencies) {
		t.Errorf("%d agencies listed", n)
	}
	golden.Text(t, filepath.Join("testdata", "counters-fr.txt"), []byte(text(all)), *update)
	ameli := text(Counters(cfg, "en", "ameli", monday))
	if !strings.Contains(ameli, "* France Services de Trappes") || !strings.Contains(ameli, "Assurance Maladie") || strings.Contains(ameli, "CAF des") {
		t.Errorf("ameli counters:\n%s", ameli)
	}
	// 11 November, a public holiday: closed, and when they open next.
	holiday := text(Counters(cfg, "fr", "caf", time.Date(2026, 11, 11, 10, 0, 0, 0, paris())))
	if !strings.Contains(holiday, "Aujourd'hui : fermé (jour férié)") || !strings.Contains(holiday, "Prochaine ouverture : jeudi à 08:30") {
		t.Errorf("holiday:\n%s", holiday)
	}
	// Lunch break: open again this afternoon.
	lunch := text(Counters(cfg, "fr", "caf", time.Date(2026, 11, 23, 12, 15, 0, 0, paris())))
	if !strings.Contains(lunch, "Prochaine ouverture : aujourd'hui à 13:30") {
		t.Errorf("lunch:\n%s", lunch)
	}
	if tk := Counters(&config.Config{Kiosk: cfg.Kiosk}, "fr", "", monday); len(tk.Sections) != 0 {
		t.Errorf("no agency configured: %+v", tk.Sections)
	}
}

// The session ticket printed by the real driver over a pseudo-terminal to
// the virtual printer, pinned as a picture: accents and the euro sign in
// code page 858, Arabic as a shaped right-to-left image, QR codes, the cut.
func TestPrintedTicket(t *testing.T) {
	cfg := config.Default()
	for _, lang := range []string{"fr", "ar"} {
		t.Run(lang, func(t *testing.T) {
			tk := printOut(t, Build(cfg, lang, sessionFacts()).Doc())
			if tk.Cut != "partial" {
				t.Errorf("cut %q", tk.Cut)
			}
			golden.PNG(t, filepath.Join("testdata", "session-"+lang+".png"), tk.Image, *update)
		})
	}
}

// printOut prints a ticket with the real driver over a pseudo-terminal to
// the virtual printer and returns what came out.
func printOut(t *testing.T, doc *receipt.Doc) escpos.Ticket {
	t.Helper()
	fonts, err := receipt.LoadFonts(receipt.DefaultFontDir)
	if err != nil {
		t.Skipf("fonts-noto-core is needed: %v", err)
	}
	cell, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		t.Skipf("fonts-dejavu-core is needed: %v", err)
	}
	p, tickets := virtualPrinter(t, cell)
	drv := receipt.New(receipt.Options{Link: receipt.Link{Device: p, Baud: 115200}, Profile: profile(t), Fonts: fonts, Log: quiet})
	start := time.Now()
	if err := drv.Print(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	t.Logf("ticket encoded and sent in %v", time.Since(start).Round(time.Millisecond))
	select {
	case tk := <-tickets:
		return tk
	case <-time.After(10 * time.Second):
		t.Fatal("no ticket came out")
		return escpos.Ticket{}
	}
}

func profile(t testing.TB) receipt.Profile {
	p, ok := receipt.LookupProfile(receipt.DefaultProfile)
	if !ok {
		t.Fatal("no default profile")
	}
	return p
}

// virtualPrinter serves a virtual printer on a pseudo-terminal for the
// test and returns the device to open.
func virtualPrinter(t testing.TB, cell *escpos.CellFont) (string, chan escpos.Ticket) {
	t.Helper()
	pt, err := escpos.OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	tickets := make(chan escpos.Ticket, 4)
	vp := escpos.NewPrinter(escpos.Options{Font: cell, TearAfter: time.Hour, Log: quiet,
		OnTicket: func(_ string, tk escpos.Ticket) { tickets <- tk }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vp.Serve(ctx, pt.Master) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		pt.Close()
	})
	return pt.Path, tickets
}

// Encoding a ticket and sending it to the printer, as a resident waits for
// it at the end of a session.
func BenchmarkTicketEncodeSend(b *testing.B) {
	fonts, err := receipt.LoadFonts(receipt.DefaultFontDir)
	if err != nil {
		b.Skip(err)
	}
	cell, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		b.Skip(err)
	}
	cfg := config.Default()
	for _, lang := range []string{"fr", "ar"} {
		b.Run(lang, func(b *testing.B) {
			dev, tickets := virtualPrinter(b, cell)
			drv := receipt.New(receipt.Options{Link: receipt.Link{Device: dev, Baud: 115200}, Profile: profile(b), Fonts: fonts, Log: quiet})
			for b.Loop() {
				if err := drv.Print(context.Background(), Build(cfg, lang, sessionFacts()).Doc()); err != nil {
					b.Fatal(err)
				}
				<-tickets
			}
		})
	}
}

// Building a ticket and encoding it, without sending: the share of the
// time that is Borne's own (shaping Arabic above all).
func BenchmarkTicketEncode(b *testing.B) {
	fonts, err := receipt.LoadFonts(receipt.DefaultFontDir)
	if err != nil {
		b.Skip(err)
	}
	cfg := config.Default()
	for _, lang := range []string{"fr", "ar"} {
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				if _, err := receipt.Render(Build(cfg, lang, sessionFacts()).Doc(), profile(b), fonts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
