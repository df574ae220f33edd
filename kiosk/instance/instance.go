// Package instance makes sure one kiosk runs at a time on a machine: two
// shells would fight over the screen, the devices and the session directory.
package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrRunning says another instance holds the lock.
var ErrRunning = errors.New("another Borne kiosk is already running")

// Lock is a held single-instance lock; it is released when the process ends.
type Lock struct{ f *os.File }

// Acquire takes the lock file at path, or fails with ErrRunning naming the holder's pid.
func Acquire(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		data, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (pid %s, lock %s)", ErrRunning, strings.TrimSpace(string(data)), path)
		}
		return nil, fmt.Errorf("instance: lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
}

// Release gives the lock back.
func (l *Lock) Release() { _ = l.f.Close() }
