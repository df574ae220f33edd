package gpio

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Pattern is what the beacon shows.
type Pattern int

const (
	Off       Pattern = iota
	Steady            // lit
	Blink             // 1 Hz: a mediator was called
	FastBlink         // 4 Hz: needs staff (out of service, a device fault)
)

func (p Pattern) String() string { return [...]string{"off", "steady", "blink", "fast-blink"}[p] }

// halfPeriod is how long a blinking pattern stays lit, then dark.
func (p Pattern) halfPeriod() time.Duration {
	switch p {
	case Blink:
		return 500 * time.Millisecond
	case FastBlink:
		return 125 * time.Millisecond
	}
	return 0
}

// Beacon shows patterns; PinBeacon is the real one, gpiotest.Beacon a fake.
type Beacon interface{ Show(Pattern) }

// PinBeacon drives a beacon or LED on an output pin (high = lit).
type PinBeacon struct {
	pin  gpio.PinOut
	show chan Pattern
}

// NewBeacon drives pin; nothing shows until Serve runs.
func NewBeacon(pin gpio.PinOut) *PinBeacon {
	return &PinBeacon{pin: pin, show: make(chan Pattern, 1)}
}

// Show switches to p; it never blocks, and the latest pattern wins.
func (b *PinBeacon) Show(p Pattern) {
	for {
		select {
		case b.show <- p:
			return
		default:
		}
		select { // full: drop the pattern not yet shown
		case <-b.show:
		default:
		}
	}
}

// Serve drives the pin until ctx ends, leaves the beacon dark, and returns
// ctx.Err(), or the pin's failure.
func (b *PinBeacon) Serve(ctx context.Context) error {
	p, lit := Off, false
	var tick <-chan time.Time
	var ticker *time.Ticker
	set := func(on bool) error {
		lit = on
		if err := b.pin.Out(gpio.Level(on)); err != nil {
			return fmt.Errorf("gpio: beacon %s: %w", b.pin, err)
		}
		return nil
	}
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
		b.pin.Out(gpio.Low)
	}()
	if err := set(false); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case p = <-b.show:
			if ticker != nil {
				ticker.Stop()
				ticker, tick = nil, nil
			}
			if half := p.halfPeriod(); half > 0 {
				ticker = time.NewTicker(half)
				tick = ticker.C
			}
			if err := set(p != Off); err != nil {
				return err
			}
		case <-tick:
			if err := set(!lit); err != nil {
				return err
			}
		}
	}
}
