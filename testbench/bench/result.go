// Package bench is the hardware test bench: suites of scripted checks run
// against real devices or the simulated lobby, soak runs, and the reports a
// technician reads (HTML), CI reads (JUnit XML) and a fleet reads (JSON).
// Every step says which device it touched, what it did, what it measured
// and its verdict, with a stable code when it failed.
package bench

import "time"

// Verdict is a step's outcome.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	Skip Verdict = "skip" // not run: no such device, or a person was needed and none answered in guided mode
)

// Measure is one figure a step measured.
type Measure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Step is one check of one device.
type Step struct {
	Device   string        `json:"device"` // what was touched: "scanner pnm:0", "ipp://127.0.0.1:8631/ipp/print", "/dev/ttyUSB0", "gpiochip0/GPIO17"
	Name     string        `json:"name"`   // stable within a suite, e.g. "scan-300dpi-gray"
	Did      string        `json:"did"`    // what the step did, in a sentence
	Measures []Measure     `json:"measures,omitempty"`
	Verdict  Verdict       `json:"verdict"`
	Code     string        `json:"code,omitempty"`   // on Fail: a stable code ("jammed", "paper-out", "silent", "no-press", "blank-image"…)
	Detail   string        `json:"detail,omitempty"` // on Fail or Skip: why, precisely (device, field, value)
	Duration time.Duration `json:"duration_ns"`
	Evidence []string      `json:"evidence,omitempty"` // files beside the report: scans, rendered tickets, touch offsets
}

// SuiteResult is one suite's run.
type SuiteResult struct {
	Suite   string    `json:"suite"` // scanner, a4, receipt, gpio, touch, display
	Started time.Time `json:"started"`
	Steps   []Step    `json:"steps"`
}

// Failed counts the failed steps.
func (s SuiteResult) Failed() int {
	n := 0
	for _, st := range s.Steps {
		if st.Verdict == Fail {
			n++
		}
	}
	return n
}
