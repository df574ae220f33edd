package config

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the watcher's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger() (*slog.Logger, *syncBuffer) {
	var b syncBuffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

// writeFile replaces path's content at once, as editors that save through
// a rename do: the watcher must never catch it half-written.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrLastGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "borne.toml")
	state := filepath.Join(dir, "state")
	log, logs := testLogger()

	// A valid file is used and kept as the last good copy.
	writeFile(t, path, base)
	cfg, fellBack, err := LoadOrLastGood(path, state, log)
	if err != nil || fellBack != nil || cfg.Kiosk.ID != "test-01" {
		t.Fatalf("valid file: %v, %v, %v", cfg, fellBack, err)
	}
	lastGood := filepath.Join(state, LastGoodFile)
	saved, err := os.ReadFile(lastGood)
	if err != nil || string(saved) != base {
		t.Fatalf("last good copy: %v", err)
	}
	if fi, _ := os.Stat(lastGood); fi.Mode().Perm() != 0o600 {
		t.Errorf("last good copy mode %v", fi.Mode().Perm())
	}

	// A broken file: the last good copy is used, and we are told why.
	writeFile(t, path, edit(t, `"5 MB"`, `"5 XB"`, `dpi = 96`, `dpi = 9`))
	cfg, fellBack, err = LoadOrLastGood(path, state, log)
	if err != nil || cfg == nil || cfg.Kiosk.ID != "test-01" {
		t.Fatalf("broken file: %v, %v", cfg, err)
	}
	var errs *Errors
	if !errors.As(fellBack, &errs) || len(*errs) != 2 {
		t.Fatalf("fellBack = %v", fellBack)
	}
	out := logs.String()
	for _, want := range []string{"line=26 field=service[0].upload_limit", "line=9 field=screen.dpi", "file=" + path} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if saved, _ := os.ReadFile(lastGood); string(saved) != base {
		t.Error("a broken file replaced the last good copy")
	}

	// A missing file falls back too.
	os.Remove(path)
	if cfg, fellBack, err = LoadOrLastGood(path, state, log); err != nil || fellBack == nil || cfg == nil {
		t.Errorf("missing file: %v, %v, %v", cfg, fellBack, err)
	}

	// Broken, and no last good copy: no configuration at all.
	writeFile(t, path, "[kiosk\n")
	cfg, _, err = LoadOrLastGood(path, filepath.Join(dir, "empty-state"), log)
	if err == nil || cfg != nil || !errors.As(err, &errs) || (*errs)[0].Line != 1 {
		t.Errorf("broken without last good: %v, %v", cfg, err)
	}

	// The built-in default needs no file.
	if cfg, fellBack, err = LoadOrLastGood("", state, log); err != nil || fellBack != nil || cfg.Kiosk.ID != "demo-01" {
		t.Errorf("default: %v, %v, %v", cfg, fellBack, err)
	}
}

func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "borne.toml")
	state := filepath.Join(dir, "state")
	writeFile(t, path, base)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testLogger()
	changes := make(chan *Config, 4)
	w := NewWatcher(path, cfg, state, log, func(c *Config) { changes <- c })
	w.Interval = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Serve(ctx) }()

	// Touching the file without changing it is not a change.
	now := time.Now().Add(time.Second)
	os.Chtimes(path, now, now)

	// A valid change is applied and kept as the last good copy.
	changed := edit(t, `site = "Test"`, `site = "Hall B"`)
	writeFile(t, path, changed)
	select {
	case c := <-changes:
		if c.Kiosk.Site != "Hall B" || w.Current() != c || w.LastError() != nil {
			t.Errorf("after a valid change: %q, %v", c.Kiosk.Site, w.LastError())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no onChange after a valid change")
	}
	if saved, _ := os.ReadFile(filepath.Join(state, LastGoodFile)); string(saved) != changed {
		t.Error("the valid change was not kept as the last good copy")
	}

	// An invalid change is logged and ignored.
	writeFile(t, path, edit(t, `retention_months = 13`, `retention_months = 40`))
	deadline := time.Now().Add(5 * time.Second)
	for w.LastError() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	var errs *Errors
	if !errors.As(w.LastError(), &errs) || (*errs)[0].Field != "usage.retention_months" {
		t.Fatalf("LastError = %v", w.LastError())
	}
	if w.Current().Kiosk.Site != "Hall B" {
		t.Error("an invalid file replaced the configuration")
	}
	if !strings.Contains(logs.String(), "field=usage.retention_months") {
		t.Errorf("the problem was not logged:\n%s", logs.String())
	}

	// Fixing the file clears the error.
	writeFile(t, path, changed+"\n")
	select {
	case <-changes:
		if w.LastError() != nil {
			t.Errorf("LastError after the fix: %v", w.LastError())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no onChange after the fix")
	}

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve returned %v", err)
	}
	select {
	case c := <-changes:
		t.Errorf("unexpected change: %v", c.Kiosk)
	default:
	}
}

func TestWatcherStartsFromBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "borne.toml")
	writeFile(t, path, "[kiosk]\nid = 1\n")
	w := NewWatcher(path, Default(), "", slog.New(slog.DiscardHandler), func(*Config) {})
	if w.LastError() == nil {
		t.Error("a broken file at start must show in LastError")
	}
}
