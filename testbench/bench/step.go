package bench

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"borne/drivers/receipt"
	"borne/drivers/selftest"
)

// recorder runs the steps of one suite and keeps what they found.
type recorder struct {
	env   *Env
	suite string
	steps []Step
}

// do runs one step: f records what it measured and, unless the step
// passed, its verdict. It returns the step's verdict.
func (r *recorder) do(device, name, did string, f func(st *Step)) Verdict {
	st := Step{Device: device, Name: name, Did: did}
	start := time.Now()
	f(&st)
	st.Duration = time.Since(start)
	if st.Verdict == "" {
		st.Verdict = Pass
	}
	r.env.Logger().Info("bench: step", "suite", r.suite, "step", name, "device", device, "verdict", st.Verdict,
		"code", st.Code, "detail", st.Detail, "duration", st.Duration.Round(time.Millisecond))
	r.steps = append(r.steps, st)
	return st.Verdict
}

// skip records a step that did not run.
func (r *recorder) skip(device, name, did, why string) {
	r.do(device, name, did, func(st *Step) { st.Skip(why) })
}

// Fail marks the step failed with a stable code and a precise detail.
func (s *Step) Fail(code, format string, args ...any) {
	s.Verdict, s.Code, s.Detail = Fail, code, fmt.Sprintf(format, args...)
}

// take records what a self-test (drivers/selftest) found.
func (s *Step) take(r selftest.Result) {
	s.Measure("time", r.Duration.Seconds(), "s")
	switch {
	case r.Outcome == selftest.Pass:
		s.Note("%s", r.Detail)
	case r.Outcome == selftest.Cancelled:
		s.Fail("cancelled", "%s", r.Detail)
	case r.Code == string(receipt.NoReply):
		s.Fail("silent", "%s", r.Detail) // the bench's word for a printer that does not answer
	default:
		s.Fail(r.Code, "%s", r.Detail)
	}
}

// Skip marks the step not run, saying why.
func (s *Step) Skip(why string) { s.Verdict, s.Detail = Skip, why }

// Measure records a figure.
func (s *Step) Measure(name string, v float64, unit string) {
	s.Measures = append(s.Measures, Measure{Name: name, Value: v, Unit: unit})
}

// Note adds to the detail of a step that passed (a warning, what was seen).
func (s *Step) Note(format string, args ...any) {
	if s.Detail != "" {
		s.Detail += "; "
	}
	s.Detail += fmt.Sprintf(format, args...)
}

// Logger is the run's logger, which may be left nil.
func (e *Env) Logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// WriteEvidence writes a file beside the report and returns its name
// there; "" when the run keeps no evidence (no OutDir).
func (e *Env) WriteEvidence(name string, write func(io.Writer) error) (string, error) {
	if e.OutDir == "" {
		return "", nil
	}
	if err := os.MkdirAll(e.OutDir, 0o755); err != nil {
		return "", fmt.Errorf("evidence %s: %w", name, err)
	}
	if err := WriteFileWith(filepath.Join(e.OutDir, name), write); err != nil {
		return "", fmt.Errorf("evidence %s: %w", name, err)
	}
	return name, nil
}

// save writes an evidence file and records its name in the step.
func (e *Env) save(st *Step, name string, write func(io.Writer) error) {
	path, err := e.WriteEvidence(name, write)
	if err != nil {
		st.Note("%v (not saved)", err)
	} else if path != "" {
		st.Evidence = append(st.Evidence, path)
	}
}
