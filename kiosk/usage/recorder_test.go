package usage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

// serve runs rec.Serve until the test ends and checks how it returned.
func serve(t *testing.T, rec *Recorder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := rec.Serve(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v, want context.Canceled", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// within fails the test if f does not return within d: the proof that a
// call does not block.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

func TestRecordNeverBlocksAndCountsDrops(t *testing.T) {
	s, _ := openTemp(t)
	rec := NewRecorder(s, "k1", time.UTC, quiet) // not served: nothing drains the queue
	const extra = 100
	within(t, 5*time.Second, "Record on a full queue", func() {
		for i := range QueueSize + extra {
			rec.Record(Event{Session: uint32(i), Kind: SessionStart})
		}
	})
	if got := rec.Dropped(); got != extra {
		t.Errorf("Dropped() = %d, want %d", got, extra)
	}
	// What was queued is written once Serve runs.
	serve(t, rec)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s); n != QueueSize {
		t.Errorf("%d rows, want %d", n, QueueSize)
	}
}

func TestRecordAndFlushWhileStoreLocked(t *testing.T) {
	s, path := openTemp(t)
	rec := NewRecorder(s, "k1", time.UTC, quiet)
	serve(t, rec)

	// Another connection (as kioskctl purging would) holds the write lock.
	other, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	within(t, time.Second, "Record with the store locked", func() {
		for i := range 10 {
			rec.Record(Event{Session: uint32(i), Kind: SessionStart})
		}
	})
	flushed := make(chan error, 1)
	go func() { flushed <- rec.Flush(ctx) }()
	select {
	case err := <-flushed:
		t.Fatalf("Flush returned (%v) while the events could not be committed", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := <-flushed; err != nil {
		t.Fatalf("Flush after the lock was released: %v", err)
	}
	if n := countRows(t, s); n != 10 {
		t.Errorf("%d rows after Flush, want 10", n)
	}
	if rec.Dropped() != 0 || rec.Failed() != 0 {
		t.Errorf("Dropped %d, Failed %d; want 0, 0", rec.Dropped(), rec.Failed())
	}
}

func TestServeWritesQueueOnCancel(t *testing.T) {
	s, _ := openTemp(t)
	rec := NewRecorder(s, "k1", time.UTC, quiet)
	for i := range 100 {
		rec.Record(Event{Session: uint32(i), Kind: SessionStart})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Serve(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve = %v, want context.Canceled", err)
	}
	if n := countRows(t, s); n != 100 {
		t.Errorf("%d rows after shutdown, want 100", n)
	}
}

func TestRecorderDropsBadEventOnlyAndLogsNoContent(t *testing.T) {
	s, _ := openTemp(t)
	var logs bytes.Buffer
	rec := NewRecorder(s, "k1", time.UTC, slog.New(slog.NewTextHandler(&logs, nil)))
	serve(t, rec)
	const secret = "https://caf.fr/compte?nir=1850512345678"
	rec.Record(Event{Session: 1, Kind: SessionStart})
	rec.Record(Event{Session: 1, Kind: TileOpened, Service: secret})
	rec.Record(Event{Session: 1, Kind: Kind(secret)})
	rec.Record(Event{Session: 1, Kind: TileOpened, Service: "caf"})
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s); n != 2 {
		t.Errorf("%d rows, want the 2 good events", n)
	}
	if rec.Failed() != 2 {
		t.Errorf("Failed() = %d, want 2", rec.Failed())
	}
	if strings.Contains(logs.String(), "caf.fr") || strings.Contains(logs.String(), "1850512345678") {
		t.Errorf("log quotes rejected content:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "field=service") || !strings.Contains(logs.String(), "kind=unknown") {
		t.Errorf("log does not say what was rejected:\n%s", logs.String())
	}
}

func TestServePurgesAtStart(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now()
	old := []Event{{At: now.AddDate(0, -14, 0), Kind: SessionStart}, {At: now.AddDate(0, -12, 0), Kind: SessionStart}}
	if err := s.Append(context.Background(), "k1", time.Local, old...); err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(s, "k1", time.Local, quiet)
	rec.Retention = 13
	serve(t, rec)
	if err := rec.Flush(context.Background()); err != nil { // Serve purges before its loop
		t.Fatal(err)
	}
	if n := countRows(t, s); n != 1 {
		t.Errorf("%d rows, want 1 (the 14-month-old event purged)", n)
	}
}
