package main

import (
	"context"
	"log/slog"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/kiosk/config"
	"borne/kiosk/ticket"
	"borne/ui/shell"
)

// devices are the peripherals the config names; one left unset (or that
// cannot be opened) is nil, and the screens do without it.
type devices struct {
	Printer     printer.Printer
	Tickets     shell.TicketPrinter
	Scanner     func(ctx context.Context) (scanner.Device, error)
	ScanOptions scanner.Options
}

func openDevices(cfg *config.Config, log *slog.Logger) devices {
	var d devices
	if uri := cfg.Printer.URI; uri != "" {
		p, err := printer.Open(uri, printer.Options{Log: log})
		if err != nil {
			log.Error("printer: not usable", "uri", uri, "err", err)
		} else {
			d.Printer = p
		}
	}
	if opt, ok := ticket.ReceiptOptions(cfg, log); ok {
		d.Tickets = receipt.New(opt)
	}
	if dev := cfg.Scanner.Device; dev != "" {
		d.Scanner = func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, dev) }
		d.ScanOptions = scanner.Options{Resolution: cfg.Scanner.Resolution, Mode: scanner.Mode(cfg.Scanner.Mode)}
	}
	return d
}
