package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"borne/testbench/bench"
)

func init() {
	commands["soak"] = command{
		usage: "--cycles N | --duration D [--config FILE] [--sim] [--fault KIND] [--out DIR]",
		help:  "repeat scan, A4 print and ticket cycles; count failures per kind, rates, slowest steps; writes soak.json; exit 1 when a step failed",
		run:   runSoak,
	}
}

func runSoak(args []string) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	var b benchFlags
	b.register(fs, "soak-"+time.Now().Format("20060102-150405"))
	cycles := fs.Int("cycles", 0, "stop after this many cycles")
	duration := fs.Duration("duration", 0, "stop after this long, e.g. 8h")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*cycles <= 0 && *duration <= 0) || *cycles < 0 || *duration < 0 {
		fmt.Fprintln(os.Stderr, "testbench soak: give --cycles N or --duration D (or both: the first reached ends it)")
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	env, stop, status := b.env(ctx, "soak")
	if env == nil {
		return status
	}
	defer stop()
	every := time.Now()
	res, err := bench.Soak(ctx, env, bench.SoakOptions{Cycles: *cycles, Duration: *duration, Progress: func(n int, elapsed time.Duration) {
		if time.Since(every) > 10*time.Second {
			every = time.Now()
			fmt.Fprintf(os.Stderr, "soak: %d cycles in %v\n", n, elapsed.Round(time.Second))
		}
	}})
	if res == nil {
		fmt.Fprintf(os.Stderr, "testbench soak: %v\n", err)
		return 1
	}
	fmt.Printf("%d cycles in %v (%.2f cycles/s); live heap %d kB → %d kB (peak %d kB)\n", res.Cycles, res.Elapsed.Round(time.Millisecond),
		res.CyclesPerSecond, res.HeapStart>>10, res.HeapEnd>>10, res.HeapPeak>>10)
	for _, s := range res.Steps {
		fmt.Printf("%-15s %s: %d runs, %d failed (%.2f %%)%s, mean %v, slowest %v\n", s.Step, s.Device, s.Runs, s.Failed, 100*s.Rate,
			failureCodes(s.Codes), s.Mean.Round(time.Millisecond), s.Slowest.Round(time.Millisecond))
	}
	fmt.Println("slowest steps:")
	for _, st := range res.Slowest {
		fmt.Printf("  %-15s %v %s %s\n", st.Name, st.Duration.Round(time.Millisecond), st.Verdict, st.Code)
	}
	out := filepath.Join(b.out, "soak.json")
	data, _ := json.MarshalIndent(res, "", "  ") // plain numbers and strings: cannot fail
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "testbench soak: %v\n", err)
		return 1
	}
	fmt.Printf("report: %s\n", out)
	if err != nil || res.Failed() > 0 {
		return 1
	}
	return 0
}

// failureCodes says how many failures each code had: " (jammed 3, timeout 1)".
func failureCodes(codes map[string]int) string {
	if len(codes) == 0 {
		return ""
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		parts = append(parts, fmt.Sprintf("%s %d", c, codes[c]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
