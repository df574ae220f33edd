package config

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultWatchInterval is how often a Watcher looks at the file.
const DefaultWatchInterval = 2 * time.Second

// Watcher reloads the configuration file when it changes. A valid new file
// replaces the current configuration (and becomes the last good copy); an
// invalid one is logged and ignored, so a typo never takes a kiosk down.
// Polling, rather than inotify, survives editors that replace the file and
// needs no extra dependency.
type Watcher struct {
	Interval time.Duration // between looks at the file; 0 means DefaultWatchInterval

	path, stateDir string
	log            *slog.Logger
	onChange       func(*Config)

	// Only Serve's goroutine touches these.
	seen    fileState
	seenErr error // what parsing the seen content gave

	mu      sync.Mutex
	current *Config
	lastErr error
}

// fileState tells whether the file changed: mtime and size are cheap to
// check; the hash spares a reload when a file is only touched.
type fileState struct {
	mtime time.Time
	size  int64
	sum   [sha256.Size]byte
}

// NewWatcher watches path, starting from current (what the kiosk runs now).
// onChange is called from Serve's goroutine with each new valid configuration.
func NewWatcher(path string, current *Config, stateDir string, log *slog.Logger, onChange func(*Config)) *Watcher {
	w := &Watcher{path: path, stateDir: stateDir, log: log, onChange: onChange, current: current}
	// The content already loaded is the baseline: only changes count.
	if st, data, err := w.read(); err == nil {
		w.seen = st
		_, w.seenErr = Parse(data, path)
	} else {
		w.seenErr = err
	}
	w.lastErr = w.seenErr
	return w
}

// Current is the configuration in force.
func (w *Watcher) Current() *Config {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}

// LastError is why the file on disk is not the configuration in force, or
// nil when it is.
func (w *Watcher) LastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// Serve polls the file until ctx ends, and returns ctx.Err().
func (w *Watcher) Serve(ctx context.Context) error {
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			w.poll()
		}
	}
}

func (w *Watcher) read() (fileState, []byte, error) {
	fi, err := os.Stat(w.path)
	if err != nil {
		return fileState{}, nil, fmt.Errorf("config: %w", err)
	}
	data, err := readFile(w.path)
	if err != nil {
		return fileState{}, nil, err
	}
	return fileState{mtime: fi.ModTime(), size: fi.Size(), sum: sha256.Sum256(data)}, data, nil
}

func (w *Watcher) poll() {
	if fi, err := os.Stat(w.path); err == nil && fi.ModTime().Equal(w.seen.mtime) && fi.Size() == w.seen.size {
		return
	}
	st, data, err := w.read()
	if err != nil { // e.g. an editor between delete and create
		if prev := w.LastError(); prev == nil || prev.Error() != err.Error() {
			w.log.Error("config: cannot read the file, keeping the current configuration", "err", err)
		}
		w.setLastError(err)
		w.seen.mtime, w.seen.size = time.Time{}, -1 // read it in full when it is back
		return
	}
	changed := st.sum != w.seen.sum
	w.seen = st
	if !changed {
		w.setLastError(w.seenErr)
		return
	}
	cfg, err := Parse(data, w.path)
	w.seenErr = err
	if err != nil {
		logProblems(w.log, err)
		w.log.Warn("config: the new file is not valid, keeping the current configuration", "file", w.path)
		w.setLastError(err)
		return
	}
	if w.stateDir != "" {
		if err := saveLastGood(w.stateDir, data); err != nil {
			w.log.Warn("config: cannot keep a copy of the valid configuration", "err", err)
		}
	}
	w.mu.Lock()
	w.current, w.lastErr = cfg, nil
	w.mu.Unlock()
	w.log.Info("config: reloaded", "file", w.path)
	w.onChange(cfg)
}

func (w *Watcher) setLastError(err error) {
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
}
