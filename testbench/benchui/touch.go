package benchui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"borne/kiosk/config"
	"borne/testbench/bench"
)

// MaxOffsetMM is the largest distance between a target and the tap aimed at
// it for the touchscreen to pass: half the smallest touch target
// (config.MinTargetMM), so a tap at the centre of any button still lands in
// it. The same bound applies to what is left once the proposed matrix is
// applied: beyond it the taps do not fit one correction.
const MaxOffsetMM = config.MinTargetMM / 2

// TouchOptions configures the touchscreen suite. With a person at the bench
// they tap and draw; on the simulated lobby, synthetic touches (XTest) go
// through a simulated panel whose faults are set here; on real devices with
// nobody there, the steps are skipped.
type TouchOptions struct {
	// Distortion is what the simulated panel does to a touch, in libinput's
	// form (an offset, a scale, a quarter turn…); zero: a perfect panel.
	Distortion Matrix
	// DeadZone is where the simulated panel reports nothing, in normalised
	// screen coordinates; empty: nowhere.
	DeadZone Rect
	// Cols and Rows divide the screen for the drawing test; zero: 8×5.
	Cols, Rows int
	// TapTimeout is how long a target waits for its tap; zero: 20 s with a
	// person, 2 s simulated.
	TapTimeout time.Duration
	// DrawTimeout is how long a person has to draw over every cell; zero: 60 s.
	DrawTimeout time.Duration
	// Device names the touch device in the commands the suite proposes;
	// empty: the first xinput device whose name says touch.
	Device string
}

// Rect is an area in normalised screen coordinates.
type Rect struct{ Min, Max Point }

func (r Rect) contains(p Point) bool {
	return p.X >= r.Min.X && p.X < r.Max.X && p.Y >= r.Min.Y && p.Y < r.Max.Y
}

// target is a place the person taps.
type target struct {
	name string
	at   Point
}

// targets sit a tenth of the screen in from each corner, and in the centre:
// the corners pin down scale and rotation, the centre checks the fit.
var targets = []target{
	{"top-left", Point{0.1, 0.1}},
	{"top-right", Point{0.9, 0.1}},
	{"bottom-right", Point{0.9, 0.9}},
	{"bottom-left", Point{0.1, 0.9}},
	{"centre", Point{0.5, 0.5}},
}

// Touch is the touchscreen suite.
func Touch(opt TouchOptions) bench.Suite {
	return bench.Suite{
		Name: "touch",
		Help: "tap targets in the corners and centre → calibration matrix; rotation; drawing test for dead zones",
		Run:  opt.run,
	}
}

// touchRun is one run of the suite.
type touchRun struct {
	opt    TouchOptions
	env    *bench.Env
	w      *window
	guided bool
	ptr    *pointer // synthetic touches when nobody is at the bench
	device string
	dpi    float64
	sim    Matrix // the simulated panel's distortion
}

func (opt TouchOptions) run(ctx context.Context, env *bench.Env) []bench.Step {
	r := &touchRun{opt: opt, env: env, guided: env.Guide.Present(), dpi: float64(config.DefaultDPI), sim: opt.Distortion}
	if env.Config != nil && env.Config.Screen.DPI > 0 {
		r.dpi = float64(env.Config.Screen.DPI)
	}
	if r.sim == (Matrix{}) {
		r.sim = Identity
	}
	if r.opt.Cols <= 0 || r.opt.Rows <= 0 {
		r.opt.Cols, r.opt.Rows = 8, 5
	}
	if r.opt.TapTimeout <= 0 {
		r.opt.TapTimeout = 2 * time.Second
		if r.guided {
			r.opt.TapTimeout = 20 * time.Second
		}
	}
	if r.opt.DrawTimeout <= 0 {
		r.opt.DrawTimeout = 60 * time.Second
	}
	if !r.guided && env.Sim == nil {
		// Real devices and nobody to touch them: a synthetic tap would
		// test the simulation, not the panel.
		var steps []bench.Step
		for _, name := range []string{"taps", "calibration", "rotation", "dead-zones"} {
			steps = append(steps, bench.Step{Device: "touchscreen", Name: name, Did: "needs a person to touch the screen", Verdict: bench.Skip,
				Detail: "nobody at the bench: run guided (--guided), or on the simulated lobby (--sim)"})
		}
		return steps
	}
	r.device = r.opt.Device
	if r.guided && r.device == "" {
		r.device = findTouchDevice(ctx)
	}
	if r.device == "" {
		r.device = "touchscreen"
		if !r.guided {
			r.device = "touchscreen (simulated, XTest)"
		}
	}
	var err error
	if r.w, err = windowFor(env); err != nil {
		return []bench.Step{{Device: r.device, Name: "window", Did: "opened the bench window", Verdict: bench.Fail, Code: "no-window", Detail: err.Error()}}
	}
	defer r.w.show(nil) // the next suite's instructions on a clean window
	if !r.guided {
		if r.ptr, err = openPointer(); err != nil {
			return []bench.Step{{Device: r.device, Name: "window", Did: "opened a connection for synthetic touches", Verdict: bench.Fail, Code: "no-xtest", Detail: err.Error()}}
		}
		defer r.ptr.close()
	}
	tapStep, landed := r.taps(ctx)
	cal, correction, ok := r.calibration(landed)
	if ok {
		r.picture(&tapStep, &cal, landed, correction)
	}
	steps := []bench.Step{tapStep, cal, r.rotation(correction, ok)}
	return append(steps, r.drawing(ctx))
}

// mm is the distance between two points on the panel, in millimetres at
// the configured DPI.
func (r *touchRun) mm(a, b Point) float64 {
	dx, dy := (a.X-b.X)*float64(r.w.width), (a.Y-b.Y)*float64(r.w.height)
	return math.Hypot(dx, dy) / r.dpi * 25.4
}

// toScreen is a normalised point in whole screen pixels.
func (r *touchRun) toScreen(p Point) (int, int) {
	return int(math.Round(p.X * float64(r.w.width))), int(math.Round(p.Y * float64(r.w.height)))
}

func (r *touchRun) fromScreen(x, y float64) Point {
	return Point{x / float64(r.w.width), y / float64(r.w.height)}
}

// taps asks for a tap on each target in turn and records where it landed.
func (r *touchRun) taps(ctx context.Context) (bench.Step, []*Point) {
	start := time.Now()
	st := bench.Step{Device: r.device, Name: "taps", Verdict: bench.Pass,
		Did: fmt.Sprintf("showed %d targets (corners and centre) one at a time and recorded where each tap landed", len(targets))}
	if !r.guided {
		st.Did += " (synthetic taps through the simulated panel)"
	}
	events, stop := r.w.listen()
	defer stop()
	if r.guided {
		defer r.env.Guide.Show("Tap the centre of the red cross, with one finger.")()
	}
	landed := make([]*Point, len(targets))
	var missing []string
	var last time.Time
	for i, t := range targets {
		r.w.show(targetsScene{targets: targets, current: i, landed: append([]*Point(nil), landed...)})
		if !r.guided {
			if q := r.sim.Apply(t.at); !r.opt.DeadZone.contains(q) {
				r.ptr.tap(r.toScreen(q))
			}
		}
		p, at, err := r.nextDown(ctx, events, last)
		if err != nil {
			missing = append(missing, t.name)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		landed[i], last = &p, at
		st.Measures = append(st.Measures, bench.Measure{Name: "offset " + t.name, Value: round1(r.mm(p, t.at)), Unit: "mm"})
	}
	r.w.show(targetsScene{targets: targets, current: -1, landed: landed})
	if len(missing) > 0 {
		st.Verdict, st.Code = bench.Fail, "timeout"
		if r.guided {
			st.Code = "no-tap"
		}
		st.Detail = fmt.Sprintf("no tap within %s on: %s", r.opt.TapTimeout, strings.Join(missing, ", "))
	}
	st.Duration = time.Since(start)
	return st, landed
}

// bounce is how soon after a tap another counts as a new one: a finger
// that bounces must not answer the next target.
const bounce = 250 * time.Millisecond

// nextDown waits for a touch that starts a tap.
func (r *touchRun) nextDown(ctx context.Context, events <-chan touchEvent, last time.Time) (Point, time.Time, error) {
	timer := time.NewTimer(r.opt.TapTimeout)
	defer timer.Stop()
	for {
		select {
		case ev := <-events:
			if ev.kind != down || r.guided && time.Since(last) < bounce {
				continue
			}
			return r.fromScreen(ev.x, ev.y), time.Now(), nil
		case <-timer.C:
			return Point{}, time.Time{}, errors.New("no tap")
		case <-ctx.Done():
			return Point{}, time.Time{}, ctx.Err()
		}
	}
}

// calibration fits the matrix that brings the taps onto their targets.
func (r *touchRun) calibration(landed []*Point) (bench.Step, Matrix, bool) {
	st := bench.Step{Device: r.device, Name: "calibration",
		Did: "fitted the least-squares affine correction from taps to targets (libinput Calibration Matrix)"}
	var from, to []Point
	worst, worstAt := 0.0, ""
	for i, p := range landed {
		if p == nil {
			continue
		}
		from, to = append(from, *p), append(to, targets[i].at)
		if d := r.mm(*p, targets[i].at); d > worst {
			worst, worstAt = d, targets[i].name
		}
	}
	correction, err := Fit(from, to)
	if err != nil {
		st.Verdict, st.Detail = bench.Skip, fmt.Sprintf("%d taps landed: %v", len(from), err)
		return st, Matrix{}, false
	}
	residual := 0.0
	for i := range from {
		residual = max(residual, r.mm(correction.Apply(from[i]), to[i]))
	}
	proposed := correction
	if r.guided {
		// The taps went through the device's current matrix: the new one
		// is that followed by the correction.
		if cur, ok := currentMatrix(r.device); ok {
			proposed = cur.Then(correction)
		}
	}
	st.Measures = []bench.Measure{
		{Name: "largest offset", Value: round1(worst), Unit: "mm"},
		{Name: "largest offset after correction", Value: round1(residual), Unit: "mm"},
	}
	for i, v := range proposed {
		st.Measures = append(st.Measures, bench.Measure{Name: fmt.Sprintf("matrix %c", 'a'+i), Value: v})
	}
	fix := fmt.Sprintf("apply now: %s; for good, a udev rule: %s", proposed.XinputCommand(r.device), proposed.UdevRule())
	switch {
	case residual > MaxOffsetMM:
		st.Verdict, st.Code = bench.Fail, "inconsistent-taps"
		st.Detail = fmt.Sprintf("the taps do not fit one correction: %.1f mm off even after it (limit %.1f mm); tap again, each at the centre of its cross, or the panel is not linear", residual, MaxOffsetMM)
	case worst > MaxOffsetMM:
		st.Verdict, st.Code = bench.Fail, "miscalibrated"
		st.Detail = fmt.Sprintf("taps land up to %.1f mm from the target (%s; limit %.1f mm); proposed matrix %s; %s", worst, worstAt, MaxOffsetMM, proposed, fix)
	default:
		st.Verdict = bench.Pass
	}
	if path, err := writeEvidence(r.env, "touch-calibration.txt", []byte(fmt.Sprintf(
		"largest offset: %.1f mm at %s (limit %.1f mm)\nafter correction: %.1f mm\nproposed libinput Calibration Matrix: %s\n\n# apply now (until the device is replugged or X restarts):\n%s\n\n# for good, in /etc/udev/rules.d/99-borne-touch.rules:\n%s\n",
		worst, worstAt, MaxOffsetMM, residual, proposed, proposed.XinputCommand(r.device), proposed.UdevRule()))); err != nil {
		r.env.Logger().Warn("touch: evidence", "err", err)
	} else if path != "" {
		st.Evidence = append(st.Evidence, path)
	}
	return st, correction, true
}

// picture draws targets, taps and offsets, and keeps it as evidence of both
// steps.
func (r *touchRun) picture(taps, cal *bench.Step, landed []*Point, correction Matrix) {
	offsets := make([]float64, len(targets))
	for i, p := range landed {
		if p != nil {
			offsets[i] = r.mm(*p, targets[i].at)
		}
	}
	img, err := r.w.captureScene(targetsScene{targets: targets, current: -1, landed: landed, offsets: offsets,
		caption: "correction (libinput Calibration Matrix): " + correction.String()})
	if err == nil {
		var path string
		if path, err = writePNG(r.env, "touch-taps.png", img); err == nil && path != "" {
			taps.Evidence = append(taps.Evidence, path)
			cal.Evidence = append(cal.Evidence, path)
		}
	}
	if err != nil {
		r.env.Logger().Warn("touch: picture", "err", err)
	}
}

// rotation tells a turned or mirrored panel from a merely offset one.
func (r *touchRun) rotation(correction Matrix, ok bool) bench.Step {
	st := bench.Step{Device: r.device, Name: "rotation", Did: "compared the touch axes with the screen's"}
	if !ok {
		st.Verdict, st.Detail = bench.Skip, "too few taps to tell"
		return st
	}
	o := OrientationOf(correction)
	if o.Name == "none" {
		st.Verdict = bench.Pass
		return st
	}
	st.Verdict, st.Code = bench.Fail, "rotated"
	st.Detail = fmt.Sprintf("touches are turned against the screen; rotate them %s: %s (the calibration matrix includes this turn)", o.Name, o.Matrix.XinputCommand(r.device))
	return st
}

// drawing has the screen drawn over, cell by cell; cells that never got a
// touch are dead.
func (r *touchRun) drawing(ctx context.Context) bench.Step {
	start := time.Now()
	cols, rows := r.opt.Cols, r.opt.Rows
	st := bench.Step{Device: r.device, Name: "dead-zones",
		Did: fmt.Sprintf("had the screen drawn over in a %d×%d grid and recorded which cells got touches", cols, rows)}
	events, stop := r.w.listen()
	defer stop()
	hit := make([]bool, cols*rows)
	left := len(hit)
	r.w.show(gridScene{cols: cols, rows: rows, hit: make([]bool, len(hit))}) // the main loop gets its own copy
	record := func(ev touchEvent) bool {
		if ev.kind == up {
			return false
		}
		c := int(ev.x / float64(r.w.width) * float64(cols))
		rw := int(ev.y / float64(r.w.height) * float64(rows))
		if c < 0 || c >= cols || rw < 0 || rw >= rows || hit[rw*cols+c] {
			return false
		}
		hit[rw*cols+c] = true
		left--
		return true
	}
	touched := false
	if r.guided {
		hide := r.env.Guide.Show("Draw over every square with one finger until it turns green.")
		timer := time.NewTimer(r.opt.DrawTimeout)
	wait:
		for left > 0 {
			select {
			case ev := <-events:
				touched = true
				if record(ev) {
					r.w.show(gridScene{cols: cols, rows: rows, hit: append([]bool(nil), hit...)})
				}
			case <-timer.C:
				break wait
			case <-ctx.Done():
				break wait
			}
		}
		timer.Stop()
		hide()
	} else {
		strokes := r.stroke()
		timer := time.NewTimer(5 * time.Second)
		for ups := 0; ups < strokes; {
			select {
			case ev := <-events:
				touched = true
				record(ev)
				if ev.kind == up {
					ups++
				}
			case <-timer.C:
				ups = strokes
			}
		}
		timer.Stop()
	}
	var dead []string
	for i, h := range hit {
		if !h {
			c, rw := i%cols, i/cols
			dead = append(dead, fmt.Sprintf("row %d column %d (x %d–%d px, y %d–%d px)", rw+1, c+1,
				c*r.w.width/cols, (c+1)*r.w.width/cols, rw*r.w.height/rows, (rw+1)*r.w.height/rows))
		}
	}
	st.Measures = []bench.Measure{
		{Name: "dead cells", Value: float64(len(dead))},
		{Name: "cells touched", Value: round1(100 * float64(len(hit)-len(dead)) / float64(len(hit))), Unit: "%"},
	}
	img, err := r.w.captureScene(gridScene{cols: cols, rows: rows, hit: hit, finished: true})
	if err == nil {
		var path string
		if path, err = writePNG(r.env, "touch-drawing.png", img); err == nil && path != "" {
			st.Evidence = []string{path}
		}
	}
	if err != nil {
		r.env.Logger().Warn("touch: drawing picture", "err", err)
	}
	switch {
	case r.guided && !touched:
		st.Verdict, st.Code, st.Detail = bench.Fail, "no-tap", fmt.Sprintf("nobody drew within %s", r.opt.DrawTimeout)
	case len(dead) > 0:
		st.Verdict, st.Code = bench.Fail, "dead-zone"
		st.Detail = fmt.Sprintf("%d of %d cells got no touch: %s", len(dead), len(hit), strings.Join(dead, "; "))
	default:
		st.Verdict = bench.Pass
	}
	st.Duration = time.Since(start)
	return st
}

// stroke draws, through the simulated panel, a line along every row and
// every column of the grid, so each cell is crossed whatever way the panel
// is turned; the finger lifts over the dead zone, as a real panel loses
// it there. It returns how many touches it made.
func (r *touchRun) stroke() int {
	cols, rows := float64(r.opt.Cols), float64(r.opt.Rows)
	var lines [][2]Point
	for i := range r.opt.Rows {
		y := (float64(i) + 0.5) / rows
		lines = append(lines, [2]Point{{0.01, y}, {0.99, y}})
	}
	for i := range r.opt.Cols {
		x := (float64(i) + 0.5) / cols
		lines = append(lines, [2]Point{{x, 0.01}, {x, 0.99}})
	}
	touches := 0
	for _, l := range lines {
		n := int(4 * max(cols, rows)) // a few points per cell
		pressed := false
		for k := 0; k <= n; k++ {
			f := float64(k) / float64(n)
			q := r.sim.Apply(Point{l[0].X + f*(l[1].X-l[0].X), l[0].Y + f*(l[1].Y-l[0].Y)})
			switch in := !r.opt.DeadZone.contains(q); {
			case in && !pressed:
				r.ptr.move(r.toScreen(q))
				r.ptr.press()
				pressed = true
				touches++
			case in:
				r.ptr.move(r.toScreen(q))
			case pressed:
				r.ptr.release()
				pressed = false
			}
		}
		if pressed {
			r.ptr.release()
		}
	}
	return touches
}

// findTouchDevice is the first X input device whose name says it is a
// touchscreen, "" when xinput is missing or finds none.
func findTouchDevice(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "xinput", "list", "--name-only").Output()
	if err != nil {
		return ""
	}
	for _, name := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(name), "touch") {
			return strings.TrimSpace(name)
		}
	}
	return ""
}

// currentMatrix reads the device's calibration matrix through xinput.
func currentMatrix(device string) (Matrix, bool) {
	out, err := exec.Command("xinput", "list-props", device).Output()
	if err != nil {
		return Matrix{}, false
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, values, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(strings.TrimSpace(name), "libinput Calibration Matrix (") {
			continue
		}
		f := strings.Split(values, ",")
		if len(f) != 9 {
			return Matrix{}, false
		}
		var m Matrix
		for i := range m {
			if m[i], err = strconv.ParseFloat(strings.TrimSpace(f[i]), 64); err != nil {
				return Matrix{}, false
			}
		}
		return m, true
	}
	return Matrix{}, false
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
