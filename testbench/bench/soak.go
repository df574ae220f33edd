package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/drivers/selftest"
)

// SoakOptions bound a soak: Cycles, or Duration, or both (whichever ends
// first); at least one.
type SoakOptions struct {
	Cycles   int
	Duration time.Duration
	// Progress, if set, is called after each cycle.
	Progress func(cycle int, elapsed time.Duration)
}

// StepStats are one kind of step over a soak.
type StepStats struct {
	Step    string         `json:"step"` // "scanner/scan", "a4/print", "receipt/ticket"
	Device  string         `json:"device"`
	Runs    int            `json:"runs"`
	Failed  int            `json:"failed"`
	Rate    float64        `json:"failure_rate"` // Failed/Runs
	Codes   map[string]int `json:"codes,omitempty"`
	Mean    time.Duration  `json:"mean_ns"`
	Slowest time.Duration  `json:"slowest_ns"`
	total   time.Duration
}

// SoakResult is what a soak found. It holds sums and a few slowest steps,
// never every step, so that a soak of days runs in bounded memory.
type SoakResult struct {
	Cycles          int           `json:"cycles"`
	Elapsed         time.Duration `json:"elapsed_ns"`
	CyclesPerSecond float64       `json:"cycles_per_second"`
	Steps           []StepStats   `json:"steps"`
	Slowest         []Step        `json:"slowest"` // the slowest steps, slowest first
	// The live heap after a collection, in bytes: after the first cycle
	// (the start), at the end, and the most seen between.
	HeapStart uint64 `json:"heap_start_bytes"`
	HeapEnd   uint64 `json:"heap_end_bytes"`
	HeapPeak  uint64 `json:"heap_peak_bytes"`
}

// Failed counts the failed steps.
func (r *SoakResult) Failed() int {
	n := 0
	for _, s := range r.Steps {
		n += s.Failed
	}
	return n
}

const keepSlowest = 10

// Soak repeats a scan, an A4 print and a ticket, on the devices the config
// names, for opt's cycles or duration, and counts what failed and how.
func Soak(ctx context.Context, env *Env, opt SoakOptions) (*SoakResult, error) {
	if opt.Cycles <= 0 && opt.Duration <= 0 {
		return nil, errors.New("soak: give a number of cycles or a duration")
	}
	quiet := *env
	quiet.OutDir = "" // no evidence: a soak of days would fill the disk
	quiet.Log = nil
	var kinds []soakKind
	closeAll := func() {}
	if name := env.Config.Scanner.Device; name != "" {
		d, err := scanner.Open(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("soak: scanner %s: %w", name, err)
		}
		closeAll = func() { d.Close() }
		kinds = append(kinds, soakKind{"scanner/scan", "scanner " + name, func(st *Step) {
			st.take(selftest.ScanWith(ctx, d, scanner.Options{Resolution: 150, Mode: scanner.Gray, Extra: quiet.simExtra()}))
		}})
	}
	defer func() { closeAll() }()
	if uri := env.Config.Printer.URI; uri != "" {
		c, err := printer.Open(uri, printer.Options{PollEvery: 50 * time.Millisecond, Log: quiet.Logger()})
		if err != nil {
			return nil, fmt.Errorf("soak: printer: %w", err)
		}
		dir, err := os.MkdirTemp("", "borne-soak-")
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		defer os.RemoveAll(dir)
		pdf := filepath.Join(dir, "testpage.pdf")
		if err := selftest.WriteTestPage(pdf, "Borne — soak"); err != nil {
			return nil, err
		}
		kinds = append(kinds, soakKind{"a4/print", uri, func(st *Step) {
			pctx, cancel := context.WithTimeout(ctx, printTimeout)
			defer cancel()
			st.take(selftest.PrintFile(pctx, c, pdf))
		}})
	}
	if ropt, ok := receipt.ConfigOptions(env.Config.Receipt, quiet.Logger()); ok {
		p := receipt.New(ropt)
		// A short ticket, not the test ticket: a soak of days must not
		// spend its time drawing logos.
		var doc receipt.Doc
		doc.Text("Borne — soak", receipt.Style{Bold: true})
		doc.Text("àéèçù €", receipt.Style{})
		doc.QR("https://www.service-public.fr/")
		dev := ropt.Link.Device + ropt.Link.TCP
		kinds = append(kinds, soakKind{"receipt/ticket", dev, func(st *Step) { st.take(selftest.PrintTicket(ctx, p, &doc)) }})
	}
	if len(kinds) == 0 {
		return nil, errors.New("soak: the config names no scanner, A4 printer or ticket printer")
	}

	res := &SoakResult{Steps: make([]StepStats, len(kinds))}
	for i, k := range kinds {
		res.Steps[i] = StepStats{Step: k.step, Device: k.device, Codes: map[string]int{}}
	}
	start := time.Now()
	var deadline <-chan time.Time
	if opt.Duration > 0 {
		t := time.NewTimer(opt.Duration)
		defer t.Stop()
		deadline = t.C
	}
	heapCheck := max(1, opt.Cycles/20)
cycles:
	for n := 1; opt.Cycles <= 0 || n <= opt.Cycles; n++ {
		for i, k := range kinds {
			st := Step{Device: k.device, Name: k.step}
			t := time.Now()
			k.run(&st)
			st.Duration = time.Since(t)
			if st.Verdict == "" {
				st.Verdict = Pass
			}
			res.add(i, st)
		}
		res.Cycles = n
		if n == 1 {
			res.HeapStart = liveHeap()
			res.HeapPeak = res.HeapStart
		} else if n%heapCheck == 0 {
			res.HeapPeak = max(res.HeapPeak, liveHeap())
		}
		if opt.Progress != nil {
			opt.Progress(n, time.Since(start))
		}
		select {
		case <-ctx.Done():
			break cycles
		case <-deadline:
			break cycles
		default:
		}
	}
	res.Elapsed = time.Since(start)
	res.CyclesPerSecond = float64(res.Cycles) / res.Elapsed.Seconds()
	res.HeapEnd = liveHeap()
	res.HeapPeak = max(res.HeapPeak, res.HeapEnd)
	for i := range res.Steps {
		s := &res.Steps[i]
		if s.Runs > 0 {
			s.Rate = float64(s.Failed) / float64(s.Runs)
			s.Mean = s.total / time.Duration(s.Runs)
		}
	}
	return res, ctx.Err()
}

type soakKind struct {
	step, device string
	run          func(st *Step)
}

// add counts a step and keeps it if it is among the slowest.
func (r *SoakResult) add(i int, st Step) {
	s := &r.Steps[i]
	s.Runs++
	s.total += st.Duration
	s.Slowest = max(s.Slowest, st.Duration)
	if st.Verdict == Fail {
		s.Failed++
		s.Codes[st.Code]++
	}
	if len(r.Slowest) < keepSlowest || st.Duration > r.Slowest[len(r.Slowest)-1].Duration {
		st.Measures = nil // the figures of one step do not matter here
		at, _ := slices.BinarySearchFunc(r.Slowest, st.Duration, func(s Step, d time.Duration) int { return int(d - s.Duration) })
		r.Slowest = slices.Insert(r.Slowest, at, st)
		if len(r.Slowest) > keepSlowest {
			r.Slowest = r.Slowest[:keepSlowest]
		}
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
