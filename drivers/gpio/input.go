package gpio

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// DefaultDebounce is how long an input must hold a new level before it
// counts: longer than a push button's or a key switch's bounce, shorter
// than a deliberate press.
const DefaultDebounce = 30 * time.Millisecond

// idleWait bounds a wait for an edge, so that Serve notices its context.
const idleWait = 250 * time.Millisecond

// InputOptions configure an Input.
type InputOptions struct {
	ActiveLow bool          // on is the low level (a contact to ground, with the pull-up)
	Debounce  time.Duration // 0: DefaultDebounce
	OnChange  func(on bool) // from Serve's goroutine: once at start, then after each debounced change
}

// Input is a debounced digital input: the help button (on = pressed), the
// maintenance key switch (on = turned), the presence sensor (on = someone
// there).
type Input struct {
	pin gpio.PinIn
	opt InputOptions
	on  atomic.Bool
}

// NewInput reads pin as an input.
func NewInput(pin gpio.PinIn, opt InputOptions) *Input {
	if opt.Debounce <= 0 {
		opt.Debounce = DefaultDebounce
	}
	if opt.OnChange == nil {
		opt.OnChange = func(bool) {}
	}
	return &Input{pin: pin, opt: opt}
}

// On is the last debounced state.
func (in *Input) On() bool { return in.on.Load() }

func (in *Input) read() bool { return (in.pin.Read() == gpio.High) != in.opt.ActiveLow }

// Serve watches the pin until ctx ends and returns ctx.Err(), or why the
// pin cannot be set up. It sleeps on edge interrupts where the pin has them
// and samples it otherwise; a new level counts once it has held for the
// debounce time, so contact bounce and short glitches are never reported.
func (in *Input) Serve(ctx context.Context) error {
	pull := gpio.PullDown
	if in.opt.ActiveLow {
		pull = gpio.PullUp
	}
	edges := in.pin.In(pull, gpio.BothEdges) == nil
	if !edges {
		if err := in.pin.In(pull, gpio.NoEdge); err != nil {
			return fmt.Errorf("gpio: input %s: %w", in.pin, err)
		}
	}
	sample := max(in.opt.Debounce/8, time.Millisecond)
	stable := in.read()
	in.on.Store(stable)
	in.opt.OnChange(stable)
	for {
		if edges {
			in.pin.WaitForEdge(idleWait)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		} else if !sleep(ctx, sample) {
			return ctx.Err()
		}
		level := in.read()
		if level == stable {
			continue
		}
		held := true
		for end := time.Now().Add(in.opt.Debounce); held && time.Now().Before(end); {
			if !sleep(ctx, sample) {
				return ctx.Err()
			}
			held = in.read() == level
		}
		if held {
			stable = level
			in.on.Store(stable)
			in.opt.OnChange(stable)
		}
	}
}

// sleep waits d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
