package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"borne/kiosk/config"
	"borne/testbench/bench"
)

// openGuide opens the guided mode's window, in which a person follows the
// steps that need one; nil when this build has no guided mode (gui.go
// sets it). close shuts the window.
var openGuide func(ctx context.Context, log *slog.Logger) (guide bench.Guide, close func(), err error)

func init() {
	commands["run"] = command{
		usage: "[--config FILE] [--sim] [--fault KIND] [--out DIR] [--guided] [SUITE...]",
		help:  "run the bench's suites (all by default) on the devices of a kiosk config, or on the simulated lobby; writes report.json, report.html and junit.xml; exit 1 when a step failed",
		run:   runBench,
	}
}

// benchFlags are the flags run and soak share: which devices, where to.
type benchFlags struct {
	config, out, fault string
	sim, verbose       bool
}

func (b *benchFlags) register(fs *flag.FlagSet, out string) {
	fs.StringVar(&b.config, "config", "", "kiosk config naming the devices (default: built-in, the simulated lobby's)")
	fs.BoolVar(&b.sim, "sim", false, "start the simulated lobby and test it: SANE pnm backend (the glass) and test backend (the feeder, in child processes), ippeveprinter, virtual receipt printer, fake GPIO board")
	fs.StringVar(&b.fault, "fault", "", "with --sim, inject a fault: "+faultList())
	fs.StringVar(&b.out, "out", out, "write reports and evidence in this `directory`")
	fs.BoolVar(&b.verbose, "v", false, "log every step")
}

func faultList() string {
	var s []string
	for _, f := range bench.Faults {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// env sets up what the suites run against, starting the simulated lobby
// when asked; stop ends it. A usage error gives status 2.
func (b *benchFlags) env(ctx context.Context, name string) (env *bench.Env, stop func(), status int) {
	level := slog.LevelWarn
	if b.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if b.fault != "" && !b.sim {
		fmt.Fprintf(os.Stderr, "testbench %s: --fault needs --sim\n", name)
		return nil, nil, 2
	}
	if err := os.MkdirAll(b.out, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "testbench %s: %v\n", name, err)
		return nil, nil, 1
	}
	env = &bench.Env{OutDir: b.out, Guide: bench.Headless, Log: log}
	stop = func() {}
	if b.sim {
		if b.config != "" {
			fmt.Fprintf(os.Stderr, "testbench %s: --sim makes its own config; leave out --config\n", name)
			return nil, nil, 2
		}
		cfg, sim, err := bench.StartSim(ctx, filepath.Join(b.out, "lobby"), bench.Fault(b.fault), log)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testbench %s: %v\n", name, err)
			return nil, nil, 1
		}
		env.Config, env.Sim = cfg, sim
		stop = func() {
			if err := sim.Stop(); err != nil {
				log.Warn("simulated lobby: stop", "err", err)
			}
		}
		return env, stop, 0
	}
	cfg, err := config.Load(b.config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench %s: %v\n", name, err)
		return nil, nil, 2
	}
	env.Config = cfg
	return env, stop, 0
}

func runBench(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var b benchFlags
	b.register(fs, "bench-"+time.Now().Format("20060102-150405"))
	guided := fs.Bool("guided", false, "guide a person through the steps that need one, in a window")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if *guided && openGuide == nil {
		fmt.Fprintln(os.Stderr, "testbench run: this build has no guided mode (no display support): run without --guided")
		return 2
	}
	env, stop, status := b.env(ctx, "run")
	if env == nil {
		return status
	}
	defer stop()
	if *guided {
		g, closeGuide, err := openGuide(ctx, env.Log)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testbench run: guided mode: %v\n", err)
			return 1
		}
		defer closeGuide()
		env.Guide = g
	}
	rep, err := bench.Run(ctx, env, fs.Args()...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench run: %v\n", err)
		return 2
	}
	rep.Fault = b.fault
	if err := rep.WriteFiles(b.out); err != nil {
		fmt.Fprintf(os.Stderr, "testbench run: %v\n", err)
		return 1
	}
	printSummary(rep)
	fmt.Printf("reports: %s\n", filepath.Join(b.out, "report.html"))
	if errors.Is(ctx.Err(), context.Canceled) || rep.Failed() > 0 {
		return 1
	}
	return 0
}

// printSummary prints the verdict per device, then the failed steps.
func printSummary(rep *bench.Report) {
	for _, d := range rep.Devices() {
		codes := ""
		if len(d.Codes) > 0 {
			codes = " (" + strings.Join(d.Codes, ", ") + ")"
		}
		fmt.Printf("%-5s %-8s %s: %d passed, %d failed, %d skipped%s\n", strings.ToUpper(string(d.Verdict)), d.Suite, d.Device, d.Passed, d.Failed, d.Skip, codes)
	}
	for _, s := range rep.Suites {
		for _, st := range s.Steps {
			if st.Verdict == bench.Fail {
				fmt.Printf("  FAIL %s/%s on %s: %s: %s\n", s.Suite, st.Name, st.Device, st.Code, st.Detail)
			}
		}
	}
}
