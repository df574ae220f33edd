// Package sdnotify speaks systemd's notify protocol: READY=1 once the
// attract screen is up, and WATCHDOG=1 pings while the kiosk's main loop
// runs, so that systemd restarts a kiosk that hangs (Type=notify,
// WatchdogSec= in the unit). Outside systemd every call does nothing.
package sdnotify

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Notify sends state (e.g. "READY=1", "STATUS=…") to $NOTIFY_SOCKET. sent
// is false, with no error, when there is no socket: not run by systemd.
func Notify(state string) (sent bool, err error) {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return false, nil
	}
	if name[0] == '@' { // an abstract socket
		name = "\x00" + name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	return true, nil
}

// Ready tells systemd the kiosk is up: call it once the attract screen shows.
func Ready() error {
	_, err := Notify("READY=1")
	return err
}

// Stopping tells systemd the kiosk is stopping on purpose.
func Stopping() error {
	_, err := Notify("STOPPING=1")
	return err
}

// WatchdogInterval is how often systemd wants a WATCHDOG=1 ping, or 0 when
// it watches nothing. WATCHDOG_PID names the unit's main process: under
// cage that is cage, the kiosk's parent, whose pings systemd takes with
// NotifyAccess=all.
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if p := os.Getenv("WATCHDOG_PID"); p != "" {
		pid, err := strconv.Atoi(p)
		if err != nil || pid != os.Getpid() && pid != os.Getppid() {
			return 0
		}
	}
	return time.Duration(usec) * time.Microsecond
}

// Watchdog pings systemd only while something proves the kiosk alive: a
// goroutine alone would keep pinging with the GTK main loop stuck.
type Watchdog struct {
	interval time.Duration
	log      *slog.Logger
	beat     atomic.Bool // a heartbeat came since the last ping
}

// NewWatchdog returns a watchdog for interval (WatchdogInterval()); nil
// when interval is 0, and a nil *Watchdog does nothing.
func NewWatchdog(interval time.Duration, log *slog.Logger) *Watchdog {
	if interval <= 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	return &Watchdog{interval: interval, log: log}
}

// BeatEvery is how often Heartbeat must be called: from a timer of the
// GTK main loop (glib.TimeoutAdd).
func (w *Watchdog) BeatEvery() time.Duration {
	if w == nil {
		return 0
	}
	return w.interval / 4
}

// Heartbeat says the main loop is alive.
func (w *Watchdog) Heartbeat() {
	if w != nil {
		w.beat.Store(true)
	}
}

// Serve pings systemd every half interval when a heartbeat came since the
// last ping, until ctx ends; it returns ctx.Err().
func (w *Watchdog) Serve(ctx context.Context) error {
	if w == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	t := time.NewTicker(w.interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if !w.beat.Swap(false) {
			w.log.Warn("sdnotify: no heartbeat from the main loop: not pinging the watchdog")
			continue
		}
		if _, err := Notify("WATCHDOG=1"); err != nil {
			w.log.Warn("sdnotify: watchdog ping failed", "err", err)
		}
	}
}
