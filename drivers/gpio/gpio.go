// Package gpio drives the kiosk's wired extras over periph.io GPIO pins:
// the "Call a mediator" button, the help beacon (or LED), the maintenance
// key switch, the presence sensor that wakes the attract screen, and the
// relays that power-cycle a peripheral.
//
// The three inputs are one debounced Input each, told apart by what is
// wired to them; the outputs are a Beacon showing Patterns and one Relay
// per peripheral. New builds them over any periph.io pins, Open over the
// machine's pins by name; package gpiotest has fake pins that tests drive.
package gpio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	_ "periph.io/x/host/v3/gpioioctl" // /dev/gpiochip*, any Linux board or USB GPIO
	_ "periph.io/x/host/v3/sysfs"     // older kernels' /sys/class/gpio
)

// Pins is the pin map of the configuration: the periph.io name of each
// pin ("GPIO17", a line name such as "HELP_BTN"…), "" for what is not fitted.
type Pins struct {
	HelpButton     string
	MaintenanceKey string
	Presence       string
	Beacon         string
	Relays         map[string]string // peripheral ("scanner", "a4", "receipt") → pin
}

// Lines are the pins of each role; nil for what is not fitted.
type Lines struct {
	HelpButton     gpio.PinIn
	MaintenanceKey gpio.PinIn
	Presence       gpio.PinIn
	Beacon         gpio.PinOut
	Relays         map[string]gpio.PinOut
}

// Options say how the parts are wired.
type Options struct {
	// InputsActiveLow: the button and the key switch close to ground, the
	// pins' pull-ups hold them high otherwise (the usual wiring).
	InputsActiveLow bool
	// PresenceActiveLow: the presence sensor pulls its line low when
	// someone is there (open-collector PIR modules).
	PresenceActiveLow bool
	// RelaysActiveLow: a relay board whose inputs switch on low. A relay
	// switched on cuts the peripheral's power (wire it normally closed).
	RelaysActiveLow bool
	Debounce        time.Duration // 0: DefaultDebounce
	RelayOff        time.Duration // how long a power cycle cuts the power; 0: DefaultRelayOff
}

// Handlers receive the inputs' changes, from the inputs' goroutines; nil
// ignores an input. Each is called once at start with the current state.
type Handlers struct {
	Help        func(pressed bool)
	Maintenance func(keyOn bool)
	Presence    func(someone bool)
}

// Devices are the GPIO parts of a kiosk. Nil fields are not fitted.
type Devices struct {
	HelpButton, MaintenanceKey, Presence *Input
	Beacon                               *PinBeacon
	Relays                               map[string]*PinRelay
}

// New builds the parts over lines.
func New(l Lines, opt Options, h Handlers) (*Devices, error) {
	d := &Devices{Relays: map[string]*PinRelay{}}
	input := func(p gpio.PinIn, activeLow bool, f func(bool)) *Input {
		if p == nil {
			return nil
		}
		return NewInput(p, InputOptions{ActiveLow: activeLow, Debounce: opt.Debounce, OnChange: f})
	}
	d.HelpButton = input(l.HelpButton, opt.InputsActiveLow, h.Help)
	d.MaintenanceKey = input(l.MaintenanceKey, opt.InputsActiveLow, h.Maintenance)
	d.Presence = input(l.Presence, opt.PresenceActiveLow, h.Presence)
	if l.Beacon != nil {
		d.Beacon = NewBeacon(l.Beacon)
	}
	var errs []error
	for name, p := range l.Relays {
		r, err := NewRelay(p, opt.RelaysActiveLow, opt.RelayOff)
		if err != nil {
			errs = append(errs, fmt.Errorf("relay %s: %w", name, err))
			continue
		}
		d.Relays[name] = r
	}
	return d, errors.Join(errs...)
}

// Open finds the pins of p on this machine (periph.io's host drivers) and
// builds the parts. A kiosk without any pin in its map needs no GPIO at all.
func Open(p Pins, opt Options, h Handlers) (*Devices, error) {
	if _, err := driverreg.Init(); err != nil {
		return nil, fmt.Errorf("gpio: %w", err)
	}
	var missing []string
	find := func(role, name string) gpio.PinIO {
		if name == "" {
			return nil
		}
		pin := gpioreg.ByName(name)
		if pin == nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", name, role))
		}
		return pin
	}
	var l Lines
	// Assigning a nil gpio.PinIO to an interface field would make it non-nil.
	if pin := find("help button", p.HelpButton); pin != nil {
		l.HelpButton = pin
	}
	if pin := find("maintenance key", p.MaintenanceKey); pin != nil {
		l.MaintenanceKey = pin
	}
	if pin := find("presence sensor", p.Presence); pin != nil {
		l.Presence = pin
	}
	if pin := find("beacon", p.Beacon); pin != nil {
		l.Beacon = pin
	}
	l.Relays = map[string]gpio.PinOut{}
	for dev, name := range p.Relays {
		if pin := find(dev+" relay", name); pin != nil {
			l.Relays[dev] = pin
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("gpio: no pin named %s on this machine (the names gpioinfo lists)", strings.Join(missing, ", "))
	}
	d, err := New(l, opt, h)
	if err != nil {
		return nil, fmt.Errorf("gpio: %w", err)
	}
	return d, nil
}

// Serve runs the inputs and the beacon until ctx ends, and returns
// ctx.Err(), or the first input's failure.
func (d *Devices) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	run := func(serve func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- err
				cancel()
			}
		}()
	}
	for _, in := range []*Input{d.HelpButton, d.MaintenanceKey, d.Presence} {
		if in != nil {
			run(in.Serve)
		}
	}
	if d.Beacon != nil {
		run(d.Beacon.Serve)
	}
	<-ctx.Done()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}
