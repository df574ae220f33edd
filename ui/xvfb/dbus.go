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
}

// StartSessionBus runs a session bus for this process tree.
func StartSessionBus() (*SessionBus, error) {
	out, err := exec.Command("dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1").Output()
	if err != nil {
		return nil, fmt.Errorf("dbus: session bus (is the dbus package installed?): %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	var b SessionBus
	if sc.Scan() {
		b.Address = strings.TrimSpace(sc.Text())
	}
	if sc.Scan() {
		fmt.Sscan(sc.Text(), &b.pid)
	}
	if b.Address == "" || b.pid == 0 {
		return nil, fmt.Errorf("dbus: session bus gave no address: %q", out)
	}
	return &b, nil
}

// Stop ends the bus.
func (b *SessionBus) Stop() {
	if p, err := os.FindProcess(b.pid); err == nil {
		_ = p.Signal(syscall.SIGTERM)
	}
}
