package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"borne/drivers/gpio"
	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/drivers/selftest"
	"borne/internal/wiring"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/metrics"
	"borne/kiosk/session"
	"borne/kiosk/visit"
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
	if opt, ok := receipt.ConfigOptions(cfg.Receipt, log); ok {
		d.Receipt = receipt.New(opt)
	}
	if dev := cfg.Scanner.Device; dev != "" {
		d.Scanner = func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, dev) }
		d.ScanOptions = scanner.Options{Resolution: cfg.Scanner.Resolution, Mode: scanner.Mode(cfg.Scanner.Mode)}
	}
	return d
}

// probes are the health checks of the devices the kiosk has, and tests
// their self-tests: drivers/selftest's, handed to the core as plain values
// (health.Result is converted from selftest.Result: should the two drift
// apart, this stops compiling).
func (d devices) probes(cfg *config.Config) (probes []health.Probe, tests []health.Test) {
	add := func(device string, check func(ctx context.Context) selftest.Status, test func(ctx context.Context) selftest.Result) {
		probes = append(probes, health.Probe{Device: device, Check: func(ctx context.Context) health.Status { return statusOf(check(ctx)) }})
		tests = append(tests, health.Test{Device: device, Run: func(ctx context.Context) health.Result { return health.Result(test(ctx)) }})
	}
	if d.Scanner != nil {
		list := scanner.ListerFor(cfg.Scanner.Device)
		add(health.Scanner, func(ctx context.Context) selftest.Status {
			return selftest.ScannerStatus(ctx, cfg.Scanner.Device, list)
		},
			func(ctx context.Context) selftest.Result { return selftest.Scan(ctx, d.Scanner, d.ScanOptions) })
	}
	if d.Printer != nil {
		add(health.Printer, func(ctx context.Context) selftest.Status { return selftest.PrinterStatus(ctx, d.Printer) },
			func(ctx context.Context) selftest.Result {
				title := fmt.Sprintf("Borne %s — page de test du %s", cfg.Kiosk.ID, time.Now().Format("02/01/2006 15:04"))
				return selftest.PrintPage(ctx, d.Printer, title)
			})
	}
	if d.Receipt != nil {
		add(health.Receipt, func(ctx context.Context) selftest.Status { return selftest.ReceiptStatus(ctx, d.Receipt) },
			func(ctx context.Context) selftest.Result {
				return selftest.PrintTicket(ctx, d.Receipt, selftest.TicketDoc(cfg.Kiosk.ID))
			})
	}
	return probes, tests
}

// statusOf is a device's status as the core takes it.
func statusOf(s selftest.Status) health.Status {
	out := health.Status{Up: s.Up, Code: s.Code, Staff: s.Staff, Paper: metrics.Paper(s.Paper)}
	for _, l := range s.Levels {
		out.Levels = append(out.Levels, health.Level(l))
	}
	return out
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

// shellDevices hands the ticket printer to the window (the staff's
// self-tests reach the devices through the health monitor's tests); a nil
// pointer must stay a nil interface there, where nil means "not fitted".
func (d devices) shellDevices(opt *shell.Options) {
	if d.Receipt != nil {
		opt.Tickets = d.Receipt
	}
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
