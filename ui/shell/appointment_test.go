package shell

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/receipt"
	"borne/drivers/receipt/receipttest"
	"borne/kiosk/config"
	"borne/kiosk/downloads"
	"borne/kiosk/session"
	"borne/kiosk/ticket"
	"borne/kiosk/visit"
)

// A resident leaves out a page of a three-page document in the print
// panel, and only two pages print; then, with the ticket, they enter the
// appointment an agent gave them with Borne's own date and time picker: it
// is printed on the ticket with a calendar code holding its date, time and
// place, and it appears in no log and no usage event.
func TestPageChoiceAndAppointment(t *testing.T) {
	ipp, a4 := testPrinter(t)
	tickets := receipttest.New()
	logs, err := os.Create(filepath.Join(t.TempDir(), "kiosk.log")) // a file takes writes from every goroutine
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	logged := func() string { b, _ := os.ReadFile(logs.Name()); return string(b) }
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: 100 * time.Millisecond}, func(_ *config.Config, o *kitOptions) {
		o.Printer, o.Tickets = a4, tickets
		o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{} // the clock could read 11:05
				}
				return a
			}}))
	})
	k.startSession("fr")

	pdf, info := threePages(t)
	onUI(func() { k.sh.showDocument(info, pdf) })
	k.waitLayout("the preview drawn", func() string { // the panel is drawn again with the pictures
		b, ok := k.sh.Button("preview-page-2")
		if !ok || firstOf(&b.Widget, "GtkImage") == nil {
			return "no picture of page 2"
		}
		return k.offScreen(&b.Widget)
	})
	k.tap("preview-page-2")
	k.waitDialogText("Page 2 : pas imprimée")
	k.screenshot("65-print-choice-fr")
	k.tap("print")
	k.waitVisit("two pages printed", func(s visit.Snapshot) bool { return s.Printed == 2 })
	docs := ipp.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d jobs, want 1", len(docs))
	}
	job := filepath.Join(t.TempDir(), "job.pdf")
	if err := os.WriteFile(job, docs[0], 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := downloads.Inspect(context.Background(), job); err != nil || got.Pages != 2 {
		t.Fatalf("the job has %d pages (%v), want 2", got.Pages, err)
	}
	k.tap("dialog-close")

	k.tap("done")
	k.waitButton("appt-add")
	k.tap("appt-add")
	k.waitButton("appt-ok")
	k.tap("appt-next-month")
	k.waitButton("appt-day-15")
	k.tap("appt-day-15")
	k.tap("appt-hour-plus")
	k.tap("appt-hour-plus")
	k.tap("appt-min-plus")
	k.tap("appt-place-1")
	k.waitDialogText(":05")
	k.screenshot("66-appointment-fr")
	// The agent said "desk 2": typed on Borne's letter pad, it replaces the counter.
	k.tap("appt-place-other")
	k.waitButton("appt-key-g")
	for _, key := range []string{"g", "u", "i", "c", "h", "e", "t", "space", "2", "3", "appt-key-erase"} {
		if !strings.HasPrefix(key, "appt-") {
			key = "appt-key-" + key
		}
		k.tap(key)
	}
	k.waitLayout("the place typed", func() string {
		w := named(&k.sh.dialog.Widget, "appt-place-field")
		if w == nil {
			return "no field"
		}
		if text, _ := (&gtk.Label{Widget: *w}).GetText(); text != "guichet 2▏" {
			return fmt.Sprintf("the field reads %q", text)
		}
		return ""
	})
	k.screenshot("67-appointment-place-fr")
	k.tap("appt-place-done")
	k.waitButton("appt-ok")
	k.tap("appt-ok")
	k.waitButton("ticket-yes")
	k.tap("ticket-yes")
	var printed []*receipt.Doc
	for deadline := time.Now().Add(15 * time.Second); len(printed) == 0; printed = tickets.Printed() {
		if time.Now().After(deadline) {
			t.Fatal("no ticket printed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	now := time.Now().In(k.cfg.Location())
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	want := time.Date(month.Year(), month.Month(), 15, 11, 5, 0, 0, time.UTC)
	agency := "guichet 2" // typed: it replaced the counter chosen first
	var found bool
	var texts []string
	for _, b := range printed[0].Blocks {
		switch b.Kind {
		case receipt.KindText:
			texts = append(texts, b.Text)
		case receipt.KindQR:
			if !strings.HasPrefix(b.Text, "BEGIN:VEVENT") {
				continue
			}
			ev, _, err := ticket.ParseVEvent(b.Text)
			if err != nil {
				t.Fatal(err)
			}
			if !ev.AllDay {
				found = ev.Start.Equal(want) && ev.Location == agency
				if !found {
					t.Errorf("appointment event %+v, want %v at %q", ev, want, agency)
				}
			}
		}
	}
	if !found {
		t.Fatalf("no appointment in the ticket's calendar codes")
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, "à 11:05") || !strings.Contains(all, agency) {
		t.Errorf("the ticket does not say the appointment:\n%s", all)
	}
	k.waitScreen(session.ScreenAttract)
	if log := logged(); strings.Contains(log, "11:05") || strings.Contains(log, agency) || strings.Contains(strings.Join(k.events(), "\n"), agency) {
		t.Errorf("the appointment reached the log or the usage store:\n%s", log)
	}

	// The picker in Arabic, for the eyes.
	k.startSession("ar")
	k.tap("done")
	k.waitButton("appt-add")
	k.tap("appt-add")
	k.waitButton("appt-ok")
	k.tap("appt-day-28")
	k.screenshot("66-appointment-ar")
	k.tap("appt-cancel")
	k.waitButton("ticket-no")
	k.tap("ticket-no")
}
