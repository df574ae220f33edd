package printer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/testbench/lobby"
)

// ippeve runs CUPS's ippeveprinter on a free loopback port for the test.
func ippeve(t testing.TB, formats ...string) (*lobby.IPPPrinter, *printer.Client) {
	t.Helper()
	p, err := lobby.StartIPPPrinter(context.Background(), t.TempDir(), lobby.IPPOptions{Formats: formats, KeepJobs: true}, quiet)
	if errors.Is(err, lobby.ErrNoIPPEveprinter) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	c, err := printer.Open(p.URI, printer.Options{PollEvery: 10 * time.Millisecond, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

// spooled waits for the job's file in the printer's spool.
func spooled(t testing.TB, dir, ext string) []byte {
	t.Helper()
	for range 50 {
		files, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		if len(files) > 0 {
			data, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no %s file in the spool: %v", ext, entries)
	return nil
}

func TestIPPEveprinter(t *testing.T) {
	p, c := ippeve(t)
	ctx := context.Background()
	st, err := c.Status(ctx)
	if err != nil || st.Code != printer.Ready || !strings.HasPrefix(st.Staff, "Imprimante prête") {
		t.Fatalf("status %+v, %v", st, err)
	}
	a := st.Attributes
	if !a.Supports("application/pdf") || !slices.Contains(a.Media, printer.A4) || len(a.Markers) != 2 || a.Markers[1].Level != 75 {
		t.Errorf("attributes %+v", a)
	}

	pdf := attestation(t)
	start := time.Now()
	job, err := c.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	final, err := c.Wait(ctx, job, nil)
	if err != nil || final.State != printer.JobStateCompleted {
		t.Fatalf("job %+v: %+v, %v", job, final, err)
	}
	t.Logf("print round trip (submit → completed): %v", time.Since(start).Round(time.Millisecond))
	want, _ := os.ReadFile(pdf)
	if got := spooled(t, p.SpoolDir, ".pdf"); !bytes.Equal(got, want) {
		t.Errorf("the spooled file differs from the PDF sent (%d bytes, want %d)", len(got), len(want))
	}
}

// A printer that takes no PDF gets PWG raster made by Ghostscript.
func TestIPPEveprinterRaster(t *testing.T) {
	if _, err := os.Stat("/usr/bin/gs"); err != nil {
		t.Skip("ghostscript is needed")
	}
	p, c := ippeve(t, "image/pwg-raster")
	job, err := c.Print(context.Background(), attestation(t), printer.PrintOptions{Pages: 1, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if job.Format != "image/pwg-raster" {
		t.Errorf("format %s", job.Format)
	}
	if _, err := c.Wait(context.Background(), job, nil); err != nil {
		t.Fatal(err)
	}
	if got := spooled(t, p.SpoolDir, ".pwg"); !bytes.HasPrefix(got, []byte("RaS2")) {
		t.Errorf("spooled %q…", got[:min(8, len(got))])
	}
}

// The round trip a resident waits for: submit, then completed.
func BenchmarkPrintRoundTrip(b *testing.B) {
	_, c := ippeve(b)
	pdf := attestation(b)
	ctx := context.Background()
	for b.Loop() {
		job, err := c.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Wait(ctx, job, nil); err != nil {
			b.Fatal(err)
		}
	}
}
