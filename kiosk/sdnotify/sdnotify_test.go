package sdnotify

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen makes a notify socket and points NOTIFY_SOCKET at it.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

func read(t *testing.T, conn *net.UnixConn, within time.Duration) (string, bool) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(within))
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}

func TestNotify(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if sent, err := Notify("READY=1"); sent || err != nil {
		t.Errorf("without systemd: %v, %v; want nothing sent", sent, err)
	}
	conn := listen(t)
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, conn, time.Second); got != "READY=1" {
		t.Errorf("got %q; want READY=1", got)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	if _, err := Notify("READY=1"); err == nil {
		t.Error("missing socket: no error")
	}
}

func TestWatchdogInterval(t *testing.T) {
	tests := []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"30000000", "", 30 * time.Second},
		{"30000000", strconv.Itoa(os.Getpid()), 30 * time.Second},
		{"30000000", strconv.Itoa(os.Getppid()), 30 * time.Second}, // under cage
		{"30000000", "1", 0}, // another process's watchdog
		{"zero", "", 0},
	}
	for _, tt := range tests {
		t.Setenv("WATCHDOG_USEC", tt.usec)
		t.Setenv("WATCHDOG_PID", tt.pid)
		if got := WatchdogInterval(); got != tt.want {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v; want %v", tt.usec, tt.pid, got, tt.want)
		}
	}
}

func TestWatchdogPingsOnlyWithHeartbeats(t *testing.T) {
	conn := listen(t)
	w := NewWatchdog(40*time.Millisecond, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Serve(ctx) }()

	w.Heartbeat()
	if got, ok := read(t, conn, time.Second); !ok || got != "WATCHDOG=1" {
		t.Fatalf("after a heartbeat: %q, %v; want WATCHDOG=1", got, ok)
	}
	// No heartbeat: the main loop is stuck, no ping for several periods.
	if got, ok := read(t, conn, 100*time.Millisecond); ok {
		t.Errorf("pinged %q without a heartbeat", got)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Serve returned %v", err)
	}

	var none *Watchdog // no watchdog configured: everything is a no-op
	none.Heartbeat()
	if NewWatchdog(0, nil) != nil || none.BeatEvery() != 0 {
		t.Error("a watchdog without interval")
	}
}
