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
	"syscall"

	"borne/kiosk/config"
	"borne/testbench/lobby"
)

func init() {
	commands["lobby"] = command{
		usage: "[--config FILE] [--addr HOST:PORT] [--kiosk-config FILE] [-- COMMAND ARGS...]",
		help:  "run the simulated lobby; with a command, run it inside the lobby and stop when it exits",
		run:   runLobby,
	}
}

func runLobby(args []string) int {
	fs := flag.NewFlagSet("lobby", flag.ContinueOnError)
	configPath := fs.String("config", "", "kiosk config whose catalogue the demo site serves (default: built-in)")
	addr := fs.String("addr", lobby.DemoAddr, "address of the demo public service")
	runDir := fs.String("run", "run", "where the simulated devices keep their files (printed jobs, tickets)")
	pagesDir := fs.String("pages", "testdata/pages", "sample pages the simulated scanner serves")
	kioskConfig := fs.String("kiosk-config", "", "write there the built-in kiosk config with the lobby's staff PIN set")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *kioskConfig != "" {
		if err := lobby.WriteKioskConfig(*kioskConfig); err != nil {
			fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
			return 1
		}
		log.Info("lobby: kiosk config written; staff screens: tap the top-left corner 5 times, PIN "+lobby.DemoStaffPIN, "file", *kioskConfig)
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- lobby.Serve(ctx, cfg, *addr, log) }()
	devices := lobby.StartDevices(ctx, *runDir, *pagesDir, log)
	defer devices.Stop()

	if fs.NArg() == 0 {
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
			return 1
		}
		return 0
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), devices.Env...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testbench lobby: %v\n", err)
		return 1
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-served:
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
