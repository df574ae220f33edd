package usage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

const (
	// QueueSize is how many events a Recorder holds while its store is slow
	// or locked; beyond that, events are dropped and counted.
	QueueSize = 4096
	// writeTimeout bounds one batch write, lock waits included.
	writeTimeout = 30 * time.Second
	// shutdownFlush bounds the last write when Serve is cancelled, so that
	// stopping the kiosk never hangs on the usage store.
	shutdownFlush = 2 * time.Second
	// purgeEvery is how often Serve applies the retention.
	purgeEvery = 24 * time.Hour
)

// item is an event, or a Flush marker when done is set.
type item struct {
	e    Event
	done chan error
}

// Recorder queues events from the kiosk's goroutines and writes them in
// batches from Serve, so that recording never waits on the disk.
type Recorder struct {
	// Retention, in months, makes Serve purge older events when it starts
	// and every 24 h; 0 keeps everything. Set it before calling Serve.
	Retention int

	store   *Store
	kioskID string
	loc     *time.Location
	log     *slog.Logger
	queue   chan item
	dropped atomic.Uint64
	failed  atomic.Uint64
}

// NewRecorder returns a Recorder writing into store for kiosk kioskID, with
// hours taken in loc. Events are only written while Serve runs.
func NewRecorder(store *Store, kioskID string, loc *time.Location, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	return &Recorder{store: store, kioskID: kioskID, loc: loc, log: log, queue: make(chan item, QueueSize)}
}

// Record queues e and returns at once; it never blocks. A zero e.At is set to
// now. When the queue is full the event is dropped and counted in Dropped.
func (r *Recorder) Record(e Event) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	select {
	case r.queue <- item{e: e}:
	default:
		r.dropped.Add(1)
	}
}

// Dropped is the number of events Record dropped because the queue was full.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Failed is the number of queued events Serve could not store: rejected by
// the privacy checks or lost with a failed write.
func (r *Recorder) Failed() uint64 { return r.failed.Load() }

// Flush returns once every event recorded before the call has been written
// or counted in Failed. It returns the error of the write that ended with
// it, if that write failed. It needs Serve: without it, Flush waits for ctx.
func (r *Recorder) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case r.queue <- item{done: done}:
	case <-ctx.Done():
		return fmt.Errorf("usage: flush: %w", ctx.Err())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("usage: flush: %w", ctx.Err())
	}
}

// Serve writes queued events until ctx is cancelled: each time, everything
// queued at that moment goes in one transaction. A failed write is logged and
// Serve goes on. On cancellation it writes what is still queued, within a
// short time limit, and returns ctx.Err().
func (r *Recorder) Serve(ctx context.Context) error {
	var purge <-chan time.Time
	if r.Retention > 0 {
		r.purge(ctx)
		t := time.NewTicker(purgeEvery)
		defer t.Stop()
		purge = t.C
	}
	for {
		select {
		case <-ctx.Done():
			// The caller's context is gone; the last write gets its own.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownFlush)
			r.writeQueued(wctx, nil)
			cancel()
			return ctx.Err()
		case it := <-r.queue:
			// Cancelling mid-commit would lose the batch; let it finish.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
			r.writeQueued(wctx, &it)
			cancel()
		case <-purge:
			r.purge(ctx)
		}
	}
}

// writeQueued writes first (if any) and everything queued now in one
// transaction, then answers the Flush markers among them.
func (r *Recorder) writeQueued(ctx context.Context, first *item) {
	n := len(r.queue) // Serve is the only receiver: these n items are there
	batch := make([]Event, 0, n+1)
	var waiters []chan error
	add := func(it item) {
		if it.done != nil {
			waiters = append(waiters, it.done)
			return
		}
		// One bad event must not cost the batch its good ones.
		if err := it.e.validate(); err != nil {
			r.failed.Add(1)
			r.log.Warn("usage: event rejected", "kind", kindForLog(it.e.Kind), "field", err.Field)
			return
		}
		batch = append(batch, it.e)
	}
	if first != nil {
		add(*first)
	}
	for range n {
		add(<-r.queue)
	}
	var err error
	if len(batch) > 0 {
		if err = r.store.Append(ctx, r.kioskID, r.loc, batch...); err != nil {
			r.failed.Add(uint64(len(batch)))
			r.log.Warn("usage: events not stored", "events", len(batch), "kinds", batchKinds(batch), "code", errCode(err))
		}
	}
	for _, done := range waiters {
		done <- err
	}
}

func (r *Recorder) purge(ctx context.Context) {
	n, err := r.store.PurgeOlderThan(ctx, r.Retention, time.Now(), r.loc)
	if err != nil {
		r.log.Warn("usage: purge failed", "code", errCode(err))
		return
	}
	if n > 0 {
		r.log.Info("usage: purged old events", "events", n, "retention_months", r.Retention)
	}
}

// kindForLog keeps a kind out of the log unless it is a known one: anything
// else could be content.
func kindForLog(k Kind) string {
	if slices.Contains(kinds, k) {
		return string(k)
	}
	return "unknown"
}

// batchKinds lists the distinct kinds of a validated batch, for the log.
func batchKinds(batch []Event) string {
	var ks []string
	for _, e := range batch {
		if !slices.Contains(ks, string(e.Kind)) {
			ks = append(ks, string(e.Kind))
		}
	}
	return strings.Join(ks, ",")
}

// errCode reduces err to a code fit for the log: SQLite's error messages can
// quote values, codes cannot.
func errCode(err error) string {
	var se *sqlite.Error
	var fe *FieldError
	switch {
	case errors.As(err, &se):
		return "sqlite_" + strconv.Itoa(se.Code())
	case errors.As(err, &fe):
		return "invalid_" + fe.Field
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "other"
	}
}
