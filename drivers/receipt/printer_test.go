package receipt_test

import (
	"context"
	"errors"
	"flag"
	"image"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/receipt"
	"borne/internal/escpos"
	"borne/internal/golden"
)

var quiet = slog.New(slog.DiscardHandler)

// bench is a virtual printer serving one link.
type bench struct {
	printer *escpos.Printer
	link    receipt.Link
	tickets chan escpos.Ticket
}

func cellFont(t testing.TB) *escpos.CellFont {
	t.Helper()
	f, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		t.Skipf("fonts-dejavu-core is needed: %v", err)
	}
	return f
}

// startBench serves a virtual printer on a pseudo-terminal, or on a TCP
// port when tcp is set, until the test ends.
func startBench(t *testing.T, tcp bool) *bench {
	t.Helper()
	b := &bench{tickets: make(chan escpos.Ticket, 8)}
	b.printer = escpos.NewPrinter(escpos.Options{Font: cellFont(t), TearAfter: time.Hour, Log: quiet,
		OnTicket: func(_ string, tk escpos.Ticket) { b.tickets <- tk }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if tcp {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		b.link = receipt.Link{TCP: ln.Addr().String()}
		go func() { done <- b.printer.ServeTCP(ctx, ln) }()
	} else {
		pt, err := escpos.OpenPTY("")
		if err != nil {
			t.Fatal(err)
		}
		b.link = receipt.Link{Device: pt.Path, Baud: 115200, Flow: receipt.FlowRTSCTS}
		go func() { done <- b.printer.Serve(ctx, pt.Master) }()
		t.Cleanup(func() { pt.Close() })
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("virtual printer: %v", err)
		}
	})
	return b
}

func (b *bench) driver(t *testing.T) *receipt.ESCPOS {
	p, _ := receipt.LookupProfile(receipt.DefaultProfile)
	return receipt.New(receipt.Options{Link: b.link, Profile: p, StatusWait: 200 * time.Millisecond, Log: quiet})
}

func (b *bench) ticket(t *testing.T) escpos.Ticket {
	t.Helper()
	select {
	case tk := <-b.tickets:
		return tk
	case <-time.After(5 * time.Second):
		t.Fatal("no ticket came out")
	}
	return escpos.Ticket{}
}

func (b *bench) noTicket(t *testing.T) {
	t.Helper()
	select {
	case <-b.tickets:
		t.Fatal("a ticket came out")
	case <-time.After(200 * time.Millisecond):
	}
}

func shortDoc() *receipt.Doc {
	var d receipt.Doc
	d.Text("Démarches faites : 1. Pages imprimées : 2.", receipt.Style{})
	d.QR("https://www.ameli.fr/")
	return &d
}

func TestPrint(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		name := map[bool]string{false: "pty", true: "tcp"}[tcp]
		t.Run(name, func(t *testing.T) {
			b := startBench(t, tcp)
			p := b.driver(t)
			ctx := context.Background()
			if s, err := p.Status(ctx); err != nil || s.Code() != receipt.OK {
				t.Fatalf("status %+v, %v", s, err)
			}
			if err := p.Print(ctx, shortDoc()); err != nil {
				t.Fatal(err)
			}
			tk := b.ticket(t)
			if tk.Cut != "partial" || tk.Image.Bounds().Dy() < 100 || inked(tk.Image) < 500 {
				t.Errorf("ticket %v cut %q, %d black dots", tk.Image.Bounds(), tk.Cut, inked(tk.Image))
			}
		})
	}
}

func inked(img *image.Gray) int {
	n := 0
	for _, p := range img.Pix {
		if p == 0 {
			n++
		}
	}
	return n
}

// A printer in trouble says so before a ticket is lost; one that says
// nothing is never taken for a working one.
func TestFaults(t *testing.T) {
	tests := []struct {
		fault  escpos.Fault
		status receipt.Code
		prints bool
	}{
		{escpos.Fault{PaperOut: true}, receipt.PaperOut, false},
		{escpos.Fault{CoverOpen: true}, receipt.CoverOpen, false},
		{escpos.Fault{Silent: true}, receipt.NoReply, false},
		{escpos.Fault{PaperLow: true}, receipt.PaperLow, true},
	}
	b := startBench(t, false)
	p := b.driver(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			b.printer.SetFault(tt.fault)
			defer b.printer.SetFault(escpos.Fault{})
			start := time.Now()
			s, err := p.Status(ctx)
			if s.Code() != tt.status {
				t.Errorf("status %s (%v), want %s", s.Code(), err, tt.status)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("status took %v", took)
			}
			err = p.Print(ctx, shortDoc())
			if tt.prints {
				if err != nil {
					t.Fatalf("print: %v", err)
				}
				b.ticket(t)
				return
			}
			if receipt.CodeOf(err) != tt.status {
				t.Errorf("print error %v (code %s), want %s", err, receipt.CodeOf(err), tt.status)
			}
			b.noTicket(t)
		})
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	p, _ := receipt.LookupProfile(receipt.DefaultProfile)
	for _, l := range []receipt.Link{{Device: "/nonexistent/lp0"}, {TCP: closed}, {}} {
		d := receipt.New(receipt.Options{Link: l, Profile: p})
		s, err := d.Status(context.Background())
		if s.Known || receipt.CodeOf(err) != receipt.Unreachable {
			t.Errorf("%+v: status %+v, %v", l, s, err)
		}
		if err := d.Print(context.Background(), shortDoc()); receipt.CodeOf(err) != receipt.Unreachable {
			t.Errorf("%+v: print %v", l, err)
		}
	}
}

// A printer that takes no data (its buffer full, its cable loose) makes
// Print fail after a bounded time rather than hang the kiosk.
func TestStalledPrinter(t *testing.T) {
	pt, err := escpos.OpenPTY("") // nobody reads the other side
	if err != nil {
		t.Fatal(err)
	}
	defer pt.Close()
	p, _ := receipt.LookupProfile(receipt.DefaultProfile)
	p.Status = false // a printer without status: only the write deadline protects
	d := receipt.New(receipt.Options{Link: receipt.Link{Device: pt.Path}, Profile: p, BytesPerSecond: 1 << 20, Log: quiet})
	var doc receipt.Doc
	doc.Image(image.NewGray(image.Rect(0, 0, 576, 4000))) // 288 kB: more than the terminal buffers
	start := time.Now()
	err = d.Print(context.Background(), &doc)
	if receipt.CodeOf(err) != receipt.Interrupted || !strings.Contains(err.Error(), "stopped taking data") {
		t.Errorf("err = %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %v", took)
	}
}

func TestDialSerialSettings(t *testing.T) {
	pt, err := escpos.OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	defer pt.Close()
	for _, l := range []receipt.Link{
		{Device: pt.Path, Baud: 1234},
		{Device: pt.Path, Flow: "dtr-dsr"},
	} {
		if port, err := receipt.Dial(context.Background(), l); err == nil {
			port.Close()
			t.Errorf("%+v accepted", l)
		}
	}
	if _, err := os.Stat(pt.Path); err != nil {
		t.Fatal(err)
	}
}

// Accents and the euro sign go out in code page 858 and come out of the
// printer as written: the stream is decoded by the virtual printer with its
// own table, and the picture pinned.
func TestAccentsAndEuro(t *testing.T) {
	b := startBench(t, false)
	var d receipt.Doc
	d.Text("Reçu : 12,50 € – déjà payé, à côté.", receipt.Style{Bold: true})
	d.Text("Français : àâçéèêëîïôùûüÿ ÀÇÉÈ « œuvre »", receipt.Style{})
	d.Text("Español : ñ ¿ ¡ á í ó ú – Português : ã õ ç", receipt.Style{})
	if err := b.driver(t).Print(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	golden.PNG(t, filepath.Join("testdata", "accents.png"), b.ticket(t).Image, flag.Lookup("update").Value.String() == "true") // the flag render_test.go defines
}
