// Package lobbytest starts the simulated lobby's printers for tests in
// other packages, stopped when the test ends.
package lobbytest

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/kiosk/config"
	"borne/testbench/lobby"
)

// Printers are a real ippeveprinter and the virtual ticket printer, with
// the kiosk's clients of both.
type Printers struct {
	IPP     *lobby.IPPPrinter
	Receipt *lobby.ReceiptPrinter // SetFault puts it out of paper, silences it…
	A4      *printer.Client
	Tickets *receipt.ESCPOS
}

// StartPrinters starts both printers; the test is skipped where
// ippeveprinter is not installed.
func StartPrinters(t testing.TB) Printers {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	ipp, err := lobby.StartIPPPrinter(ctx, t.TempDir(), lobby.IPPOptions{KeepJobs: true}, quiet) // kept: tests look at what printed
	if errors.Is(err, lobby.ErrNoIPPEveprinter) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ipp.Stop() })
	rp, err := lobby.StartReceiptPrinter(ctx, filepath.Join(t.TempDir(), "receipt"), t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rp.Stop() })
	cfg := config.Default()
	cfg.Receipt.Device = rp.Device
	ropt, ok := receipt.ConfigOptions(cfg.Receipt, quiet)
	if !ok {
		t.Fatal("lobbytest: no receipt printer in the built-in config")
	}
	a4, err := printer.Open(ipp.URI, printer.Options{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return Printers{IPP: ipp, Receipt: rp, A4: a4, Tickets: receipt.New(ropt)}
}
