// Package push sends a kiosk's anonymous hourly counts to the fleet's
// collector: one HTTPS endpoint, authenticated with the kiosk's own key,
// from the durable outbox in the usage store. An hour leaves the outbox only
// once the collector has stored it, and the collector replaces an hour's
// counts as a whole, so a retry, a crash or a cut connection at any point
// neither loses nor doubles a count.
package push

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/usage"
)

// DefaultEvery is how often a kiosk pushes when the configuration says nothing.
const DefaultEvery = time.Hour

// Path is the collector's push endpoint, below its base URL.
const Path = "/v1/push"

// ErrRefused is a push the collector refused for the kiosk itself: unknown,
// revoked or with the wrong key. Retrying soon will not help.
var ErrRefused = errors.New("collector refused this kiosk (unknown, revoked or wrong key)")

// Pusher pushes one kiosk's outbox to a collector.
type Pusher struct {
	Store   *usage.Store
	KioskID string
	URL     string // the collector's base URL, https://…
	Key     string // the kiosk's push key, as enrolment made it
	Client  *http.Client
	Every   time.Duration // between pushes; 0: DefaultEvery
	Log     *slog.Logger
}

// Serve pushes the whole outbox now and then every Every, until ctx ends.
// A failed push is retried sooner, backing off from 30 s up to Every.
func (p *Pusher) Serve(ctx context.Context) error {
	every := p.Every
	if every <= 0 {
		every = DefaultEvery
	}
	log := p.log()
	backoff := time.Duration(0)
	for {
		n, err := p.PushAll(ctx)
		wait := every
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrRefused):
			log.Error("usage push refused", "err", err)
			backoff = 0
		case err != nil:
			backoff = min(max(2*backoff, 30*time.Second), every)
			wait = backoff/2 + rand.N(backoff/2+1) // kiosks of a site back off apart
			log.Warn("usage push failed; retrying", "err", err, "hours_pushed", n, "retry_in", wait.Round(time.Second))
		default:
			backoff = 0
			if n > 0 {
				log.Info("usage pushed", "hours", n)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (p *Pusher) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// PushAll pushes due hours, a batch at a time, until the outbox is empty or a
// push fails, and returns how many hours the collector stored.
func (p *Pusher) PushAll(ctx context.Context) (int, error) {
	total := 0
	for {
		due, err := p.Store.Due(ctx, p.KioskID, usage.MaxPushHours)
		if err != nil {
			return total, err
		}
		if len(due) == 0 {
			return total, nil
		}
		if err := p.send(ctx, due); err != nil {
			return total, err
		}
		n, err := p.Store.Ack(ctx, p.KioskID, due)
		if err != nil {
			return total, err
		}
		total += len(due)
		if n == 0 {
			// Every hour of the batch changed while it was on its way (the
			// kiosk is busy right now): the next round takes them again.
			return total, nil
		}
	}
}

func (p *Pusher) send(ctx context.Context, due []usage.Due) error {
	body := usage.Push{Kiosk: p.KioskID, Hours: make([]usage.HourCounts, len(due))}
	for i, d := range due {
		body.Hours[i] = d.HourCounts
	}
	if err := body.Validate(); err != nil {
		return fmt.Errorf("usage push: outbox content: %w", err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("usage push: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.URL, "/")+Path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("usage push: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(p.KioskID, p.Key)
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("usage push to %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("usage push to %s: %s: %w", req.URL.Host, resp.Status, ErrRefused)
	default:
		return fmt.Errorf("usage push to %s: %s: %s", req.URL.Host, resp.Status, strings.TrimSpace(string(msg)))
	}
}

// Client is the HTTP client of a kiosk's pushes: the site's proxy when one
// is given (else the environment's HTTPS_PROXY), and the collector's CA when
// it is a private one.
func Client(caFile, proxy string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	if proxy != "" {
		u, err := url.Parse(proxy)
		if err != nil {
			return nil, fmt.Errorf("usage push: proxy: %w", err)
		}
		tr.Proxy = http.ProxyURL(u)
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("usage push: CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("usage push: CA %s: no PEM certificate in it", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

// ReadKey reads the push key file enrolment wrote.
func ReadKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("usage push: key: %w", err)
	}
	k := strings.TrimSpace(string(b))
	if len(k) < 32 {
		return "", fmt.Errorf("usage push: key in %s is too short (want the one kioskctl push key made)", path)
	}
	return k, nil
}

// NewKey makes a kiosk's push key (32 random bytes, hex) at enrolment. The
// kiosk keeps the key; the collector keeps only KeyHash of it.
func NewKey() (string, error) {
	b := make([]byte, 32)
	if _, err := crand.Read(b); err != nil {
		return "", fmt.Errorf("usage push: make key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// KeyHash is what the collector registers for a key. A plain hash is enough:
// the key is 256 random bits, not a password.
func KeyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// FromConfig is the pusher the configuration asks for, or nil when push is
// off (no usage.push.url).
func FromConfig(cfg *config.Config, store *usage.Store, log *slog.Logger) (*Pusher, error) {
	pc := cfg.Usage.Push
	if pc.URL == "" {
		return nil, nil
	}
	key, err := ReadKey(cfg.PushKeyPath())
	if err != nil {
		return nil, err
	}
	client, err := Client(pc.CAFile, pc.Proxy)
	if err != nil {
		return nil, err
	}
	return &Pusher{Store: store, KioskID: cfg.Kiosk.ID, URL: pc.URL, Key: key, Client: client, Every: pc.Every.Duration, Log: log}, nil
}
