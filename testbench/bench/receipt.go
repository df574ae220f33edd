package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"borne/drivers/receipt"
	"borne/drivers/selftest"
	"borne/internal/escpos"
)

func init() {
	Register(Suite{Name: "receipt", Help: "ticket printer: status bytes, paper sensors, a test ticket, behaviour when silent", Run: runReceipt})
}

// statusBound is how long a status request may take before the printer
// counts as silent: the driver's four requests of 500 ms each, and margin.
const statusBound = 5 * time.Second

func runReceipt(ctx context.Context, env *Env) []Step {
	r := &recorder{env: env, suite: "receipt"}
	opt, ok := receipt.ConfigOptions(env.Config.Receipt, env.Logger())
	if !ok {
		r.skip("receipt", "status", "ask the printer for its status", "no ticket printer in the config ([receipt] device or tcp)")
		return r.steps
	}
	dev := opt.Link.Device
	if dev == "" {
		dev = "tcp:" + opt.Link.TCP
	}
	p := receipt.New(opt)

	var st receipt.Status
	reachable := r.do(dev, "status", "asked the printer for its status bytes (DLE EOT 1 to 4)", func(s *Step) {
		st = receiptStatus(ctx, p, s)
		if s.Verdict != "" {
			return
		}
		for _, f := range []struct {
			name string
			on   bool
		}{{"offline", st.Offline}, {"cover open", st.CoverOpen}, {"error", st.Error}} {
			s.Measure(f.name, b2f(f.on), "")
		}
		switch {
		case st.CoverOpen:
			s.Fail(string(receipt.CoverOpen), "the printer says its cover is open")
		case st.Error:
			s.Fail(string(receipt.Failure), "the printer reports a mechanical or cutter error")
		case st.Offline && !st.PaperOut:
			s.Fail(string(receipt.Offline), "the printer says it is offline")
		}
	}) == Pass
	if !reachable && !st.Known {
		r.skip(dev, "paper-sensors", "read the paper sensors", "the printer did not answer (see status)")
		r.skip(dev, "test-ticket", "printed the test ticket", "the printer did not answer (see status)")
		return r.steps
	}
	paper := r.do(dev, "paper-sensors", "read the paper roll sensors (near end, end)", func(s *Step) {
		s.Measure("paper out", b2f(st.PaperOut), "")
		s.Measure("paper low", b2f(st.PaperLow), "")
		switch {
		case st.PaperOut:
			s.Fail(string(receipt.PaperOut), "the paper end sensor says the roll is out")
		case st.PaperLow:
			s.Note("the near-end sensor says the roll is low: change it soon")
		}
	}) == Pass
	if !reachable || !paper {
		r.skip(dev, "test-ticket", "printed the test ticket", "the printer is not ready (see status and paper-sensors)")
	} else {
		r.do(dev, "test-ticket", "printed the test ticket: code-page chart with accents and €, text sizes, raster logo, QR code, cut", func(s *Step) {
			printTestTicket(ctx, env, p, opt.Profile, s)
		})
	}
	if env.Sim != nil && env.Sim.Receipt != nil {
		r.do(dev, "silent", "silenced the virtual printer and asked its status: it must say silent, in bounded time", func(s *Step) {
			env.Sim.Receipt.SetFault(escpos.Fault{Silent: true})
			defer env.Sim.Receipt.SetFault(env.Sim.ReceiptFault)
			got := receiptStatus(ctx, p, s)
			switch {
			case s.Code == "silent":
				s.Verdict, s.Code = "", "" // what the step expects
				s.Note("silence told apart from a printer with paper")
			case s.Verdict == "":
				s.Fail("not-silent", "a silent printer gave a status %+v", got)
			}
		})
	}
	return r.steps
}

// receiptStatus asks the status within statusBound, recording the time
// it took; a printer that does not answer fails the step as "silent".
func receiptStatus(ctx context.Context, p *receipt.ESCPOS, s *Step) receipt.Status {
	sctx, cancel := context.WithTimeout(ctx, statusBound)
	defer cancel()
	start := time.Now()
	st, err := p.Status(sctx)
	took := time.Since(start)
	s.Measure("answer", float64(took.Milliseconds()), "ms")
	switch code := receipt.CodeOf(err); {
	case err == nil:
	case code == receipt.NoReply || errors.Is(err, context.DeadlineExceeded):
		s.Fail("silent", "no answer to the status requests within %v: the printer is off, unplugged, or another model", took.Round(time.Millisecond))
	default:
		s.Fail(string(code), "%v", err)
	}
	return st
}

// printTestTicket prints the test ticket and keeps what it printed: the
// ESC/POS stream, and the picture the virtual printer drew of it.
func printTestTicket(ctx context.Context, env *Env, p *receipt.ESCPOS, prof receipt.Profile, s *Step) {
	doc := selftest.TicketDoc(env.Config.Kiosk.ID)
	fonts, _ := receipt.DefaultFonts() // only Arabic needs them; the test ticket has none
	stream, err := receipt.Render(doc, prof, fonts)
	if err != nil {
		s.Fail(string(receipt.CodeOf(err)), "render: %v", err)
		return
	}
	s.Measure("stream", float64(len(stream)), "B")
	env.save(s, "receipt-ticket.bin", func(w io.Writer) error { _, err := w.Write(stream); return err })
	var before []string
	if env.Sim != nil {
		before, _ = filepath.Glob(filepath.Join(env.Sim.Tickets, "ticket-*.png"))
	}
	hide := env.Guide.Show("The ticket printer prints a test ticket: take it and check the accents, the € sign, the logo and the QR code.")
	defer hide()
	if s.take(selftest.PrintTicket(ctx, p, doc)); s.Verdict != "" || env.Sim == nil {
		return
	}
	png, err := nextTicket(ctx, env.Sim.Tickets, len(before))
	if err != nil {
		s.Fail("no-ticket", "the virtual printer drew no ticket: %v", err)
		return
	}
	env.save(s, "receipt-ticket.png", func(w io.Writer) error {
		f, err := os.Open(png)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

// nextTicket waits for the virtual printer to save ticket number n+1.
func nextTicket(ctx context.Context, dir string, n int) (string, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := filepath.Glob(filepath.Join(dir, "ticket-*.png"))
		if len(got) > n {
			return got[len(got)-1], nil // names sort by number
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%d tickets in %s after 5 s", len(got), dir)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
