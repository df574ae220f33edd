package lobby

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/testbench/demosite"
)

// cupsLobby starts ippeveprinter and a CUPS queue in front of it, in a
// directory cupsd's filters (user lp) can reach.
func cupsLobby(t *testing.T) (*IPPPrinter, *CUPS, *printer.Client, string) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} { // the test's own, made 0700
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	p, err := StartIPPPrinter(ctx, filepath.Join(dir, "printer"), IPPOptions{}, quiet)
	if errors.Is(err, ErrNoIPPEveprinter) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	if err := reachable(dir); err != nil {
		t.Skipf("cupsd's filters could not reach the test's directory: %v", err)
	}
	c, err := StartCUPS(ctx, filepath.Join(dir, "cups"), p.URI, quiet)
	if errors.Is(err, ErrNoCUPS) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	client, err := printer.Open(c.QueueURI, printer.Options{PollEvery: 20 * time.Millisecond, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "attestation.pdf")
	if err := os.WriteFile(pdf, demosite.Attestation("CAF", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, c, client, pdf
}

// spoolFiles lists the job files left in CUPS's and the printer's spools
// (CUPS's c files are the jobs' records, without document; its tmp holds
// the queue's generated PPD).
func spoolFiles(c *CUPS, p *IPPPrinter) []string {
	var left []string
	for _, pattern := range []string{filepath.Join(c.SpoolDir, "d*"), filepath.Join(p.SpoolDir, "*")} {
		m, _ := filepath.Glob(pattern)
		left = append(left, m...)
	}
	return left
}

// The kiosk's driver prints through the lobby's CUPS queue, follows the
// printer's state through it (out of paper), and cancels when the visit
// ends; no job file is left in either spool.
func TestCUPSQueue(t *testing.T) {
	p, c, client, pdf := cupsLobby(t)
	ctx := context.Background()
	if st, err := client.Status(ctx); err != nil || !st.Ready() {
		t.Fatalf("queue status %+v, %v", st, err)
	}

	t.Run("success", func(t *testing.T) {
		job, err := client.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := client.Wait(ctx, job, nil); err != nil || st.State != printer.JobStateCompleted {
			t.Fatalf("job %+v, %v", st, err)
		}
		waitNoFiles(t, c, p)
	})

	// ippeveprinter cannot run out of paper: the queue is pointed at the
	// fault-injecting printer for that.
	fake := printertest.NewServer()
	defer fake.Close()
	fake.SetState(printertest.Stopped, "media-empty-error")
	if err := c.SetDevice(ctx, fake.URI()); err != nil {
		t.Fatal(err)
	}
	t.Run("out of paper, then the visit ends", func(t *testing.T) {
		// CUPS learns a printer's state while it sends it a job: the
		// queue says "media-empty" once the job waits.
		job, err := client.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
		if err != nil {
			t.Fatal(err)
		}
		waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var seen printer.Code
		st, err := client.Wait(waitCtx, job, func(st printer.JobStatus) {
			if st.Printer != nil && st.Printer.Code == printer.MediaEmpty {
				seen = st.Printer.Code
				cancel() // the resident leaves: the visit ends
			}
		})
		if seen != printer.MediaEmpty || printer.CodeOf(err) != printer.Canceled {
			t.Fatalf("waited %+v, %v; the queue said %q", st, err, seen)
		}
		if err := client.Cancel(ctx, job); err != nil {
			t.Fatal(err)
		}
		if st, err := client.JobStatus(ctx, job); err != nil || st.State != printer.JobStateCanceled {
			t.Errorf("after Cancel: %+v, %v", st, err)
		}
		waitNoFiles(t, c, p)
	})
}

// waitNoFiles waits, up to 10 s, for both spools to hold no job file.
func waitNoFiles(t *testing.T, c *CUPS, p *IPPPrinter) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = spoolFiles(c, p); len(left) == 0 {
			return
		}
	}
	t.Errorf("job files left: %v", left)
}

// The print round trip of a one-page PDF, from Print-Job until the job is
// completed: straight to the printer, and through the CUPS queue.
func BenchmarkPrintRoundTrip(b *testing.B) {
	dir := b.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o711); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	p, err := StartIPPPrinter(ctx, filepath.Join(dir, "printer"), IPPOptions{}, quiet)
	if err != nil {
		b.Skip(err)
	}
	defer p.Stop()
	c, err := StartCUPS(ctx, filepath.Join(dir, "cups"), p.URI, quiet)
	if err != nil {
		b.Skip(err)
	}
	defer c.Stop()
	pdf := filepath.Join(dir, "attestation.pdf")
	if err := os.WriteFile(pdf, demosite.Attestation("CAF", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, target := range []struct{ name, uri string }{{"direct", p.URI}, {"cups", c.QueueURI}} {
		b.Run(target.name, func(b *testing.B) {
			client, err := printer.Open(target.uri, printer.Options{PollEvery: 5 * time.Millisecond, Log: quiet})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				job, err := client.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := client.Wait(ctx, job, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
