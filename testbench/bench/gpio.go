package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"

	pgpio "periph.io/x/conn/v3/gpio"
)

func init() {
	Register(Suite{Name: "gpio", Help: "help button pressed within a time limit, beacon patterns, relays on and off", Run: runGPIO})
}

// How long a person, or the simulation, has to press the help button.
const (
	pressGuided = 30 * time.Second
	pressSim    = 3 * time.Second
	simRelayOff = 100 * time.Millisecond
)

func runGPIO(ctx context.Context, env *Env) []Step {
	r := &recorder{env: env, suite: "gpio"}
	g := env.Config.GPIO
	pressed := make(chan struct{}, 1)
	handlers := gpio.Handlers{Help: func(on bool) {
		if on {
			select {
			case pressed <- struct{}{}:
			default:
			}
		}
	}}
	var (
		devs  *gpio.Devices
		board *gpiotest.Board
		names gpio.Pins
		err   error
	)
	if env.Sim != nil && env.Sim.Board != nil {
		board = env.Sim.Board
		devs, err = gpio.New(board.Lines(), gpio.Options{InputsActiveLow: true, RelayOff: simRelayOff}, handlers)
		names = gpio.Pins{HelpButton: board.HelpButton.Name(), Beacon: board.Beacon.Name(), Relays: map[string]string{}}
		for n, p := range board.Relays {
			names.Relays[n] = p.Name()
		}
	} else {
		names = gpio.Pins{HelpButton: g.HelpButton, MaintenanceKey: g.MaintenanceKey, Presence: g.Presence, Beacon: g.Beacon, Relays: g.Relays}
		if names.HelpButton == "" && names.Beacon == "" && len(names.Relays) == 0 {
			r.skip("gpio", "help-button", "wait for a press of the help button", "no GPIO in the config ([gpio])")
			return r.steps
		}
		devs, err = gpio.Open(names, gpio.Options{InputsActiveLow: g.InputsActiveLow, PresenceActiveLow: g.PresenceActiveLow,
			RelaysActiveLow: g.RelaysActiveLow, RelayOff: g.RelayOff.Duration}, handlers)
	}
	if err != nil {
		r.do("gpio", "open", "opened the GPIO pins of the config", func(st *Step) { st.Fail("gpio-open", "%v", err) })
		return r.steps
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- devs.Serve(sctx) }()
	defer func() { stop(); <-served }()

	if devs.HelpButton != nil {
		r.do("gpio/"+names.HelpButton, "help-button", "asked for a press of the help button and waited for it", func(st *Step) {
			helpPress(ctx, env, board, pressed, st)
		})
	}
	if devs.Beacon != nil {
		for _, p := range []gpio.Pattern{gpio.Steady, gpio.Blink, gpio.FastBlink, gpio.Off} {
			r.do("gpio/"+names.Beacon, "beacon-"+p.String(), "showed the beacon pattern "+p.String(), func(st *Step) {
				beaconPattern(ctx, env, devs.Beacon, board, p, st)
			})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(devs.Relays)) {
		r.do("gpio/"+names.Relays[name], "relay-"+name, "switched the "+name+" relay on (power cut) then off (power back)", func(st *Step) {
			relayCycle(ctx, env, devs.Relays[name], board, name, st)
		})
	}
	return r.steps
}

func helpPress(ctx context.Context, env *Env, board *gpiotest.Board, pressed <-chan struct{}, st *Step) {
	// Drain the handler's first call, made with the state at start.
	select {
	case <-pressed:
		st.Fail("stuck-pressed", "the button reads pressed before anyone pressed it")
		return
	case <-time.After(2 * gpio.DefaultDebounce):
	}
	limit := pressSim
	switch {
	case env.Guide.Present():
		limit = pressGuided
	case board == nil:
		st.Skip("headless on a real board: nobody to press the button (run with --guided)")
		return
	}
	hide := env.Guide.Show(fmt.Sprintf("Press the help button (\"Call a mediator\") within %v.", limit))
	defer hide()
	if board != nil && env.Sim.Presses && !env.Guide.Present() {
		go func() {
			time.Sleep(100 * time.Millisecond)
			board.Press()
			time.Sleep(100 * time.Millisecond)
			board.Release()
		}()
	}
	start := time.Now()
	select {
	case <-pressed:
		st.Measure("press after", time.Since(start).Seconds(), "s")
	case <-time.After(limit):
		st.Fail("no-press", "no press of the help button within %v", limit)
	case <-ctx.Done():
		st.Fail("cancelled", "%v", ctx.Err())
	}
}

// watchFor is how long a beacon pattern is watched on the fake board: two
// periods of a blink, a moment for a steady light.
var watchFor = map[gpio.Pattern]time.Duration{gpio.Blink: 2100 * time.Millisecond, gpio.FastBlink: 600 * time.Millisecond,
	gpio.Steady: 300 * time.Millisecond, gpio.Off: 300 * time.Millisecond}

func beaconPattern(ctx context.Context, env *Env, b *gpio.PinBeacon, board *gpiotest.Board, p gpio.Pattern, st *Step) {
	var before int
	if board != nil {
		before = len(board.Beacon.Changes())
	}
	b.Show(p)
	switch {
	case board != nil:
		watch := watchFor[p]
		select {
		case <-time.After(watch):
		case <-ctx.Done():
			st.Fail("cancelled", "%v", ctx.Err())
			return
		}
		changes := board.Beacon.Changes()[before:]
		toggles := 0
		for i := 1; i < len(changes); i++ {
			if changes[i] != changes[i-1] {
				toggles++
			}
		}
		hz := float64(toggles) / 2 / watch.Seconds()
		st.Measure("frequency", hz, "Hz")
		level := board.Beacon.Level()
		want := map[gpio.Pattern]float64{gpio.Blink: 1, gpio.FastBlink: 4}[p]
		switch {
		case want > 0 && (hz < want*0.6 || hz > want*1.4):
			st.Fail("beacon-pattern", "blinks at %.1f Hz, want %.0f Hz", hz, want)
		case p == gpio.Steady && (level != pgpio.High || toggles > 0):
			st.Fail("beacon-pattern", "steady: pin %v with %d changes, want high and still", level, toggles)
		case p == gpio.Off && level != pgpio.Low:
			st.Fail("beacon-pattern", "off: pin %v, want low", level)
		}
	case env.Guide.Present():
		actx, cancel := context.WithTimeout(ctx, pressGuided)
		defer cancel()
		i, err := env.Guide.Ask(actx, fmt.Sprintf("Does the beacon show %q?", p), "Yes", "No")
		switch {
		case err != nil:
			st.Skip("no answer: " + err.Error())
		case i != 0:
			st.Fail("beacon-pattern", "the person at the bench saw no %s", p)
		}
	default:
		st.Skip("headless on a real board: the pin was driven, nobody to watch the beacon")
	}
}

func relayCycle(ctx context.Context, env *Env, relay *gpio.PinRelay, board *gpiotest.Board, name string, st *Step) {
	var before int
	if board != nil {
		before = len(board.Relays[name].Changes())
	}
	start := time.Now()
	if err := relay.PowerCycle(ctx); err != nil {
		st.Fail("relay", "%v", err)
		return
	}
	st.Measure("power cut", time.Since(start).Seconds(), "s")
	switch {
	case board != nil:
		ch := board.Relays[name].Changes()[before:]
		if len(ch) < 2 || ch[0] != pgpio.High || ch[len(ch)-1] != pgpio.Low {
			st.Fail("relay", "pin went %v, want high (on) then low (off)", ch)
		}
	case env.Guide.Present():
		actx, cancel := context.WithTimeout(ctx, pressGuided)
		defer cancel()
		i, err := env.Guide.Ask(actx, fmt.Sprintf("Did the %s switch off, then back on?", name), "Yes", "No")
		switch {
		case err != nil:
			st.Skip("no answer: " + err.Error())
		case i != 0:
			st.Fail("relay", "the person at the bench did not see the %s switch off and back on", name)
		}
	default:
		st.Note("the pin was driven; headless on a real board, nobody saw the %s go off and on", name)
	}
}
