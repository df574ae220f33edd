package benchui

import (
	"context"

	"borne/testbench/bench"
)

// The registered suites test the panel and output as they are; under the
// simulated lobby they suffer the fault it was started with. Tests build
// their own with Touch and Display.
func init() {
	touch, display := Touch(TouchOptions{}), Display(DisplayOptions{})
	touch.Run = func(ctx context.Context, env *bench.Env) []bench.Step {
		var opt TouchOptions
		if env.Sim != nil {
			switch env.Sim.Fault {
			case bench.TouchMiscalibrated:
				opt.Distortion = Offset(0.03, -0.03)
			case bench.TouchDeadZone:
				opt.DeadZone = Rect{Min: Point{X: 0.6, Y: 0.2}, Max: Point{X: 0.8, Y: 0.4}} // away from the tap targets
			}
		}
		return opt.run(ctx, env)
	}
	display.Run = func(ctx context.Context, env *bench.Env) []bench.Step {
		var opt DisplayOptions
		if env.Sim != nil && env.Sim.Fault == bench.DisplayChannel {
			opt.ChannelMask = 0xffff00
		}
		return opt.run(ctx, env)
	}
	bench.Register(touch)
	bench.Register(display)
}
