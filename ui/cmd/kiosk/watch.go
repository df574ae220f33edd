package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/internal/supervise"
	"borne/kiosk/config"
	"borne/kiosk/session"
)

// restartRequested is set when a new valid config waits to be applied.
var restartRequested atomic.Bool

// newRotation is set when the new config turns the screen: cage's flags and
// the touch calibration are set before cage starts (kioskctl system screen,
// the unit's ExecStartPre), so the kiosk exits and systemd restarts the unit.
var newRotation atomic.Bool

// watchConfig applies a changed config by restarting the kiosk between two
// residents (a fresh process applies every setting the same way start-up
// does). An invalid file is reported and the running config stays.
func watchConfig(sup *supervise.Supervisor, path string, cfg *config.Config, stateDir string, mgr *session.Manager, log *slog.Logger) {
	changed := make(chan struct{}, 1)
	w := config.NewWatcher(path, cfg, stateDir, log, func(next *config.Config) {
		if next.Screen.Rotation != cfg.Screen.Rotation {
			newRotation.Store(true)
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	sup.Go("config-watcher", w.Serve)
	sup.Go("config-restart", func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
		log.Info("config: new valid file; restarting as soon as nobody is using the kiosk", "file", path)
		restartWhenIdle(ctx, mgr)
		return nil
	})
}

// restartOnSignal restarts on SIGHUP ("kioskctl restart"), between residents.
func restartOnSignal(ctx context.Context, mgr *session.Manager, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	select {
	case <-ctx.Done():
		return
	case <-hup:
	}
	log.Info("restart asked; restarting as soon as nobody is using the kiosk")
	restartWhenIdle(ctx, mgr)
}

// restartWhenIdle waits for the attract screen, then ends the main loop for
// a fresh start.
func restartWhenIdle(ctx context.Context, mgr *session.Manager) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for mgr.Snapshot().State != session.Attract {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	restartRequested.Store(true)
	glib.IdleAdd(gtk.MainQuit)
}

// reexec replaces the process with a fresh copy of itself.
func reexec() {
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, os.Environ())
	}
	slog.Error("config: restart failed", "err", err)
	os.Exit(1)
}
