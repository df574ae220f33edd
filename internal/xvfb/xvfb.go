// Package xvfb starts a virtual X display, for running the kiosk (and its
// tests) on machines without a screen.
package xvfb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Display is a running Xvfb server.
type Display struct {
	Name string // e.g. ":99", for DISPLAY
	cmd  *exec.Cmd
}

// Start runs Xvfb on the first free display with a screen of the given size
// and waits until it accepts clients.
func Start(width, height int) (*Display, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("xvfb: pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp", "-dpi", "96")
	cmd.ExtraFiles = []*os.File{w}
	// Its own process group: a Ctrl+C meant for the kiosk must not pull the
	// display from under it before it has wiped the session. Pdeathsig: never
	// outlive the kiosk or the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("xvfb: start (is the xvfb package installed?): %w", err)
	}
	w.Close()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case n := <-lines:
		if n == "" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("xvfb: exited before giving a display number")
		}
		return &Display{Name: ":" + n, cmd: cmd}, nil
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("xvfb: no display after 15 s")
	}
}

// Stop ends the server.
func (d *Display) Stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	_ = d.cmd.Wait()
}
