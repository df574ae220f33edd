package gpio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// DefaultRelayOff is how long a power cycle cuts the power: enough for a
// printer's or a scanner's supply to drain.
const DefaultRelayOff = 5 * time.Second

// ErrCycling says a power cycle of that peripheral is already under way.
var ErrCycling = errors.New("gpio: a power cycle is already under way")

// Relay power-cycles one peripheral; PinRelay is the real one,
// gpiotest.Relay a fake.
type Relay interface {
	PowerCycle(ctx context.Context) error
}

// PinRelay drives a relay that cuts a peripheral's power while switched on.
type PinRelay struct {
	pin gpio.PinOut
	cut gpio.Level // the level that switches the relay on
	off time.Duration
	mu  sync.Mutex
}

// NewRelay drives pin and switches the relay off: the peripheral is powered.
func NewRelay(pin gpio.PinOut, activeLow bool, off time.Duration) (*PinRelay, error) {
	if off <= 0 {
		off = DefaultRelayOff
	}
	r := &PinRelay{pin: pin, cut: gpio.Level(!activeLow), off: off}
	if err := pin.Out(!r.cut); err != nil {
		return nil, fmt.Errorf("gpio: relay %s: %w", pin, err)
	}
	return r, nil
}

// PowerCycle cuts the peripheral's power for the relay's off time, then
// restores it. The power comes back even when ctx ends meanwhile.
func (r *PinRelay) PowerCycle(ctx context.Context) error {
	if !r.mu.TryLock() {
		return ErrCycling
	}
	defer r.mu.Unlock()
	if err := r.pin.Out(r.cut); err != nil {
		r.pin.Out(!r.cut)
		return fmt.Errorf("gpio: relay %s: cut: %w", r.pin, err)
	}
	waited := sleep(ctx, r.off)
	if err := r.pin.Out(!r.cut); err != nil {
		return fmt.Errorf("gpio: relay %s: power back: %w", r.pin, err)
	}
	if !waited {
		return ctx.Err()
	}
	return nil
}
