package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"borne/kiosk/config"
	"borne/testbench/lobby"
)

func init() {
	commands["lobby"] = command{
		usage: "[--run DIR] [--config FILE] [--addr HOST:PORT] [--kiosk-config FILE] [-- COMMAND ARGS...]",
		help:  "run the simulated lobby; with a command, run it inside the lobby and stop when it exits ({run} in it: the lobby's run directory)",
		run:   runLobby,
	}
}

func runLobby(args []string) int {
	fs := flag.NewFlagSet("lobby", flag.ContinueOnError)
	configPath := fs.String("config", "", "kiosk config whose catalogue the demo site serves (default: built-in)")
	addr := fs.String("addr", "127.0.0.1:0", "address of the demo public service (default: a free port)")
	runDir := fs.String("run", "run", "where the lobby keeps its files (printed jobs, tickets, state); taken by another lobby: RUN-2, RUN-3…")
	pagesDir := fs.String("pages", "testdata/pages", "sample pages the simulated scanner serves")
	kioskConfig := fs.String("kiosk-config", "{run}/kiosk.toml", "write there the built-in kiosk config pointed at this lobby, staff PIN set")
	showPrints := fs.Bool("show-prints", true, "keep the A4 jobs in RUN/printer until the lobby stops")
	esclScanner := fs.Bool("escl", false, "the kiosk scans from the lobby's network scanner (eSCL, through sane-airscan) instead of SANE's pnm backend")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	l, err := lobby.Start(ctx, lobby.Options{RunDir: *runDir, PagesDir: *pagesDir, Catalogue: cfg, DemoAddr: *addr,
		ShowPrints: *showPrints, ESCL: *esclScanner, Log: log})
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 1
	}
	defer l.Stop()
	// {run} in the kiosk config's path and in the command stands for the
	// run directory this lobby got.
	inRun := func(s string) string { return strings.ReplaceAll(s, "{run}", l.Dir) }
	if *kioskConfig != "" {
		path := inRun(*kioskConfig)
		if err := l.WriteKioskConfig(path); err != nil {
			fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
			return 1
		}
		log.Info("lobby: kiosk config written; staff screens: tap the top-left corner 5 times, PIN "+lobby.DemoStaffPIN, "file", path)
	}

	if fs.NArg() == 0 {
		if err := <-l.Done(); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
			return 1
		}
		return 0
	}
	argv := make([]string, fs.NArg())
	for i, a := range fs.Args() {
		argv[i] = inRun(a)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), l.Env...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 1
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-l.Done():
		if ctx.Err() != nil { // Ctrl+C or SIGTERM: pass it on, so the kiosk wipes and flushes
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return exitStatus(<-waited)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-waited
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 1
	case err := <-waited:
		return exitStatus(err)
	}
}

func exitStatus(err error) int {
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		return 1
	}
	return 0
}
