package scanner

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Scanners finds and opens scanners: SANE for real ones, scannertest's fake
// in tests.
type Scanners interface {
	List(ctx context.Context) ([]Info, error)
	Open(ctx context.Context, name string) (Device, error)
}

// SANE is the machine's scanners, through libsane.
var SANE Scanners = sane{}

type sane struct{}

func (sane) List(ctx context.Context) ([]Info, error)              { return List(ctx) }
func (sane) Open(ctx context.Context, name string) (Device, error) { return Open(ctx, name) }

const (
	defaultEvery = 15 * time.Second
	// listTimeout bounds one look at the scanners: a stuck backend costs
	// a missed look, not the monitor.
	listTimeout = 30 * time.Second
)

// Monitor watches for scanners plugged in or out. Each look is a List, which
// restarts libsane while no scanner is open: keep SANE's dll.conf to the
// kiosk's own backend, or each look probes every backend there is.
type Monitor struct {
	Scanners Scanners      // default SANE
	Every    time.Duration // how often to look (default 15 s)
	// OnChange is called from Serve's goroutine with the scanners found,
	// first when Serve starts, then whenever the list changes.
	OnChange func([]Info)
	Log      *slog.Logger
}

// Serve looks at the scanners until ctx ends.
func (m *Monitor) Serve(ctx context.Context) error {
	s, every, log := m.Scanners, m.Every, m.Log
	if s == nil {
		s = SANE
	}
	if every <= 0 {
		every = defaultEvery
	}
	if log == nil {
		log = slog.Default()
	}
	var last []Info
	var lastErr string
	first := true
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		lctx, cancel := context.WithTimeout(ctx, listTimeout)
		infos, err := s.List(lctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			if err.Error() != lastErr { // say it once, not every few seconds
				log.Warn("scanner: cannot list scanners", "err", err)
				lastErr = err.Error()
			}
		case first || !slices.Equal(infos, last):
			lastErr = ""
			log.Info("scanner: scanners", "count", len(infos))
			m.OnChange(infos)
			last, first = infos, false
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
