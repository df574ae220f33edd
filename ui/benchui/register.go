package benchui

import "borne/testbench/bench"

// The bench runs both suites as they are: a perfect simulated panel and
// output when nobody is at the bench. Tests and fault injection build their
// own with Touch and Display.
func init() {
	bench.Register(Touch(TouchOptions{}))
	bench.Register(Display(DisplayOptions{}))
}
