package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// Report is one run of the bench: what the JSON report holds, and what the
// HTML and JUnit reports are drawn from.
type Report struct {
	Kiosk     string        `json:"kiosk,omitempty"` // the config's kiosk id
	Simulated bool          `json:"simulated"`       // against the simulated lobby
	Fault     string        `json:"fault,omitempty"` // the fault the simulated lobby injected
	Started   time.Time     `json:"started"`
	Finished  time.Time     `json:"finished"`
	Suites    []SuiteResult `json:"suites"`
}

// Run runs the suites named (all registered ones when none is) in that
// order and returns their report.
func Run(ctx context.Context, env *Env, names ...string) (*Report, error) {
	all := Suites()
	var run []Suite
	if len(names) == 0 {
		run = all
	}
	for _, n := range names {
		i := slices.IndexFunc(all, func(s Suite) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("bench: no suite %q (suites: %s)", n, suiteNames(all))
		}
		run = append(run, all[i])
	}
	if env.Guide == nil {
		env.Guide = Headless
	}
	rep := &Report{Kiosk: env.Config.Kiosk.ID, Simulated: env.Sim != nil, Started: time.Now()}
	for _, s := range run {
		started := time.Now()
		steps := s.Run(ctx, env)
		rep.Suites = append(rep.Suites, SuiteResult{Suite: s.Name, Started: started, Steps: steps})
	}
	rep.Finished = time.Now()
	return rep, nil
}

func suiteNames(ss []Suite) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// Failed counts the failed steps.
func (r *Report) Failed() int {
	n := 0
	for _, s := range r.Suites {
		n += s.Failed()
	}
	return n
}

// DeviceVerdict sums up the steps of one device: fail if any failed, pass
// if any passed and none failed, skip otherwise.
type DeviceVerdict struct {
	Suite, Device        string
	Verdict              Verdict
	Passed, Failed, Skip int
	Codes                []string // the failure codes, in step order, once each
}

// Devices is the verdict per device, in the order the suites met them.
func (r *Report) Devices() []DeviceVerdict {
	var out []DeviceVerdict
	for _, s := range r.Suites {
		for _, st := range s.Steps {
			i := slices.IndexFunc(out, func(d DeviceVerdict) bool { return d.Suite == s.Suite && d.Device == st.Device })
			if i < 0 {
				out = append(out, DeviceVerdict{Suite: s.Suite, Device: st.Device})
				i = len(out) - 1
			}
			d := &out[i]
			switch st.Verdict {
			case Pass:
				d.Passed++
			case Fail:
				d.Failed++
				if !slices.Contains(d.Codes, st.Code) {
					d.Codes = append(d.Codes, st.Code)
				}
			default:
				d.Skip++
			}
		}
	}
	for i := range out {
		d := &out[i]
		switch {
		case d.Failed > 0:
			d.Verdict = Fail
		case d.Passed > 0:
			d.Verdict = Pass
		default:
			d.Verdict = Skip
		}
	}
	return out
}

// WriteJSONFile writes the report as indented JSON.
func (r *Report) WriteJSONFile(name string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	return nil
}

// ParseReport reads a JSON report, strictly: the HTML report links its
// evidence files, so a report from elsewhere must not point outside its
// own folder, and every step must carry a known verdict.
func ParseReport(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if dec.More() {
		return nil, errors.New("report: data after the report")
	}
	for i, s := range r.Suites {
		if s.Suite == "" {
			return nil, fmt.Errorf("report: suite %d has no name", i+1)
		}
		for j, st := range s.Steps {
			where := fmt.Sprintf("report: suite %s, step %d (%s)", s.Suite, j+1, st.Name)
			switch {
			case st.Verdict != Pass && st.Verdict != Fail && st.Verdict != Skip:
				return nil, fmt.Errorf("%s: verdict %q", where, st.Verdict)
			case st.Verdict == Fail && st.Code == "":
				return nil, fmt.Errorf("%s: failed without a code", where)
			case st.Duration < 0:
				return nil, fmt.Errorf("%s: negative duration", where)
			}
			for _, e := range st.Evidence {
				if !localFile(e) {
					return nil, fmt.Errorf("%s: evidence %q is not a file beside the report", where, e)
				}
			}
		}
	}
	return &r, nil
}

// localFile tells whether name is a plain relative path below the report.
func localFile(name string) bool {
	return name != "" && !strings.ContainsAny(name, "\\:\x00") && !path.IsAbs(name) &&
		path.Clean(name) == name && name != "." && !strings.HasPrefix(name, "../") && name != ".."
}
