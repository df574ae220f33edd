package bench

import (
	"context"
	"log/slog"
	"sort"
	"sync"

	"borne/kiosk/config"
)

// Env is what a suite runs against.
type Env struct {
	Config *config.Config // the devices under test, as a kiosk config names them
	OutDir string         // evidence files (scans, tickets, pictures) go here
	Guide  Guide          // the person at the bench; Headless when there is none
	Log    *slog.Logger
	// Sim is the simulated lobby the run started (testbench run --sim):
	// what it does in place of hardware and people. Nil on real devices.
	Sim *Sim
}

// Suite is a named list of checks of one kind of device.
type Suite struct {
	Name string // scanner, a4, receipt, gpio, touch, display
	Help string // one line for `testbench list`
	Run  func(ctx context.Context, env *Env) []Step
}

// Guide is the person at the bench, for the steps that need one (press the
// button, tap the target, take the ticket, say what the screen shows).
type Guide interface {
	// Show displays an instruction until hide is called; the step watches
	// the device for the person's action.
	Show(instruction string) (hide func())
	// Ask displays a question with answers and returns the index of the one
	// chosen, or an error when ctx ends first.
	Ask(ctx context.Context, question string, answers ...string) (int, error)
	// Present tells whether a person is there: false in headless mode, where
	// the steps that need one are skipped or driven by the simulation.
	Present() bool
}

// Headless is the guide of an unattended run: nobody reads, nobody answers.
var Headless Guide = headless{}

type headless struct{}

func (headless) Show(string) func() { return func() {} }
func (headless) Ask(ctx context.Context, _ string, _ ...string) (int, error) {
	<-ctx.Done()
	return -1, ctx.Err()
}
func (headless) Present() bool { return false }

var (
	registryMu sync.Mutex
	registry   = map[string]Suite{}
)

// Register adds a suite; packages register theirs in init.
func Register(s Suite) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[s.Name]; dup {
		panic("bench: suite registered twice: " + s.Name)
	}
	registry[s.Name] = s
}

// Suites lists the registered suites by name.
func Suites() []Suite {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Suite, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
