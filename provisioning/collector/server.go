package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"borne/kiosk/usage/push"
)

// MaxBody bounds a push body: MaxPushHours hours of MaxHourCells cells fit.
const MaxBody = 16 << 20

// Handler serves the push endpoint (push.Path) and /healthz.
func (c *Collector) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+push.Path, c.servePush)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := c.db.Ping(r.Context()); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}

func (c *Collector) servePush(w http.ResponseWriter, r *http.Request) {
	id, key, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="borne collector"`)
		http.Error(w, "push needs the kiosk's id and key", http.StatusUnauthorized)
		return
	}
	switch err := c.authenticate(r.Context(), id, key); {
	case errors.Is(err, ErrUnknownKiosk):
		c.log.Warn("collector: push refused: unknown kiosk or wrong key", "remote", r.RemoteAddr)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	case errors.Is(err, ErrRevoked):
		c.log.Warn("collector: push refused: revoked kiosk", "kiosk", id)
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	case err != nil:
		c.log.Error("collector: authenticate", "err", err)
		http.Error(w, "collector unavailable", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, fmt.Sprintf("push body: %v", err), http.StatusRequestEntityTooLarge)
		return
	}
	p, err := DecodePush(body)
	if err != nil {
		c.log.Warn("collector: push rejected", "kiosk", id, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if p.Kiosk != id {
		http.Error(w, "push body names another kiosk", http.StatusForbidden)
		return
	}
	if err := c.Ingest(r.Context(), p); err != nil {
		c.log.Error("collector: ingest", "kiosk", id, "err", err)
		http.Error(w, "collector could not store the push; retry later", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "{\"stored_hours\":%d}\n", len(p.Hours))
}

// Server is the collector as a long-running service: HTTPS on a listener and
// the retention purge once a day.
type Server struct {
	Collector       *Collector
	Listener        net.Listener
	CertFile        string // TLS certificate and key; the endpoint is HTTPS only
	KeyFile         string
	RetentionMonths int
	Log             *slog.Logger
}

// Serve runs until ctx ends, then shuts the HTTP server down gracefully.
func (s *Server) Serve(ctx context.Context) error {
	if s.RetentionMonths < 1 || s.RetentionMonths > MaxRetentionMonths {
		return fmt.Errorf("collector: retention of %d months: want 1 to %d", s.RetentionMonths, MaxRetentionMonths)
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	srv := &http.Server{
		Handler:           s.Collector.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(s.Listener, s.CertFile, s.KeyFile) }()
	purge := func() {
		n, err := s.Collector.Purge(ctx, s.RetentionMonths, time.Now())
		if err != nil {
			log.Error("collector: purge", "err", err)
		} else if n > 0 {
			log.Info("collector: purged old counts", "rows", n, "retention_months", s.RetentionMonths)
		}
	}
	purge()
	tick := time.NewTicker(24 * time.Hour)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return fmt.Errorf("collector: serve: %w", err)
		case <-tick.C:
			purge()
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("collector: shutdown: %w", err)
			}
			return ctx.Err()
		}
	}
}
