package benchui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/testbench/bench"
)

// matrixOf reads the proposed matrix back from the calibration step's
// measures, as a report would.
func matrixOf(t testing.TB, st bench.Step) Matrix {
	t.Helper()
	var m Matrix
	n := 0
	for _, ms := range st.Measures {
		if len(ms.Name) == 8 && strings.HasPrefix(ms.Name, "matrix ") {
			m[ms.Name[7]-'a'] = ms.Value
			n++
		}
	}
	if n != 6 {
		t.Fatalf("calibration step has %d matrix coefficients: %+v", n, st.Measures)
	}
	return m
}

// The simulated panel: real XTEST taps and strokes on the real window,
// through an injected miscalibration or dead zone.
func TestTouchSimulated(t *testing.T) {
	tests := []struct {
		name       string
		opt        TouchOptions
		codes      map[string]string // step → code; "" passes
		deadCells  []string
		noEvidence bool
	}{
		{name: "perfect", codes: map[string]string{"taps": "", "calibration": "", "rotation": "", "dead-zones": ""}},
		{name: "offset", opt: TouchOptions{Distortion: Offset(24.0/virtualWidth, -18.0/virtualHeight)},
			codes: map[string]string{"taps": "", "calibration": "miscalibrated", "rotation": "", "dead-zones": ""}},
		{name: "scale", opt: TouchOptions{Distortion: Scale(0.92, 0.9)},
			codes: map[string]string{"taps": "", "calibration": "miscalibrated", "rotation": "", "dead-zones": ""}},
		{name: "small offset passes", opt: TouchOptions{Distortion: Offset(8.0/virtualWidth, 6.0/virtualHeight)},
			codes: map[string]string{"taps": "", "calibration": "", "rotation": "", "dead-zones": ""}},
		{name: "turned 90°", opt: TouchOptions{Distortion: orientations[1].Matrix},
			codes: map[string]string{"taps": "", "calibration": "miscalibrated", "rotation": "rotated", "dead-zones": ""}},
		{name: "axes swapped and offset", opt: TouchOptions{Distortion: orientations[6].Matrix.Then(Offset(0.01, -0.01))},
			codes: map[string]string{"taps": "", "calibration": "miscalibrated", "rotation": "rotated", "dead-zones": ""}},
		{name: "dead zone", opt: TouchOptions{DeadZone: Rect{Point{0.62, 0.19}, Point{0.88, 0.61}}},
			codes:     map[string]string{"taps": "", "calibration": "", "rotation": "", "dead-zones": "dead-zone"},
			deadCells: []string{"row 2 column 6", "row 2 column 7", "row 3 column 6", "row 3 column 7"}},
		{name: "dead corner misses a target", opt: TouchOptions{DeadZone: Rect{Point{0, 0}, Point{0.2, 0.2}}, TapTimeout: 500 * time.Millisecond},
			codes:     map[string]string{"taps": "timeout", "calibration": "", "rotation": "", "dead-zones": "dead-zone"},
			deadCells: []string{"row 1 column 1"}},
	}
	testWindow(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, "touch-"+strings.NewReplacer(" ", "-", "°", "").Replace(tt.name))
			start := time.Now()
			steps := Touch(tt.opt).Run(context.Background(), env)
			t.Logf("%s in %s", tt.name, time.Since(start).Round(time.Millisecond))
			for name, code := range tt.codes {
				st := stepNamed(t, steps, name)
				want := bench.Pass
				if code != "" {
					want = bench.Fail
				}
				if st.Verdict != want || st.Code != code {
					t.Errorf("%s: %s %q (%s), want %s %q", name, st.Verdict, st.Code, st.Detail, want, code)
				}
			}
			cal := stepNamed(t, steps, "calibration")
			got := matrixOf(t, cal)
			dist := tt.opt.Distortion
			if dist == (Matrix{}) {
				dist = Identity
			}
			// Taps land on whole pixels: the recovered correction undoes the
			// distortion to within a pixel or two.
			d := dist.Then(got).MaxDiff(Identity)
			if d > 0.004 {
				t.Errorf("correction %v does not undo %v (off by %.4f)", got, dist, d)
			}
			t.Logf("correction %v, undoes the distortion to %.5f", got, d)
			if tt.codes["calibration"] == "miscalibrated" && !strings.Contains(cal.Detail, "libinput Calibration Matrix") {
				t.Errorf("a miscalibration proposes no command: %s", cal.Detail)
			}
			if tt.codes["rotation"] == "rotated" {
				t.Logf("rotation: %s", stepNamed(t, steps, "rotation").Detail)
			}
			dz := stepNamed(t, steps, "dead-zones")
			for _, c := range tt.deadCells {
				if !strings.Contains(dz.Detail, c+" ") {
					t.Errorf("dead cell %s not reported: %s", c, dz.Detail)
				}
			}
			if n := strings.Count(dz.Detail, "row "); n != len(tt.deadCells) {
				t.Errorf("%d dead cells reported, want %d: %s", n, len(tt.deadCells), dz.Detail)
			}
			for _, st := range steps {
				for _, e := range st.Evidence {
					if _, err := os.Stat(filepath.Join(env.OutDir, e)); err != nil {
						t.Errorf("%s: evidence %s: %v", st.Name, e, err)
					}
				}
			}
			if ev := stepNamed(t, steps, "taps").Evidence; !slices.Contains(ev, "touch-taps.png") {
				t.Errorf("taps evidence %v has no picture", ev)
			}
		})
	}
}

// A person taps the targets (XTEST standing in for the finger, a few pixels
// off as fingers are), skips the last one, and never draws.
func TestTouchGuided(t *testing.T) {
	w := testWindow(t)
	env := testEnv(t, "touch-guided")
	env.Guide = &Guide{w}
	p, err := openPointer()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	done := make(chan []bench.Step, 1)
	go func() {
		// A target waits 5 s for its tap: the test taps 300 ms after seeing
		// it, but under -race on a loaded machine the tap can take over a
		// second to arrive (1 s failed so); the skipped one costs the 5 s.
		done <- Touch(TouchOptions{TapTimeout: 5 * time.Second, DrawTimeout: time.Second}).Run(context.Background(), env)
	}()
	jitter := [][2]int{{4, -3}, {-5, 2}, {3, 5}, {-2, -4}}
	for i := range jitter {
		waitTarget(t, w, i)
		if i == 0 {
			screenshot(t, w, "touch-guided-target")
		}
		time.Sleep(300 * time.Millisecond) // a person's pace, beyond the bounce guard
		x, y := int(targets[i].at.X*virtualWidth), int(targets[i].at.Y*virtualHeight)
		p.tap(x+jitter[i][0], y+jitter[i][1])
	}
	steps := <-done
	for name, code := range map[string]string{"taps": "no-tap", "calibration": "", "rotation": "", "dead-zones": "no-tap"} {
		st := stepNamed(t, steps, name)
		if st.Code != code || (code == "") != (st.Verdict == bench.Pass) {
			t.Errorf("%s: %s %q (%s), want code %q", name, st.Verdict, st.Code, st.Detail, code)
		}
	}
	if d := stepNamed(t, steps, "taps").Detail; !strings.Contains(d, "centre") {
		t.Errorf("the missed target is not named: %s", d)
	}
}

// waitTarget waits until target i is the one to tap.
func waitTarget(t testing.TB, w *window, i int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cur := -1
		onUI(func() {
			if s, ok := w.scene.(targetsScene); ok {
				cur = s.current
			}
		})
		if cur == i {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("target %d never showed (showing %d)", i, cur)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// On real devices with nobody at the bench, nothing touches the panel: the
// steps say so instead of testing a simulation.
func TestTouchNobodyOnRealDevices(t *testing.T) {
	env := testEnv(t, "touch-nobody")
	env.Sim = nil
	steps := Touch(TouchOptions{}).Run(context.Background(), env)
	if len(steps) != 4 {
		t.Fatalf("%d steps: %+v", len(steps), steps)
	}
	for _, st := range steps {
		if st.Verdict != bench.Skip || !strings.Contains(st.Detail, "--guided") {
			t.Errorf("%s: %s (%s), want skipped with a hint", st.Name, st.Verdict, st.Detail)
		}
	}
}
