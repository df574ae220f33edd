package benchui

import (
	"context"
	"fmt"
	"image"
	"os"
	"strings"
	"time"

	"borne/testbench/bench"
)

// DisplayOptions configures the display suite.
type DisplayOptions struct {
	// ChannelMask is ANDed with every captured pixel (0xRRGGBB) to simulate
	// a broken output: 0xffff00 loses blue, 0xc0c0c0 the low bits that tell
	// near greys apart; zero: no fault.
	ChannelMask uint32
	// Tolerance is how far each channel of a bar may read from what was
	// drawn, out of 255; zero: 16.
	Tolerance int
	// AskTimeout bounds each question to the person; zero: 2 minutes.
	AskTimeout time.Duration
}

// MinStepDelta is the smallest difference, out of 255, between adjacent
// grey steps read back for them to count as distinct: at least 2 levels,
// so a pipeline that merges or dithers them away is caught.
const MinStepDelta = 2

// patch is one area of the test pattern.
type patch struct {
	name string
	kind string // "bar", or the grey ramp it belongs to
	rect image.Rectangle
	want rgb
}

// Ramps of the contrast test: the whole range in tenths, and the steps near
// black and near white that a badly set panel crushes.
var ramps = []struct {
	name  string
	steps []uint8
}{
	{"grey ramp", []uint8{0, 26, 51, 77, 102, 128, 153, 179, 204, 230, 255}},
	{"near black", []uint8{0, 5, 10, 15, 20, 25}},
	{"near white", []uint8{230, 235, 240, 245, 250, 255}},
}

var bars = []struct {
	name string
	c    rgb
}{
	{"white", rgb{255, 255, 255}}, {"yellow", rgb{255, 255, 0}}, {"cyan", rgb{0, 255, 255}}, {"green", rgb{0, 255, 0}},
	{"magenta", rgb{255, 0, 255}}, {"red", rgb{255, 0, 0}}, {"blue", rgb{0, 0, 255}}, {"black", rgb{0, 0, 0}},
}

// displayLayout places the pattern: colour bars on top, the grey ramp, then
// near black and near white side by side; the bottom third stays free for
// the questions.
func displayLayout(width, height int) []patch {
	var out []patch
	row := func(kind string, y0, y1, x0, x1 int, names []string, colours []rgb) {
		for i := range names {
			out = append(out, patch{names[i], kind,
				image.Rect(x0+(x1-x0)*i/len(names), y0, x0+(x1-x0)*(i+1)/len(names), y1), colours[i]})
		}
	}
	var names []string
	var colours []rgb
	for _, b := range bars {
		names, colours = append(names, b.name), append(colours, b.c)
	}
	row("bar", 0, height*32/100, 0, width, names, colours)
	for i, rp := range ramps {
		names, colours = names[:0], colours[:0]
		for _, v := range rp.steps {
			names, colours = append(names, fmt.Sprintf("%s %d", rp.name, v)), append(colours, rgb{v, v, v})
		}
		switch i {
		case 0:
			row(rp.name, height*34/100, height*47/100, 0, width, names, colours)
		case 1:
			row(rp.name, height*49/100, height*62/100, 0, width/2, names, colours)
		default:
			row(rp.name, height*49/100, height*62/100, width/2, width, names, colours)
		}
	}
	return out
}

// Display is the display suite.
func Display(opt DisplayOptions) bench.Suite {
	return bench.Suite{
		Name: "display",
		Help: "colour bars and contrast steps: read back from the screen, and seen by the person at the bench",
		Run:  opt.run,
	}
}

func (opt DisplayOptions) run(ctx context.Context, env *bench.Env) []bench.Step {
	if opt.Tolerance <= 0 {
		opt.Tolerance = 16
	}
	if opt.AskTimeout <= 0 {
		opt.AskTimeout = 2 * time.Minute
	}
	start := time.Now()
	device := "display " + os.Getenv("DISPLAY")
	w, err := windowFor(env)
	if err != nil {
		return []bench.Step{{Device: device, Name: "window", Did: "opened the bench window", Verdict: bench.Fail, Code: "no-window", Detail: err.Error()}}
	}
	device = fmt.Sprintf("display %s (%d×%d)", os.Getenv("DISPLAY"), w.width, w.height)
	defer w.show(nil) // the next suite's instructions on a clean window
	img, err := w.captureScene(patternScene{})
	if err != nil {
		return []bench.Step{{Device: device, Name: "colour-bars", Did: "drew colour bars and read the screen back", Verdict: bench.Fail, Code: "no-capture", Detail: err.Error()}}
	}
	if opt.ChannelMask != 0 {
		maskChannels(img, opt.ChannelMask)
	}
	var evidence []string
	if path, err := writePNG(env, "display-pattern.png", img); err != nil {
		env.Logger().Warn("display: evidence", "err", err)
	} else if path != "" {
		evidence = []string{path}
	}
	layout := displayLayout(img.Bounds().Dx(), img.Bounds().Dy())
	captured := time.Since(start)
	steps := []bench.Step{
		opt.checkBars(device, img, layout),
		checkSteps(device, img, layout),
	}
	for i := range steps {
		steps[i].Evidence, steps[i].Duration = evidence, captured
	}
	return append(steps, opt.askPerson(ctx, env, device)...)
}

// maskChannels simulates a broken output on what was read back.
func maskChannels(img *image.RGBA, mask uint32) {
	m := [3]uint8{uint8(mask >> 16), uint8(mask >> 8), uint8(mask)}
	for i := 0; i < len(img.Pix); i += 4 {
		for c := range 3 {
			img.Pix[i+c] &= m[c]
		}
	}
}

// mean is the average colour of the middle half of a patch, away from its
// edges (antialiasing, a neighbour's bleed).
func mean(img *image.RGBA, r image.Rectangle) [3]float64 {
	in := image.Rect(r.Min.X+r.Dx()/4, r.Min.Y+r.Dy()/4, r.Max.X-r.Dx()/4, r.Max.Y-r.Dy()/4)
	var sum [3]float64
	n := 0
	for y := in.Min.Y; y < in.Max.Y; y++ {
		for x := in.Min.X; x < in.Max.X; x++ {
			o := img.PixOffset(x, y)
			for c := range 3 {
				sum[c] += float64(img.Pix[o+c])
			}
			n++
		}
	}
	for c := range sum {
		sum[c] /= float64(max(n, 1))
	}
	return sum
}

var channelNames = [3]string{"red", "green", "blue"}

// checkBars compares each bar read back with what was drawn.
func (opt DisplayOptions) checkBars(device string, img *image.RGBA, layout []patch) bench.Step {
	st := bench.Step{Device: device, Name: "colour-bars", Verdict: bench.Pass,
		Did: fmt.Sprintf("drew %d colour bars and read each back from the screen", len(bars))}
	var off []string
	// Per channel: the lowest reading where it should be full, the highest
	// where it should be off, to name a dead or stuck channel.
	lowest, highest := [3]float64{255, 255, 255}, [3]float64{}
	for _, p := range layout {
		if p.kind != "bar" {
			continue
		}
		got := mean(img, p.rect)
		want := [3]float64{float64(p.want.r), float64(p.want.g), float64(p.want.b)}
		worst := 0.0
		for c := range 3 {
			worst = max(worst, abs(got[c]-want[c]))
			if want[c] == 255 {
				lowest[c] = min(lowest[c], got[c])
			} else {
				highest[c] = max(highest[c], got[c])
			}
		}
		st.Measures = append(st.Measures, bench.Measure{Name: "error " + p.name, Value: round1(worst), Unit: "/255"})
		if worst > float64(opt.Tolerance) {
			off = append(off, fmt.Sprintf("%s reads #%02x%02x%02x", p.name, int(got[0]+0.5), int(got[1]+0.5), int(got[2]+0.5)))
		}
	}
	if len(off) == 0 {
		return st
	}
	st.Verdict, st.Code = bench.Fail, "colour-off"
	var broken []string
	for c := range 3 {
		switch {
		case lowest[c] < 64:
			broken = append(broken, channelNames[c]+" channel missing")
		case highest[c] > 192:
			broken = append(broken, channelNames[c]+" channel stuck on")
		}
	}
	if len(broken) > 0 {
		st.Code = "colour-channel"
		off = append(broken, off...)
	}
	st.Detail = fmt.Sprintf("%s (tolerance %d/255 per channel)", strings.Join(off, "; "), opt.Tolerance)
	return st
}

// checkSteps tells whether neighbouring grey steps read back distinct.
func checkSteps(device string, img *image.RGBA, layout []patch) bench.Step {
	st := bench.Step{Device: device, Name: "contrast-steps", Verdict: bench.Pass,
		Did: "drew grey steps (full ramp, near black, near white) and read back the difference between neighbours"}
	var merged []string
	for _, rp := range ramps {
		var prev *patch
		least := 255.0
		for i := range layout {
			p := &layout[i]
			if p.kind != rp.name {
				continue
			}
			if prev != nil {
				d := abs(luma(mean(img, p.rect)) - luma(mean(img, prev.rect)))
				least = min(least, d)
				if d < MinStepDelta {
					merged = append(merged, fmt.Sprintf("%s and %s differ by %.1f", prev.name, p.name, d))
				}
			}
			prev = p
		}
		st.Measures = append(st.Measures, bench.Measure{Name: "smallest step " + rp.name, Value: round1(least), Unit: "/255"})
	}
	if len(merged) > 0 {
		st.Verdict, st.Code = bench.Fail, "steps-merged"
		st.Detail = fmt.Sprintf("%s (at least %d/255 needed)", strings.Join(merged, "; "), MinStepDelta)
	}
	return st
}

func luma(c [3]float64) float64 { return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2] }

func abs(v float64) float64 { return max(v, -v) }

// askPerson has the person say what the panel shows: reading back the
// screen proves what was sent to it, not what it lights up.
func (opt DisplayOptions) askPerson(ctx context.Context, env *bench.Env, device string) []bench.Step {
	questions := []struct {
		name, did, question, code, failed string
		answers                           []string
	}{
		{"bars-seen", "asked how many distinct colour bars the person sees",
			"How many different colour bars do you see at the top?", "bars-merged", "the person sees %s bars, not 8",
			[]string{"8", "7", "6", "5 or fewer"}},
		{"steps-seen", "asked whether the person tells every grey square apart",
			"Can you tell every grey square apart, also the darkest and the lightest ones?", "steps-merged", "the person answered %q",
			[]string{"Yes, every one", "No, some look the same"}},
	}
	var steps []bench.Step
	for _, q := range questions {
		st := bench.Step{Device: device, Name: q.name, Did: q.did}
		if !env.Guide.Present() {
			st.Verdict, st.Detail = bench.Skip, "nobody at the bench: run guided to check what the panel shows"
			steps = append(steps, st)
			continue
		}
		start := time.Now()
		qctx, cancel := context.WithTimeout(ctx, opt.AskTimeout)
		i, err := env.Guide.Ask(qctx, q.question, q.answers...)
		cancel()
		st.Duration = time.Since(start)
		switch {
		case err != nil:
			st.Verdict, st.Detail = bench.Skip, fmt.Sprintf("no answer: %v", err)
		case i == 0:
			st.Verdict = bench.Pass
		default:
			st.Verdict, st.Code, st.Detail = bench.Fail, q.code, fmt.Sprintf(q.failed, q.answers[i])
		}
		steps = append(steps, st)
	}
	return steps
}
