package shell

import (
	"strings"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/drivers/receipt"
	"borne/drivers/receipt/receipttest"
	"borne/kiosk/config"
	"borne/kiosk/session"
	"borne/kiosk/visit"
)

// The attestation prints on A4 and the resident is told; out of paper, they
// are told plainly and nothing hangs; "Find a counter" lists the agencies;
// "I'm done" offers the ticket, which prints with what was done.
func TestPrintingTicketAndCounters(t *testing.T) {
	_, lobbyMod := demoLobby(t)
	ipp := printertest.NewServer()
	t.Cleanup(ipp.Close)
	a4, err := printer.Open(ipp.URI(), printer.Options{PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tickets := receipttest.New()
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: time.Second}, lobbyMod,
		func(_ *config.Config, o *kitOptions) { o.Printer, o.Tickets = a4, tickets })
	k.startSession("fr")
	k.tap("tile-caf")
	k.login("caf")
	if _, err := k.eval(`document.querySelector("a[href='attestation.pdf']").click(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitDocument()
	k.tap("print")
	k.waitVisit("one page printed", func(s visit.Snapshot) bool { return s.Printed == 1 })
	k.screenshot("50-printed-fr")
	k.tap("dialog-close")

	ipp.SetState(printertest.Stopped, "media-empty-error")
	if _, err := k.eval(`document.querySelector("a[href='attestation.pdf']").click(); true`); err != nil {
		t.Fatal(err)
	}
	k.waitDocument()
	k.tap("print")
	k.waitDialogText("plus de papier")
	k.screenshot("51-out-of-paper-fr")
	k.tap("print-cancel")
	k.waitDialogText("annulée")
	k.tap("dialog-close")
	ipp.SetState(printertest.Idle)
	if got := k.did().Printed; got != 1 {
		t.Fatalf("pages printed %d, want 1: the cancelled job must not count", got)
	}

	k.tap("home")
	k.waitScreen(session.ScreenHome)
	k.tap("tile-counters")
	k.waitScreen(session.ScreenCounters)
	k.expectFits("counters")
	k.screenshot("52-counters-fr")

	tickets.Set(receipt.OK)
	k.tap("done")
	k.waitButton("ticket-yes")
	k.screenshot("53-ticket-offer-fr")
	k.tap("ticket-yes")
	k.waitShown("the thank-you screen", func(s session.Snapshot) bool { return s.State == session.Thanks })
	if n := len(tickets.Printed()); n != 1 {
		t.Fatalf("%d tickets printed, want 1", n)
	}
}

// waitDialogText waits for a panel whose texts contain want.
func (k *kiosk) waitDialogText(want string) {
	k.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var texts []string
		onUI(func() { texts = labelTexts(&k.sh.dialog.Widget) })
		for _, s := range texts {
			if strings.Contains(s, want) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	k.t.Fatalf("no panel saying %q", want)
}
