package benchui

import (
	"context"
	"testing"

	"borne/testbench/bench"
)

// `testbench run --sim --fault F` reaches the registered suites: each of
// their faults fails the right step with its code, and nothing else.
func TestRegisteredSuitesTakeSimFaults(t *testing.T) {
	suites := map[string]bench.Suite{}
	for _, s := range bench.Suites() {
		suites[s.Name] = s
	}
	for _, tc := range []struct {
		fault       bench.Fault
		suite, step string
	}{
		{bench.TouchMiscalibrated, "touch", "calibration"},
		{bench.TouchDeadZone, "touch", "dead-zones"},
		{bench.DisplayChannel, "display", "colour-bars"},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			env := testEnv(t, "registered-"+string(tc.fault))
			env.Sim = &bench.Sim{Fault: tc.fault}
			var failed []string
			for _, st := range suites[tc.suite].Run(context.Background(), env) {
				if st.Verdict == bench.Fail {
					failed = append(failed, st.Name+":"+st.Code)
				}
			}
			want := map[string]string{"calibration": "miscalibrated", "dead-zones": "dead-zone", "colour-bars": "colour-channel"}[tc.step]
			if len(failed) != 1 || failed[0] != tc.step+":"+want {
				t.Errorf("failed steps %v, want only %s:%s", failed, tc.step, want)
			}
		})
	}
}
