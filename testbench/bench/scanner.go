package bench

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"borne/drivers/scanner"
	"borne/drivers/selftest"
)

func init() {
	Register(Suite{Name: "scanner", Help: "open, options read back, a scan per resolution and mode, the document feeder, image sanity", Run: runScanner})
}

// Resolutions and modes the suite scans at, when the scanner offers them:
// what the kiosk uses, and no more, to keep a run short.
var (
	benchResolutions = []int{150, 300}
	benchModes       = []scanner.Mode{scanner.Gray, scanner.Color}
)

const (
	scanTimeout = 2 * time.Minute // a 600-dpi colour page on a slow USB 1 scanner stays well within
	openTimeout = 20 * time.Second
)

func runScanner(ctx context.Context, env *Env) []Step {
	r := &recorder{env: env, suite: "scanner"}
	name := env.Config.Scanner.Device
	dev := "scanner " + name
	if name == "" {
		r.skip("scanner", "open", "open the scanner", "no scanner in the config ([scanner] device)")
		return r.steps
	}
	var d scanner.Device
	if r.do(dev, "open", "opened the scanner through SANE", func(st *Step) {
		octx, cancel := context.WithTimeout(ctx, openTimeout)
		defer cancel()
		var err error
		d, err = scanner.Open(octx, name)
		if err != nil {
			st.Fail(scanner.Describe(err).Code, "%v", err)
		}
	}) != Pass {
		return r.steps
	}
	defer d.Close()

	var settings map[string]scanner.Setting
	r.do(dev, "options", "read the scanner's options back", func(st *Step) {
		list, err := scanner.Settings(ctx, d)
		if err != nil {
			st.Fail(scanner.Describe(err).Code, "%v", err)
			return
		}
		settings = byName(list)
		st.Measure("options", float64(len(list)), "")
		for _, n := range []string{"mode", "resolution", "source"} {
			if s, ok := settings[n]; ok {
				st.Note("%s %s", n, describeSetting(s))
			}
		}
		env.save(st, "scanner-options.txt", func(w io.Writer) error {
			for _, s := range list {
				if _, err := fmt.Fprintf(w, "%s = %q  allowed: %s  active: %t\n", s.Name, s.Value, describeSetting(s), s.Active); err != nil {
					return err
				}
			}
			return nil
		})
	})

	if env.Sim == nil {
		hide := env.Guide.Show("Put the bench's test sheet face down on the scanner glass.")
		defer hide()
	}
	for _, res := range pickResolutions(settings) {
		for _, mode := range pickModes(settings) {
			step := fmt.Sprintf("scan-%ddpi-%s", res, mode)
			r.do(dev, step, fmt.Sprintf("scanned a page from the glass at %d dpi in %s", res, mode), func(st *Step) {
				opt := scanner.Options{Resolution: res, Mode: mode, Extra: env.simExtra()}
				pages := scanPages(ctx, env, d, opt, settings, st, step)
				if st.Verdict == "" && len(pages) != 1 {
					st.Fail("page-count", "%d pages from the glass, want 1", len(pages))
				}
			})
		}
	}

	fd, fdev, fsettings := d, dev, settings
	var ferr error
	if env.Sim != nil && env.Sim.Feeder != "" {
		// The simulated glass has no feeder: the feeder is another
		// scanner's, whose backend only runs safely in a child process.
		c := &childScanner{name: env.Sim.Feeder, env: env.Sim.saneEnv, log: env.Logger()}
		fd, fdev = c, "scanner "+c.name
		octx, cancel := context.WithTimeout(ctx, openTimeout)
		var list []scanner.Setting
		list, ferr = c.settings(octx)
		cancel()
		fsettings = byName(list)
	}
	src, feeder := fsettings["source"]
	var adf string
	if feeder {
		adf, feeder = pickFeeder(src.Choices)
	}
	if !feeder {
		why := "the scanner has no document feeder"
		switch {
		case ferr != nil:
			why = fmt.Sprintf("the feeder's options not read back: %v", ferr)
		case fsettings == nil:
			why = "the scanner's sources are unknown (options not read back)"
		}
		r.skip(fdev, "feeder-batch", "scanned every page in the document feeder", why)
		r.skip(fdev, "feeder-empty", "scanned from the empty feeder", why)
		return r.steps
	}
	r.do(fdev, "feeder-batch", fmt.Sprintf("scanned every page in the document feeder (%q) at 150 dpi in grey", adf), func(st *Step) {
		hide := env.Guide.Show("Put at least two pages in the scanner's document feeder.")
		defer hide()
		opt := scanner.Options{Resolution: 150, Mode: scanner.Gray, Source: scanner.ADF, Extra: env.Sim.feederExtra(false)}
		pages := scanPages(ctx, env, fd, opt, fsettings, st, "feeder")
		if st.Verdict == "" && len(pages) < 2 {
			st.Fail("feeder-short", "%d page from the feeder, want at least 2", len(pages))
		}
	})
	r.do(fdev, "feeder-empty", "scanned from the feeder once it was empty: the scanner must say so, in bounded time", func(st *Step) {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		start := time.Now()
		pages, err := fd.Scan(sctx, scanner.Options{Resolution: 150, Mode: scanner.Gray, Source: scanner.ADF, Extra: env.Sim.feederExtra(true)}, nil)
		st.Measure("answer", time.Since(start).Seconds(), "s")
		switch {
		case errors.Is(err, scanner.ErrNoDocuments):
			st.Note("the scanner said: %s", scanner.Describe(err).Code)
		case err != nil:
			st.Fail(scanner.Describe(err).Code, "an empty feeder gave %v, want no-documents", err)
		default:
			st.Fail("feeder-not-empty", "an empty feeder gave %d pages, want no-documents", len(pages))
		}
	})
	return r.steps
}

// byName indexes settings by name; nil for none.
func byName(list []scanner.Setting) map[string]scanner.Setting {
	if list == nil {
		return nil
	}
	m := make(map[string]scanner.Setting, len(list))
	for _, s := range list {
		m[s.Name] = s
	}
	return m
}

// scanPages scans with opt and checks each page, saving them as evidence
// named after prefix. A failure is recorded in st.
func scanPages(ctx context.Context, env *Env, d scanner.Device, opt scanner.Options, settings map[string]scanner.Setting, st *Step, prefix string) []scanner.Page {
	sctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	start := time.Now()
	pages, err := d.Scan(sctx, opt, nil)
	took := time.Since(start)
	st.Measure("time", took.Seconds(), "s")
	if len(pages) > 0 {
		st.Measure("time per page", took.Seconds()/float64(len(pages)), "s")
		st.Measure("pages", float64(len(pages)), "")
	}
	if err != nil {
		st.Fail(scanner.Describe(err).Code, "%v (after %d pages)", err, len(pages))
		return pages
	}
	for i, p := range pages {
		b := p.Image.Bounds()
		wantW, wantH := expectedSize(settings, p.DPI)
		c := selftest.CheckImage(p.Image, p.DPI, wantW, wantH)
		if i == 0 {
			st.Measure("width", float64(b.Dx()), "px")
			st.Measure("height", float64(b.Dy()), "px")
			st.Measure("dpi", float64(p.DPI), "dpi")
			st.Measure("mean level", c.Mean, "")
			st.Measure("level deviation", c.StdDev, "")
		}
		name := fmt.Sprintf("%s.png", prefix)
		if len(pages) > 1 {
			name = fmt.Sprintf("%s-page%02d.png", prefix, i+1)
		}
		// An unattended run on a kiosk may scan a page a resident left on
		// the glass: only the simulation's pages, or those a person at the
		// bench put there, are kept.
		if env.Sim != nil || env.Guide.Present() {
			env.save(st, name, func(w io.Writer) error { return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, p.Image) })
		}
		if c.Code != "" && st.Verdict == "" {
			st.Fail(c.Code, "page %d: %s", i+1, c.Detail)
		}
	}
	return pages
}

// simExtra is the simulated lobby's options for a scan from the glass;
// nil on real devices.
func (e *Env) simExtra() map[string]string {
	if e.Sim == nil {
		return nil
	}
	return maps.Clone(e.Sim.ScanExtra)
}

// feederExtra is the simulated lobby's options for a scan from the feeder,
// or from the feeder once empty; nil on real devices.
func (s *Sim) feederExtra(empty bool) map[string]string {
	if s == nil {
		return nil
	}
	out := map[string]string{}
	maps.Copy(out, s.FeederExtra)
	if empty {
		maps.Copy(out, s.EmptyFeeder)
	}
	return out
}

// expectedSize is the page size the scan area read back makes at dpi; 0
// when the scanner does not say its area (the pnm backend).
func expectedSize(s map[string]scanner.Setting, dpi int) (int, int) {
	num := func(n string) (float64, bool) {
		st, ok := s[n]
		if !ok || st.Unit != "mm" {
			return 0, false
		}
		v, err := strconv.ParseFloat(st.Value, 64)
		return v, err == nil
	}
	tlx, ok1 := num("tl-x")
	tly, ok2 := num("tl-y")
	brx, ok3 := num("br-x")
	bry, ok4 := num("br-y")
	if !ok1 || !ok2 || !ok3 || !ok4 || dpi <= 0 {
		return 0, 0
	}
	px := func(mm float64) int { return int((mm / 25.4) * float64(dpi)) }
	return px(brx - tlx), px(bry - tly)
}

// pickResolutions keeps the bench's resolutions the scanner offers; with
// no list or range read back, the bench's own (the driver takes the
// nearest).
func pickResolutions(s map[string]scanner.Setting) []int {
	res, ok := s["resolution"]
	if !ok {
		return benchResolutions
	}
	var out []int
	for _, r := range benchResolutions {
		if (res.Ranged() && float64(r) >= res.Min && float64(r) <= res.Max) || slices.Contains(res.Choices, strconv.Itoa(r)) {
			out = append(out, r)
		}
	}
	if len(out) == 0 { // a scanner with other steps: its nearest to 300
		return []int{300}
	}
	return out
}

// pickModes keeps the bench's modes the scanner offers; a scanner without
// a mode option scans as it is, which the driver takes as colour.
func pickModes(s map[string]scanner.Setting) []scanner.Mode {
	m, ok := s["mode"]
	if !ok || len(m.Choices) == 0 {
		return []scanner.Mode{scanner.Color}
	}
	var out []scanner.Mode
	for _, mode := range benchModes {
		for _, c := range m.Choices {
			if strings.Contains(strings.ToLower(c), string(mode)) || (mode == scanner.Color && strings.EqualFold(c, "colour")) {
				out = append(out, mode)
				break
			}
		}
	}
	return out
}

// pickFeeder finds the feeder among the sources.
func pickFeeder(sources []string) (string, bool) {
	for _, s := range sources {
		l := strings.ToLower(s)
		if strings.Contains(l, "adf") || strings.Contains(l, "feeder") {
			return s, true
		}
	}
	return "", false
}

func describeSetting(s scanner.Setting) string {
	switch {
	case len(s.Choices) > 0:
		return strings.Join(s.Choices, "|") + unitSuffix(s.Unit)
	case s.Ranged():
		return fmt.Sprintf("%g..%g%s", s.Min, s.Max, unitSuffix(s.Unit))
	}
	return "any"
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}
