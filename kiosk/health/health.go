// Package health watches the kiosk's peripherals for the staff screen and
// the fleet's monitoring: it asks each device how it is every Interval (and
// when staff ask), runs a device's self-test when staff ask, keeps the
// answers, feeds the metrics, and counts faults, those it sees and those
// the screens report, in the metrics and the anonymous usage store.
//
// The probes and tests themselves are drivers/selftest's, which the core
// may not import: the cmd/ packages wrap them as Probe and Test, whose
// results are plain values.
package health

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"borne/kiosk/metrics"
	"borne/kiosk/usage"
)

// The devices, by their config section names.
const (
	Scanner = "scanner"
	Printer = "printer"
	Receipt = "receipt"
)

// DefaultInterval is how often devices are asked: often enough that staff
// see a printer out of paper before the next resident does.
const DefaultInterval = 30 * time.Second

// Level is a supply's fill, in percent; -1 when the device does not say.
type Level struct {
	Name    string
	Percent int
}

// Status is what one device said.
type Status struct {
	Device string
	Up     bool          // it would work now
	Code   string        // a stable word: "ok", or the driver's code ("media-empty", "absent"…)
	Staff  string        // for the staff screen and the logs, in French
	Paper  metrics.Paper // printers only
	Levels []Level       // toner, ink: printers that report them
}

// Probe asks one device how it is; it must return within ctx.
type Probe struct {
	Device string
	Check  func(ctx context.Context) Status
}

// Outcomes of a test's Result.
const (
	Pass      = "pass"
	Fail      = "fail"      // the device failed: counted as a fault
	Cancelled = "cancelled" // the test was called off: no verdict
)

// Result is what a device's self-test found (drivers/selftest.Result,
// field for field).
type Result struct {
	Device   string        `json:"device"`
	Step     string        `json:"step"`           // "scan", "test-page", "test-ticket"…
	Outcome  string        `json:"outcome"`        // Pass, Fail or Cancelled
	Code     string        `json:"code,omitempty"` // on Fail: the driver's stable code
	Staff    string        `json:"staff"`          // for staff, in plain French
	Detail   string        `json:"detail"`         // for the logs: precise
	Duration time.Duration `json:"duration_ns"`
}

// Test runs one device's self-test: a scan, a test page, a test ticket.
type Test struct {
	Device string
	Run    func(ctx context.Context) Result
}

// Options configures a Monitor.
type Options struct {
	Probes   []Probe
	Tests    []Test
	Interval time.Duration // 0: DefaultInterval
	Timeout  time.Duration // for one probe; 0: 10 s
	Metrics  *metrics.Metrics
	Usage    *usage.Recorder // faults go there too; nil: not recorded
	Log      *slog.Logger
}

// Monitor polls the probes. Its methods are safe from any goroutine.
type Monitor struct {
	opt Options

	mu   sync.Mutex
	last map[string]Status
}

// New returns a Monitor; it asks nothing before Serve or Refresh.
func New(opt Options) *Monitor {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Monitor{opt: opt, last: map[string]Status{}}
}

// Serve refreshes every Interval until ctx ends.
func (m *Monitor) Serve(ctx context.Context) error {
	t := time.NewTicker(m.opt.Interval)
	defer t.Stop()
	for {
		m.Refresh(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Refresh asks every device now, in parallel, and returns their statuses in
// the order of the probes. A device that goes down counts as a fault.
func (m *Monitor) Refresh(ctx context.Context) []Status {
	out := make([]Status, len(m.opt.Probes))
	var wg sync.WaitGroup
	for i, p := range m.opt.Probes {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, m.opt.Timeout)
			defer cancel()
			st := p.Check(pctx)
			st.Device = p.Device
			out[i] = st
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return out
	}
	m.mu.Lock()
	for _, st := range out {
		prev, seen := m.last[st.Device]
		m.last[st.Device] = st
		if m.opt.Metrics != nil {
			m.opt.Metrics.SetDeviceUp(st.Device, st.Up)
			if st.Paper != "" {
				m.opt.Metrics.SetPaper(st.Device, st.Paper)
			}
			for _, l := range st.Levels {
				m.opt.Metrics.SetSupply(st.Device, l.Name, l.Percent)
			}
		}
		if !st.Up && (!seen || prev.Up || prev.Code != st.Code) {
			m.opt.Log.Warn("health: device not ready", "device", st.Device, "code", st.Code, "staff", st.Staff)
			m.faultLocked(st.Device, st.Code)
		} else if st.Up && seen && !prev.Up {
			m.opt.Log.Info("health: device ready again", "device", st.Device)
		}
	}
	m.mu.Unlock()
	return out
}

// HasTest tells whether device has a self-test.
func (m *Monitor) HasTest(device string) bool {
	_, ok := m.test(device)
	return ok
}

func (m *Monitor) test(device string) (Test, bool) {
	for _, t := range m.opt.Tests {
		if t.Device == device {
			return t, true
		}
	}
	return Test{}, false
}

// Test runs device's self-test, counts a failure as a fault, and asks
// every device again; false when device has no test.
func (m *Monitor) Test(ctx context.Context, device string) (Result, []Status, bool) {
	t, ok := m.test(device)
	if !ok {
		return Result{}, nil, false
	}
	r := t.Run(ctx)
	r.Device = device
	m.opt.Log.Info("health: self-test", "device", device, "step", r.Step, "outcome", r.Outcome, "code", r.Code,
		"detail", r.Detail, "duration", r.Duration.Round(time.Millisecond))
	if r.Outcome == Fail {
		m.Fault(device, r.Code)
	}
	return r, m.Refresh(ctx), true
}

// Fault counts a fault a screen met (a jam during a scan, a printer that
// stopped mid-job): code is the driver's stable code.
func (m *Monitor) Fault(device, code string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faultLocked(device, code)
}

func (m *Monitor) faultLocked(device, code string) {
	if m.opt.Metrics != nil {
		m.opt.Metrics.Fault(device, code)
	}
	if m.opt.Usage != nil {
		m.opt.Usage.Record(usage.Event{Kind: usage.Fault, Screen: device, Error: code})
	}
}
