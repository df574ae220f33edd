// Command kiosk is Borne's shell: the full-screen, locked-down window the
// residents use. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/gpio"
	"borne/internal/supervise"
	"borne/internal/xvfb"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/instance"
	"borne/kiosk/metrics"
	"borne/kiosk/scrub"
	"borne/kiosk/sdnotify"
	"borne/kiosk/session"
	"borne/kiosk/speech"
	"borne/kiosk/staff"
	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
	"borne/kiosk/visit"
	"borne/ui/shell"
)

// exitConfig is sysexits' EX_CONFIG: the unit does not restart in a loop on it.
const exitConfig = 78

// GTK must run on the main thread.
func init() { runtime.LockOSThread() }

func main() {
	// Before anything is allocated: the settings are read at start-up.
	if err := scrub.Reexec(); err != nil {
		slog.Warn("what residents type may stay in the kiosk's freed memory", "err", err)
	}
	code := run()
	if restartRequested.Load() && newRotation.Load() {
		slog.Info("config: the screen's rotation changed: exiting for the service to restart the compositor with it")
	} else if restartRequested.Load() {
		reexec()
	}
	os.Exit(code)
}

func run() int {
	start := time.Now()
	var (
		configPath = flag.String("config", "", "config file (default: the built-in simulated lobby)")
		stateDir   = flag.String("state-dir", "", "where the last valid config is kept (default: the config's state_dir)")
		windowed   = flag.Bool("windowed", false, "dev mode: a normal window that can be closed")
		shotsDir   = flag.String("shots", "", "save a PNG of every new screen in this folder")
		useXvfb    = flag.String("xvfb", "auto", "run on a virtual display: auto (when there is no display), always, never")
		check      = flag.Bool("check", false, "start, draw the attract screen, print the start-up time and exit")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(log)

	if *stateDir == "" {
		*stateDir = config.Default().StateDirPath()
	}
	cfg, fellBack, err := config.LoadOrLastGood(*configPath, *stateDir, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiosk: no valid configuration, not starting:\n%v\n", err)
		return exitConfig
	}
	if fellBack != nil {
		log.Error("config: file is invalid, running the last valid one", "file", *configPath, "err", fellBack)
	}

	lock, err := instance.Acquire(filepath.Join(cfg.StateDirPath(), "kiosk.lock"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiosk: %v\n", err)
		return 1
	}
	defer lock.Release()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	store, err := usage.Open(cfg.UsageDBPath())
	if err != nil {
		log.Error("usage store unavailable", "err", err)
		return 1
	}
	defer store.Close()
	rec := usage.NewRecorder(store, cfg.Kiosk.ID, cfg.Location(), log)
	rec.Retention = cfg.Usage.RetentionMonths
	// Every long-running part runs under a supervisor: logged when it
	// fails, restarted, waited for at exit. The usage recorder has its own,
	// stopped last, so that it keeps what the others record until they end.
	last := supervise.New(context.Background(), supervise.Options{Log: log})
	last.Go("usage-recorder", rec.Serve)
	defer last.Stop()
	sup := supervise.New(ctx, supervise.Options{Log: log})
	defer sup.Stop() // also on an early return
	if p, err := push.FromConfig(cfg, store, log); err != nil {
		log.Error("usage push to the collector is off", "err", err)
	} else if p != nil {
		sup.Go("usage-push", p.Serve)
	}

	root := cfg.Session.Dir
	if root == "" {
		var tmpfs bool
		root, tmpfs = session.DefaultRoot()
		if !tmpfs {
			log.Warn("no tmpfs for session data: using the disk, wiped at each end and at start-up", "dir", root)
		}
	}
	owner, err := session.LoadOwner(cfg.StateDirPath())
	if err != nil {
		log.Error("session: no owner token, not starting", "err", err)
		return 1
	}
	stats := metrics.New(metrics.Options{KioskID: cfg.Kiosk.ID, UsageDropped: rec.Dropped, UsageFailed: rec.Failed})
	stats.SetConfigFallback(fellBack != nil)
	if cfg.Metrics.Listen != config.MetricsOff {
		sup.Go("metrics", func(ctx context.Context) error { return stats.Serve(ctx, cfg.Metrics.Listen, log) })
	}
	// The window, once up: device and session callbacks run on other goroutines.
	var window atomic.Pointer[shell.Shell]
	var board *gpio.Devices
	var lastState session.State
	devices := openDevices(cfg, log)
	probes, tests := devices.probes(cfg)
	monitor := health.New(health.Options{Probes: probes, Tests: tests, Metrics: stats, Usage: rec, Log: log})
	visits := visit.NewHost(devices.visitOptions(visit.Options{
		PageQuota: cfg.Printer.PageQuota, Usage: rec, Log: log,
		Post: func(f func()) { glib.IdleAdd(f) },
		OnChange: func(v *visit.Visit, snap visit.Snapshot) {
			if sh := window.Load(); sh != nil {
				sh.ShowVisit(v, snap)
			}
		},
		Fault: monitor.Fault,
	}))
	mgr := session.NewManager(session.Options{
		Root: root, Owner: owner, IdleAfter: cfg.Session.IdleAfter.Duration, WarnFor: cfg.Session.WarnFor.Duration,
		ThanksFor: cfg.Session.ThanksFor.Duration, DefaultLanguage: cfg.Kiosk.DefaultLanguage,
		SkipLanguage: len(cfg.Kiosk.Languages) == 1, Comfort: session.Comfort{HighContrast: cfg.Screen.HighContrast},
		Usage: rec, Log: log, OnStart: visits.Begin, OnEnd: visits.End,
		OnChange: func(s session.Snapshot) {
			if s.State == session.Thanks && lastState != session.Thanks {
				stats.SessionEnded(string(s.Ended))
			}
			lastState = s.State
			showBeacon(board, s)
			if sh := window.Load(); sh != nil {
				sh.Post(s)
			}
		},
	})
	maint, err := staff.NewMaintenance(staff.MaintenanceOptions{
		PINHash: cfg.Staff.PINHash, StateDir: cfg.StateDirPath(), IdleTimeout: cfg.Staff.IdleTimeout.Duration, Log: log,
		OnChange: func(m staff.Snapshot) {
			stats.SetMaintenance(m.Mode == staff.Open, m.OutOfService)
			if sh := window.Load(); sh != nil {
				sh.PostStaff(m)
			}
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiosk: staff access: %v\n", err)
		return exitConfig
	}
	stats.SetMaintenance(false, maint.Snapshot().OutOfService)
	// The sensor reports at once, before the window exists: the last word is
	// kept for it.
	var present atomic.Pointer[bool]
	onPresence := func(someone bool) {
		present.Store(&someone)
		if sh := window.Load(); sh != nil {
			sh.Presence(someone)
		}
	}
	if board = openGPIO(cfg, mgr, maint.KeySwitch, onPresence, log); board != nil {
		sup.Go("gpio", board.Serve)
	}
	if _, err := mgr.Recover(); err != nil {
		log.Error("session: leftovers not wiped", "err", err)
	}

	if disp, err := virtualDisplay(*useXvfb, *shotsDir, log); err != nil {
		fmt.Fprintf(os.Stderr, "kiosk: %v\n", err)
		return 1
	} else if disp != nil {
		defer disp.Stop()
	}
	gtk.Init(nil)

	var speaker *speech.Speaker
	if speech.Available() {
		speaker = &speech.Speaker{Volume: 100}
	} else {
		log.Info("speech: no sound card or no espeak-ng: the listen button is hidden")
	}
	sup.Go("health", monitor.Serve)
	shellOpt := shell.Options{
		Config: cfg, Session: mgr, Visits: visits, Windowed: *windowed, ShotsDir: *shotsDir, Log: log, Speaker: speaker,
		Staff: &shell.Staff{Maintenance: maint, Health: monitor, Usage: store, PowerCycle: powerCycles(board),
			Restart: func() {
				log.Info("restart asked by staff")
				restartRequested.Store(true)
				gtk.MainQuit()
			}},
		OnReady: func() {
			log.Info("attract screen shown", "startup", time.Since(start).Round(time.Millisecond))
			if err := sdnotify.Ready(); err != nil {
				log.Warn("systemd: ready not sent", "err", err)
			}
			if *check {
				fmt.Printf("ready in %d ms\n", time.Since(start).Milliseconds())
				gtk.MainQuit()
			}
		},
	}
	devices.shellDevices(&shellOpt)
	sh, err := shell.New(shellOpt)
	if err != nil {
		log.Error("shell", "err", err)
		return 1
	}
	window.Store(sh)
	if p := present.Load(); p != nil {
		sh.Presence(*p)
	}
	if *configPath != "" {
		watchConfig(sup, *configPath, cfg, *stateDir, mgr, log)
	}
	sup.Go("restart-signal", func(ctx context.Context) error { restartOnSignal(ctx, mgr, log); return nil })
	// The watchdog is fed from the GTK main loop: a frozen screen stops the
	// heartbeats and systemd restarts the kiosk.
	if wd := sdnotify.NewWatchdog(sdnotify.WatchdogInterval(), log); wd != nil {
		sup.Go("watchdog", wd.Serve)
		glib.TimeoutAdd(uint(wd.BeatEvery().Milliseconds()), func() bool { wd.Heartbeat(); return true })
	}
	go func() {
		<-ctx.Done()
		glib.IdleAdd(gtk.MainQuit)
	}()
	gtk.Main()
	mgr.Close()
	// The last visit lets go of its web view on the main loop, then is
	// wiped and recorded: the loop runs until it is.
	go func() { visits.Wait(); glib.IdleAdd(gtk.MainQuit) }()
	gtk.Main()
	_ = sup.Stop() // it logs what overstayed
	flushCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rec.Flush(flushCtx); err != nil {
		log.Error("usage: events not flushed at exit", "err", err)
	}
	return 0
}

// virtualDisplay starts Xvfb when asked, or when there is no display and mode is auto.
func virtualDisplay(mode, shotsDir string, log *slog.Logger) (*xvfb.Display, error) {
	need := mode == "always" || mode == "auto" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == ""
	if !need {
		return nil, nil
	}
	d, err := xvfb.Start(1280, 800)
	if err != nil {
		return nil, err
	}
	os.Setenv("DISPLAY", d.Name)
	where := "pass --shots DIR to save a PNG of every screen"
	if shotsDir != "" {
		where = "a PNG of every new screen goes to " + shotsDir
	}
	log.Info("no display: running on a virtual one (Xvfb)", "display", d.Name, "screenshots", where)
	return d, nil
}
