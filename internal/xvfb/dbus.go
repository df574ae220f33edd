package xvfb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// SessionBus is a private D-Bus session bus: the accessibility bus (AT-SPI)
// that screen readers and the tests use starts from it.
type SessionBus struct {
	Address string
	pid     int
	dir     string
}

// StartSessionBus runs a session bus for this process tree. The
// accessibility bus it starts puts its socket in XDG_RUNTIME_DIR, else in
// ~/.cache/at-spi/bus_DISPLAY: a private runtime directory keeps two runs
// on the same display number (tests side by side, one left behind by a
// crash) from taking each other's socket, which made AT-SPI clients abort.
func StartSessionBus() (*SessionBus, error) {
	dir, err := os.MkdirTemp("", "borne-bus")
	if err != nil {
		return nil, fmt.Errorf("dbus: session bus: %w", err)
	}
	cmd := exec.Command("dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir)
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbus: session bus (is the dbus package installed?): %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	b := SessionBus{dir: dir}
	if sc.Scan() {
		b.Address = strings.TrimSpace(sc.Text())
	}
	if sc.Scan() {
		fmt.Sscan(sc.Text(), &b.pid)
	}
	if b.Address == "" || b.pid == 0 {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbus: session bus gave no address: %q", out)
	}
	return &b, nil
}

// Stop ends the bus and what it started (the accessibility bus launcher
// and its daemon outlive it otherwise): the forked daemon leads its own
// process group.
func (b *SessionBus) Stop() {
	target := b.pid
	if pgid, err := syscall.Getpgid(b.pid); err == nil && pgid == b.pid {
		target = -b.pid
	}
	_ = syscall.Kill(target, syscall.SIGTERM)
	os.RemoveAll(b.dir)
}
