package selftest_test

import (
	"context"
	"fmt"
	"image"
	stdpng "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/drivers/scanner/scannertest"
	"borne/drivers/selftest"
	"borne/internal/escpos"
	"borne/testbench/lobby"
	"borne/testbench/lobby/lobbytest"
)

// TestMain points libsane at the simulated lobby's scanners (pnm serves a
// letter) before anything initialises it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "selftest-sane")
	if err != nil {
		panic(err)
	}
	page, _ := filepath.Abs("../../testdata/pages/letter.jpg")
	if _, err := lobby.UseSANE(dir, []string{page}); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// check compares a result with what a case wants: outcome and code, words
// for staff that contain says, and a duration.
func check(t *testing.T, name string, got selftest.Result, device, outcome, code, says string) {
	t.Helper()
	if got.Device != device || got.Outcome != outcome || got.Code != code || !strings.Contains(got.Staff, says) || got.Duration <= 0 {
		t.Errorf("%s: %+v\nwant device %s, outcome %s, code %q, staff words with %q, a duration", name, got, device, outcome, code, says)
	}
}

// The test scan: a real page from libsane's pnm backend; the faults from
// the fake scanner (SANE's test backend can jam on demand, but in-process
// its reader thread now and then kills or hangs the process, see
// drivers/scanner's tests): a jam, an open cover, a black page, a stuck
// scanner, staff leaving.
func TestScan(t *testing.T) {
	sane := func(name string) func(ctx context.Context) (scanner.Device, error) {
		return func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, name) }
	}
	fake := func(set func(d *scannertest.Device)) func(ctx context.Context) (scanner.Device, error) {
		d := scannertest.NewDevice("fake:0", scannertest.TextPage(150))
		set(d)
		return func(context.Context) (scanner.Device, error) { return d, nil }
	}
	black := image.NewGray(image.Rect(0, 0, 1240, 1754)) // A4 at 150 dpi, lamp off
	called := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	soon := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	for _, c := range []struct {
		name       string
		ctx        context.Context
		open       func(ctx context.Context) (scanner.Device, error)
		outcome    string
		code, says string
	}{
		{"a page", context.Background(), sane("pnm:0"), selftest.Pass, "", "Page scannée : "},
		{"a fake's page", context.Background(), fake(func(*scannertest.Device) {}), selftest.Pass, "", "Page scannée : "},
		{"jammed", context.Background(), fake(func(d *scannertest.Device) { d.Fail(scanner.ErrJammed) }), selftest.Fail, "jammed", "Bourrage"},
		{"cover open", context.Background(), fake(func(d *scannertest.Device) { d.Fail(scanner.ErrCoverOpen) }), selftest.Fail, "cover-open", "capot"},
		{"black page", context.Background(), func(context.Context) (scanner.Device, error) {
			return scannertest.NewDevice("fake:0", scanner.Page{Image: black, DPI: 150}), nil
		}, selftest.Fail, "blank-image", "Image uniforme"},
		{"stuck", soon(), fake(func(d *scannertest.Device) { d.Stick(true) }), selftest.Fail, "timeout", "ne répond plus"},
		{"no such scanner", context.Background(), sane("pnm:9"), selftest.Fail, "gone", "n'est plus connecté"},
		{"staff left", called(), sane("pnm:0"), selftest.Cancelled, "", "annulée"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := selftest.Scan(c.ctx, c.open, scanner.Options{Resolution: 150, Mode: scanner.Gray})
			check(t, c.name, got, selftest.Scanner, c.outcome, c.code, c.says)
			if got.Step != "scan" {
				t.Errorf("step %q, want scan", got.Step)
			}
		})
	}
}

// The test page on a real ippeveprinter, and on a fake IPP printer for the
// faults ippeveprinter cannot have: out of paper before the test, out of
// paper mid-job (the job is then cancelled), a job the printer aborts.
func TestPrintPage(t *testing.T) {
	ps := lobbytest.StartPrinters(t)
	fake := func(set func(*printertest.Server)) selftest.A4 {
		srv := printertest.NewServer()
		t.Cleanup(srv.Close)
		set(srv)
		c, err := printer.Open(srv.URI(), printer.Options{PollEvery: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var midJob *printertest.Server
	for _, c := range []struct {
		name       string
		p          selftest.A4
		outcome    string
		code, says string
	}{
		{"ippeveprinter", ps.A4, selftest.Pass, "", "Page de test imprimée en "},
		{"out of paper", fake(func(s *printertest.Server) { s.SetState(printertest.Stopped, "media-empty-error") }), selftest.Fail, "media-empty", "Impression impossible : "},
		{"jammed mid-job", fake(func(s *printertest.Server) { midJob = s; s.SetJobs(0, 9, 0) }), selftest.Fail, "media-jam", "Échec de l'impression : "},
		{"aborted", fake(func(s *printertest.Server) { s.SetJobs(1, 8, 0) }), selftest.Fail, "job-aborted", "Échec de l'impression"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if c.name == "jammed mid-job" {
				go jamWhenPrinting(ctx, midJob)
			}
			got := selftest.PrintPage(ctx, c.p, "Borne k1 — page de test")
			check(t, c.name, got, selftest.Printer, c.outcome, c.code, c.says)
		})
	}
	if jobs, _ := filepath.Glob(filepath.Join(ps.IPP.SpoolDir, "*")); len(jobs) == 0 {
		t.Error("the test page never reached ippeveprinter")
	}
	if st := midJob.JobState(1); st != 7 {
		t.Errorf("the job the jam stopped is in state %d, want cancelled", st)
	}
}

// jamWhenPrinting jams the fake printer once it has a job.
func jamWhenPrinting(ctx context.Context, s *printertest.Server) {
	for ctx.Err() == nil {
		if len(s.Documents()) > 0 {
			s.SetState(printertest.Stopped, "media-jam-error")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The test ticket on the virtual ESC/POS printer over a pty, with the
// faults it can be put through.
func TestPrintTicket(t *testing.T) {
	ps := lobbytest.StartPrinters(t)
	// The virtual printer draws each ticket before it answers the status
	// request that follows it: under the race detector that takes longer
	// than a real printer's answer, which the driver waits for by default.
	profile, _ := receipt.LookupProfile("generic-80mm")
	tickets := receipt.New(receipt.Options{Link: receipt.Link{Device: ps.Receipt.Device}, Profile: profile, StatusWait: 5 * time.Second})
	for _, c := range []struct {
		name       string
		fault      escpos.Fault
		outcome    string
		code, says string
	}{
		{"printed", escpos.Fault{}, selftest.Pass, "", "Ticket de test imprimé"},
		{"paper out", escpos.Fault{PaperOut: true}, selftest.Fail, "paper-out", "changer le rouleau"},
		{"cover open", escpos.Fault{CoverOpen: true}, selftest.Fail, "cover-open", "capot ouvert"},
		{"silent", escpos.Fault{Silent: true}, selftest.Fail, "no-reply", "muette"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps.Receipt.SetFault(c.fault)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			got := selftest.PrintTicket(ctx, tickets, selftest.TicketDoc("k1"))
			check(t, c.name, got, selftest.Receipt, c.outcome, c.code, c.says)
		})
	}
}

// The states of the real simulated devices, read without disturbing them.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	ps := lobbytest.StartPrinters(t)
	unplugged := func(context.Context) ([]scanner.Info, error) { return nil, nil }
	for _, c := range []struct {
		name  string
		fault escpos.Fault
		get   func() selftest.Status
		up    bool
		code  string
		paper string
	}{
		{"scanner", escpos.Fault{}, func() selftest.Status { return selftest.ScannerStatus(ctx, "pnm:0", scanner.List) }, true, "ok", ""},
		{"scanner unplugged", escpos.Fault{}, func() selftest.Status { return selftest.ScannerStatus(ctx, "pnm:0", unplugged) }, false, "absent", ""},
		{"A4", escpos.Fault{}, func() selftest.Status { return selftest.PrinterStatus(ctx, ps.A4) }, true, "ready", selftest.PaperOK},
		{"ticket", escpos.Fault{}, func() selftest.Status { return selftest.ReceiptStatus(ctx, ps.Tickets) }, true, "ok", selftest.PaperOK},
		{"ticket paper low", escpos.Fault{PaperLow: true}, func() selftest.Status { return selftest.ReceiptStatus(ctx, ps.Tickets) }, true, "paper-low", selftest.PaperLow},
		{"ticket paper out", escpos.Fault{PaperOut: true}, func() selftest.Status { return selftest.ReceiptStatus(ctx, ps.Tickets) }, false, "paper-out", selftest.PaperOut},
		{"ticket silent", escpos.Fault{Silent: true}, func() selftest.Status { return selftest.ReceiptStatus(ctx, ps.Tickets) }, false, "no-reply", selftest.PaperUnknown},
	} {
		ps.Receipt.SetFault(c.fault)
		got := c.get()
		if got.Up != c.up || got.Code != c.code || got.Paper != c.paper || got.Staff == "" {
			t.Errorf("%s: %+v, want up=%v code=%s paper=%q and words for staff", c.name, got, c.up, c.code, c.paper)
		}
	}
}

// A listing held up by a resident's long scan is no fault: the scanner is
// busy, not gone.
func TestScannerStatusBusy(t *testing.T) {
	held := func(ctx context.Context) ([]scanner.Info, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("scanner: list: %w", ctx.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if st := selftest.ScannerStatus(ctx, "pnm:0", held); !st.Up || st.Code != "busy" {
		t.Errorf("status while a scan holds libsane: %+v, want up and busy", st)
	}
}

// The test page is one A4 page: its title reads back, and its grey ramp
// gets darker step after step.
func TestWriteTestPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.pdf")
	if err := selftest.WriteTestPage(path, "Borne k1 — page de test"); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(info)), " "), "Pages: 1 ") || !strings.Contains(string(info), "(A4)") {
		t.Errorf("not one A4 page:\n%s", info)
	}
	text, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil || !strings.Contains(string(text), "Borne k1 — page de test") || !strings.Contains(string(text), "24 pt") {
		t.Errorf("page text: %q %v", text, err)
	}
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command("pdftoppm", "-r", "50", "-png", "-singlefile", path, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(png + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := stdpng.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The ramp's steps are 13 mm wide from 30 mm, 77 to 97 mm from the top.
	prev := -1
	for i := range 11 {
		x := int((36.5 + 13*float64(i)) * 50 / 25.4)
		r, _, _, _ := img.At(x, 171).RGBA() // 87 mm down
		if v := 65535 - int(r); v <= prev {
			t.Errorf("grey step %d (%d) not darker than step %d (%d)", i, v, i-1, prev)
		} else {
			prev = v
		}
	}
}
