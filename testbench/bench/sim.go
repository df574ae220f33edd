package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"borne/drivers/gpio/gpiotest"
	"borne/drivers/printer/printertest"
	"borne/internal/escpos"
	"borne/kiosk/config"
	"borne/testbench/lobby"
)

// Fault is a fault the simulated lobby injects into one device.
type Fault string

// The faults the simulated lobby can inject. Each is made by the real peer
// where it can be (SANE's test backend, the virtual receipt printer); the
// A4 printer's paper out comes from printertest's fake, as ippeveprinter
// cannot run out of paper.
const (
	ScannerJam         Fault = "scanner-jam"
	ScannerEmptyFeeder Fault = "scanner-empty-feeder"
	PrinterPaperOut    Fault = "printer-paper-out"
	ReceiptPaperOut    Fault = "receipt-paper-out"
	ReceiptSilent      Fault = "receipt-silent"
	ButtonNeverPressed Fault = "button-never-pressed"
	TouchMiscalibrated Fault = "touch-miscalibrated" // the panel's touches land 3 % off
	TouchDeadZone      Fault = "touch-dead-zone"     // a patch of the panel reports nothing
	DisplayChannel     Fault = "display-channel"     // the output loses its blue channel
)

// Faults lists the faults, for help and for checking a flag.
var Faults = []Fault{ScannerJam, ScannerEmptyFeeder, PrinterPaperOut, ReceiptPaperOut, ReceiptSilent, ButtonNeverPressed,
	TouchMiscalibrated, TouchDeadZone, DisplayChannel}

// SimScanner is the simulated scanner's glass: SANE's pnm backend serving
// a generated page. SimFeeder is its document feeder: SANE's test backend,
// the only one with a feeder. Its reader thread now and then dies holding a
// lock or raises SIGPIPE when a scan ends early (an empty feeder, a jam),
// which hangs or kills the process it runs in: the bench scans it in child
// processes (see childScanner), and the glass in its own.
const (
	SimScanner = "pnm:0"
	SimFeeder  = "test:0"
)

// Sim is the simulated lobby: SANE's test and pnm backends, CUPS's
// ippeveprinter, the virtual receipt printer, a fake GPIO board.
type Sim struct {
	// ScanExtra are SANE options added to every scan from the glass: the
	// page the pnm backend serves, the fault it returns.
	ScanExtra map[string]string
	// Feeder is the scanner whose feeder the feeder steps scan, in child
	// processes; "" for the config's scanner, in this one.
	Feeder string
	// FeederExtra are SANE options added to every feeder scan: the test
	// backend's picture, the fault it returns.
	FeederExtra map[string]string
	// EmptyFeeder are added to the scan that checks an empty feeder: the
	// test backend refills its feeder by itself, a real one stays empty.
	EmptyFeeder map[string]string
	// Tickets is where the virtual receipt printer saves each ticket.
	Tickets string
	// Receipt is the virtual receipt printer, and Fault what it suffers.
	Receipt      *lobby.ReceiptPrinter
	ReceiptFault escpos.Fault
	// Board is the fake GPIO board; Presses says whether the simulation
	// presses the help button when a step asks for it.
	Board   *gpiotest.Board
	Presses bool
	// Fault is the fault injected; the touch and display suites (testbench/benchui)
	// read theirs here.
	Fault Fault

	saneEnv []string // the simulated lobby's SANE environment, for the children
	stops   []func() error
}

// StartSim starts the simulated lobby in dir with fault injected ("" for
// none), and returns the config that names its devices. Stop it after use.
// It sets the process's SANE environment: one lobby per process at a time.
func StartSim(ctx context.Context, dir string, fault Fault, log *slog.Logger) (*config.Config, *Sim, error) {
	if fault != "" && !slices.Contains(Faults, fault) {
		return nil, nil, fmt.Errorf("bench: unknown fault %q (known: %s)", fault, faultNames())
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		// The pnm backend keeps its options for the process, across
		// opens: its fault option is set each time.
		ScanExtra:   map[string]string{"status-jammed": "no"},
		Feeder:      SimFeeder,
		FeederExtra: map[string]string{"test-picture": "Grid"},
		EmptyFeeder: map[string]string{"read-return-value": "SANE_STATUS_NO_DOCS"},
		Tickets:     filepath.Join(dir, "tickets"),
		Board:       gpiotest.NewBoard("scanner", "printer", "receipt"), // config.RelayDevices' names,
		Presses:     fault != ButtonNeverPressed,
		Fault:       fault,
	}
	switch fault {
	case ScannerJam: // on the glass and in the feeder
		s.ScanExtra["status-jammed"] = "yes"
		s.FeederExtra["read-return-value"] = "SANE_STATUS_JAMMED"
	case ScannerEmptyFeeder: // the pages put in the feeder are not there
		s.FeederExtra["read-return-value"] = "SANE_STATUS_NO_DOCS"
	}
	cfg := config.Default()
	env, err := lobby.UseSANE(filepath.Join(dir, "sane"), nil)
	if err != nil {
		return nil, nil, err
	}
	s.saneEnv = env
	cfg.Scanner.Device = SimScanner
	page := filepath.Join(dir, "sane", "grid.pgm")
	if err := writeGridPGM(page, 150); err != nil {
		return nil, nil, fmt.Errorf("bench: simulated page: %w", err)
	}
	s.ScanExtra["filename"] = page

	if fault == PrinterPaperOut {
		fake := printertest.NewServer()
		fake.SetState(printertest.Stopped, "media-empty-error")
		s.stops = append(s.stops, func() error { fake.Close(); return nil })
		cfg.Printer.URI = fake.URI()
	} else {
		p, err := lobby.StartIPPPrinter(ctx, filepath.Join(dir, "printer"), lobby.IPPOptions{Addr: "127.0.0.1:0"}, log)
		if err != nil {
			return nil, nil, fmt.Errorf("bench: simulated A4 printer: %w", err)
		}
		s.stops = append(s.stops, p.Stop)
		cfg.Printer.URI = p.URI
	}

	r, err := lobby.StartReceiptPrinter(ctx, filepath.Join(dir, "receipt"), s.Tickets, log)
	if err != nil {
		s.Stop()
		return nil, nil, fmt.Errorf("bench: simulated receipt printer: %w", err)
	}
	s.stops = append(s.stops, r.Stop)
	s.Receipt = r
	s.ReceiptFault = escpos.Fault{PaperOut: fault == ReceiptPaperOut, Silent: fault == ReceiptSilent}
	r.SetFault(s.ReceiptFault)
	cfg.Receipt.Device, cfg.Receipt.TCP = r.Device, ""
	return cfg, s, nil
}

// Stop ends the simulated devices.
func (s *Sim) Stop() error {
	var errs []error
	for _, stop := range slices.Backward(s.stops) {
		errs = append(errs, stop())
	}
	s.stops = nil
	return errors.Join(errs...)
}

func faultNames() string {
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// writeGridPGM writes an 80 × 100 mm page at dpi, a checkerboard of 10 mm
// squares, as the pnm backend reads it.
func writeGridPGM(name string, dpi int) error {
	w, h := 80*dpi*10/254, 100*dpi*10/254
	sq := 10 * dpi * 10 / 254
	pix := make([]byte, 0, w*h)
	for y := range h {
		for x := range w {
			pix = append(pix, byte(255*((x/sq+y/sq)%2)))
		}
	}
	return os.WriteFile(name, append([]byte(fmt.Sprintf("P5\n%d %d\n255\n", w, h)), pix...), 0o600)
}
