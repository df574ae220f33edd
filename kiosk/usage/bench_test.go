package usage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkRecord measures what recording costs the caller's goroutine:
// "queued" with room in the queue (Serve drains it between rounds, off the
// clock), "full" when the event is dropped.
func BenchmarkRecord(b *testing.B) {
	e := Event{Session: 42, Kind: TileOpened, Service: "caf"}
	b.Run("queued", func(b *testing.B) {
		s, _ := openTemp(b)
		rec := NewRecorder(s, "k1", time.UTC, quiet)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); rec.Serve(ctx) }()
		b.ReportAllocs()
		for i := range b.N {
			if i%(QueueSize/2) == 0 {
				b.StopTimer()
				if err := rec.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			rec.Record(e)
		}
		b.StopTimer()
		if rec.Dropped() != 0 {
			b.Errorf("%d events dropped", rec.Dropped())
		}
		cancel()
		<-done
	})
	b.Run("full", func(b *testing.B) {
		s, _ := openTemp(b)
		rec := NewRecorder(s, "k1", time.UTC, quiet) // not served
		for range QueueSize {
			rec.Record(e)
		}
		b.ReportAllocs()
		for b.Loop() {
			rec.Record(e)
		}
	})
}

// BenchmarkAppend measures committed events per second by batch size.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s, _ := openTemp(b)
			batch := make([]Event, size)
			for i := range batch {
				batch[i] = Event{At: time.Now(), Session: uint32(i), Kind: TileOpened, Service: "caf"}
			}
			ctx := context.Background()
			for b.Loop() {
				if err := s.Append(ctx, "k1", time.UTC, batch...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
