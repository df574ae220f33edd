// Package gpiotest has fakes of the kiosk's GPIO parts: Pin, a periph.io
// pin that tests (or the simulated lobby's keyboard) drive and read, with
// faults to inject; Board, the fake pins of a whole kiosk; and Beacon and
// Relay, fakes of the interfaces the core calls.
package gpiotest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"

	borne "borne/drivers/gpio"
)

// Pin is a fake gpio.PinIO. Set drives it as an input; Level and Changes
// read it as an output. Its zero value is not usable: call NewPin.
type Pin struct {
	name string

	mu      sync.Mutex
	level   gpio.Level
	pull    gpio.Pull
	edge    chan struct{} // one pending edge, as kernel drivers accumulate them
	changes []gpio.Level  // every level written with Out
	// Faults: when set, In or Out fail with them.
	inErr, outErr error
	noEdges       bool
}

// NewPin makes a pin named name, at level low.
func NewPin(name string) *Pin { return &Pin{name: name, edge: make(chan struct{}, 1)} }

// Set drives the pin's input level, as the wired part would.
func (p *Pin) Set(l gpio.Level) {
	p.mu.Lock()
	changed := p.level != l
	p.level = l
	p.mu.Unlock()
	if changed {
		select {
		case p.edge <- struct{}{}:
		default:
		}
	}
}

// Bounce drives the pin through levels, holding each for every: contact bounce.
func (p *Pin) Bounce(every time.Duration, levels ...gpio.Level) {
	for _, l := range levels {
		p.Set(l)
		time.Sleep(every)
	}
}

// Level is the pin's current level.
func (p *Pin) Level() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

// Changes is every level written with Out, in order.
func (p *Pin) Changes() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]gpio.Level(nil), p.changes...)
}

// FailIn makes In fail with err (nil: succeed again).
func (p *Pin) FailIn(err error) { p.mu.Lock(); p.inErr = err; p.mu.Unlock() }

// NoEdges makes the pin refuse edge detection, as some GPIO drivers do.
func (p *Pin) NoEdges() { p.mu.Lock(); p.noEdges = true; p.mu.Unlock() }

// FailOut makes Out fail with err (nil: succeed again).
func (p *Pin) FailOut(err error) { p.mu.Lock(); p.outErr = err; p.mu.Unlock() }

func (p *Pin) String() string   { return p.name }
func (p *Pin) Halt() error      { return nil }
func (p *Pin) Name() string     { return p.name }
func (p *Pin) Number() int      { return -1 }
func (p *Pin) Function() string { return string(p.Func()) }
func (p *Pin) Func() pin.Func   { return gpio.IN }

func (p *Pin) SupportedFuncs() []pin.Func { return []pin.Func{gpio.IN, gpio.OUT} }

func (p *Pin) SetFunc(f pin.Func) error { return errors.New("gpiotest: SetFunc not supported") }

func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inErr != nil {
		return p.inErr
	}
	if p.noEdges && edge != gpio.NoEdge {
		return errors.New("gpiotest: no edge detection on this pin")
	}
	p.pull = pull
	return nil
}

func (p *Pin) Read() gpio.Level { return p.Level() }

func (p *Pin) WaitForEdge(timeout time.Duration) bool {
	if timeout < 0 {
		<-p.edge
		return true
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.edge:
		return true
	case <-t.C:
		return false
	}
}

func (p *Pin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

func (p *Pin) DefaultPull() gpio.Pull { return gpio.PullNoChange }

func (p *Pin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.outErr != nil {
		return p.outErr
	}
	p.level = l
	p.changes = append(p.changes, l)
	return nil
}

func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("gpiotest: PWM not supported")
}

var _ gpio.PinIO = (*Pin)(nil)

// Board is a kiosk's GPIO wired to fake pins, idle: the button released and
// the key off with the usual active-low wiring (lines high), nobody there.
type Board struct {
	HelpButton, MaintenanceKey, Presence, Beacon *Pin
	Relays                                       map[string]*Pin
}

// NewBoard makes a board with a relay for each of relays.
func NewBoard(relays ...string) *Board {
	b := &Board{HelpButton: NewPin("HELP"), MaintenanceKey: NewPin("KEY"), Presence: NewPin("PRESENCE"), Beacon: NewPin("BEACON"), Relays: map[string]*Pin{}}
	b.HelpButton.Set(gpio.High)
	b.MaintenanceKey.Set(gpio.High)
	for _, r := range relays {
		b.Relays[r] = NewPin("RELAY_" + r)
	}
	return b
}

// Lines are the board's pins for gpio.New.
func (b *Board) Lines() borne.Lines {
	l := borne.Lines{HelpButton: b.HelpButton, MaintenanceKey: b.MaintenanceKey, Presence: b.Presence, Beacon: b.Beacon, Relays: map[string]gpio.PinOut{}}
	for name, p := range b.Relays {
		l.Relays[name] = p
	}
	return l
}

// Press presses the help button (active low), bouncing as real contacts do.
func (b *Board) Press() { b.HelpButton.Bounce(time.Millisecond, gpio.Low, gpio.High, gpio.Low) }

// Release releases the help button.
func (b *Board) Release() { b.HelpButton.Bounce(time.Millisecond, gpio.High, gpio.Low, gpio.High) }

// TurnKey turns the maintenance key on or off (active low).
func (b *Board) TurnKey(on bool) { b.MaintenanceKey.Set(gpio.Level(!on)) }

// Beacon is a fake borne.Beacon that records what it was asked to show.
type Beacon struct {
	mu    sync.Mutex
	shown []borne.Pattern
}

func (b *Beacon) Show(p borne.Pattern) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shown = append(b.shown, p)
}

// Shown is every pattern shown, in order.
func (b *Beacon) Shown() []borne.Pattern {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]borne.Pattern(nil), b.shown...)
}

// Relay is a fake borne.Relay that counts power cycles and fails on demand.
type Relay struct {
	mu     sync.Mutex
	cycles int
	err    error
}

func (r *Relay) PowerCycle(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return fmt.Errorf("gpiotest: relay: %w", r.err)
	}
	r.cycles++
	return nil
}

// Fail makes PowerCycle fail with err (nil: succeed again).
func (r *Relay) Fail(err error) { r.mu.Lock(); r.err = err; r.mu.Unlock() }

// Cycles is how many power cycles succeeded.
func (r *Relay) Cycles() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cycles
}

var (
	_ borne.Beacon = (*Beacon)(nil)
	_ borne.Relay  = (*Relay)(nil)
)
