package main

import (
	"context"
	"log/slog"

	"borne/drivers/gpio"
	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/kiosk/config"
	"borne/kiosk/session"
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

// openGPIO opens the help button, beacon and other lines the config names;
// nil when none is configured or the board cannot be opened (logged).
func openGPIO(cfg *config.Config, mgr *session.Manager, log *slog.Logger) *gpio.Devices {
	g := cfg.GPIO
	pins := gpio.Pins{HelpButton: g.HelpButton, MaintenanceKey: g.MaintenanceKey, Presence: g.Presence, Beacon: g.Beacon, Relays: g.Relays}
	if pins.HelpButton == "" && pins.MaintenanceKey == "" && pins.Presence == "" && pins.Beacon == "" && len(pins.Relays) == 0 {
		return nil
	}
	d, err := gpio.Open(pins, gpio.Options{InputsActiveLow: g.InputsActiveLow, PresenceActiveLow: g.PresenceActiveLow,
		RelaysActiveLow: g.RelaysActiveLow, RelayOff: g.RelayOff.Duration}, gpio.Handlers{
		Help: func(pressed bool) {
			if pressed {
				mgr.Help()
			}
		},
		Maintenance: func(on bool) { log.Info("gpio: maintenance key", "on", on) },
	})
	if err != nil {
		log.Error("gpio: not usable; the help button and the beacon are off", "err", err)
		return nil
	}
	return d
}

// showBeacon blinks the beacon while a mediator is called.
func showBeacon(d *gpio.Devices, s session.Snapshot) {
	if d == nil || d.Beacon == nil {
		return
	}
	if s.HelpCalled && (s.State == session.Active || s.State == session.Warning) {
		d.Beacon.Show(gpio.Blink)
	} else {
		d.Beacon.Show(gpio.Off)
	}
}
