package collector_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"borne/kiosk/usage/push"
)

// TestPushThroughSiteProxy: a site's HTTP proxy carries the push as it
// carries any HTTPS (CONNECT); the TLS session stays end to end.
func TestPushThroughSiteProxy(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	var tunnels atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer up.Close()
		tunnels.Add(1)
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		go func() { io.Copy(up, buf); up.(*net.TCPConn).CloseWrite() }()
		io.Copy(conn, up)
	}))
	defer proxy.Close()

	path := filepath.Join(t.TempDir(), "usage.db")
	store := openStore(t, path)
	r := rand.New(rand.NewPCG(11, 11))
	for h := range 30 {
		if err := store.Append(context.Background(), "k1", time.UTC, visit(r, time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC).Add(time.Duration(h)*time.Hour))...); err != nil {
			t.Fatal(err)
		}
	}
	client, err := push.Client(f.caFile, proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &push.Pusher{Store: store, KioskID: "k1", URL: f.url, Key: key, Client: client}
	if _, err := p.PushAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tunnels.Load() == 0 {
		t.Fatal("the push did not go through the proxy")
	}
	sameTotals(t, f.totals(t, "k1"), storeTotals(t, path))
}
