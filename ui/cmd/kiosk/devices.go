package main

import (
	"context"
	"log/slog"

	"borne/drivers/gpio"
	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/session"
	"borne/kiosk/ticket"
	"borne/kiosk/visit"
	"borne/ui/cmd/kiosk/wiring"
	"borne/ui/shell"
)

// devices are the peripherals the config names; one left unset (or that
// cannot be opened) is nil, and the screens do without it.
type devices struct {
	Printer     *printer.Client
	Receipt     *receipt.ESCPOS
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
		d.Receipt = receipt.New(opt)
	}
	if dev := cfg.Scanner.Device; dev != "" {
		d.Scanner = func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, dev) }
		d.ScanOptions = scanner.Options{Resolution: cfg.Scanner.Resolution, Mode: scanner.Mode(cfg.Scanner.Mode)}
	}
	return d
}

// probes are the health checks of the devices the kiosk has.
func (d devices) probes(cfg *config.Config) []health.Probe {
	var ps []health.Probe
	if d.Scanner != nil {
		ps = append(ps, health.ScannerProbe(cfg.Scanner.Device, scanner.ListerFor(cfg.Scanner.Device)))
	}
	if d.Printer != nil {
		ps = append(ps, health.PrinterProbe(d.Printer))
	}
	if d.Receipt != nil {
		ps = append(ps, health.ReceiptProbe(d.Receipt))
	}
	return ps
}

// visitOptions hands the printer and the scanner to the residents' visits,
// through the core's interfaces; one not fitted stays nil.
func (d devices) visitOptions(opt visit.Options) visit.Options {
	if d.Printer != nil {
		opt.Printer = wiring.Printer(d.Printer)
	}
	if d.Scanner != nil {
		opt.Scanner = wiring.Scanner(d.Scanner, d.ScanOptions)
	}
	return opt
}

// shellDevices hands the devices to the window, for the ticket and the
// staff's self-tests; a nil pointer must stay a nil interface there, where
// nil means "not fitted".
func (d devices) shellDevices(opt *shell.Options) {
	if d.Printer != nil {
		opt.Printer = d.Printer
	}
	if d.Receipt != nil {
		opt.Tickets = d.Receipt
	}
	opt.Scanner, opt.ScanOptions = d.Scanner, d.ScanOptions
}

// openGPIO opens the help button, beacon and other lines the config names;
// nil when none is configured or the board cannot be opened (logged).
// onKey gets the maintenance key switch's position, onPresence the presence
// sensor's.
func openGPIO(cfg *config.Config, mgr *session.Manager, onKey, onPresence func(bool), log *slog.Logger) *gpio.Devices {
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
		Maintenance: onKey,
		Presence:    onPresence,
	})
	if err != nil {
		log.Error("gpio: not usable; the help button and the beacon are off", "err", err)
		return nil
	}
	return d
}

// powerCycles are the relays' power cycles, by device.
func powerCycles(d *gpio.Devices) map[string]func(ctx context.Context) error {
	if d == nil {
		return nil
	}
	m := map[string]func(ctx context.Context) error{}
	for dev, r := range d.Relays {
		m[dev] = r.PowerCycle
	}
	return m
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
