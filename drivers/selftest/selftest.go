// Package selftest is the kiosk's one device self-test: the test scan, the
// A4 test page and the test ticket, and the reading of each device's state
// into a stable code and plain French words for staff. The staff screen,
// the test bench and kioskctl all run these, and get the same structured
// Result back.
//
// Why it lives under drivers/: a test is made of driver calls (open, scan,
// print, follow the job, read the status bytes) and its verdict is the
// drivers' own codes, so here it needs no interface over every driver type.
// The core may not import drivers/, so it never sees these types: the cmd/
// packages pass the results to kiosk/health as plain values (health.Result
// and health.Status have the same fields and carry no driver type).
package selftest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The devices, by their config section names (as kiosk/health names them).
const (
	Scanner = "scanner"
	Printer = "printer"
	Receipt = "receipt"
)

// Outcomes of a Result.
const (
	Pass      = "pass"
	Fail      = "fail"      // the device failed: a fault to count
	Cancelled = "cancelled" // the test was stopped (staff left, the run ended): no verdict on the device
)

// Result is what one test found. Its fields are plain values so that the
// core can take them as they are.
type Result struct {
	Device   string        `json:"device"`         // Scanner, Printer or Receipt
	Step     string        `json:"step"`           // "scan", "test-page", "test-ticket"
	Outcome  string        `json:"outcome"`        // Pass, Fail or Cancelled
	Code     string        `json:"code,omitempty"` // on Fail: the driver's stable code ("jammed", "media-empty", "paper-out"…)
	Staff    string        `json:"staff"`          // for staff, in plain French: what happened and what to do
	Detail   string        `json:"detail"`         // for the logs and the bench: precise (sizes, job, the error)
	Duration time.Duration `json:"duration_ns"`
}

// result is a Result being filled in by a test.
type result struct {
	Result
	start time.Time
}

func begin(device, step string) *result {
	return &result{Result: Result{Device: device, Step: step}, start: time.Now()}
}

// pass ends the test as passed.
func (r *result) pass(staff, format string, args ...any) Result {
	r.Outcome, r.Staff, r.Detail = Pass, staff, fmt.Sprintf(format, args...)
	return r.end()
}

// fail ends the test as failed with code, or as cancelled when cancelled.
func (r *result) fail(cancelled bool, code, staff string, err error) Result {
	r.Outcome, r.Code, r.Staff = Fail, code, staff
	if cancelled {
		r.Outcome, r.Code = Cancelled, ""
	}
	if err != nil {
		r.Detail = err.Error()
	}
	return r.end()
}

func (r *result) end() Result {
	r.Duration = r.since()
	return r.Result
}

func (r *result) since() time.Duration { return time.Since(r.start) }

// stopped tells whether the test was called off (staff left, the run was
// interrupted), rather than timed out: a device that does not answer in
// time has failed.
func stopped(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// Seconds writes a duration the French way: "1,2 s".
func Seconds(d time.Duration) string {
	return strings.Replace(fmt.Sprintf("%.1f s", d.Seconds()), ".", ",", 1)
}
