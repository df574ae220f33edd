package collector_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"borne/internal/pgtest"
	"borne/internal/tlstest"
	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
	"borne/provisioning/collector"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	if os.Getenv(collectorEnv) != "" {
		os.Exit(runCollectorChild())
	}
	os.Exit(pgtest.Run(m))
}

// fleet is a real collector on a real PostgreSQL server, serving HTTPS on
// loopback with a certificate made for the test.
type fleet struct {
	c      *collector.Collector
	dsn    string
	url    string // https://127.0.0.1:PORT
	caFile string
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	c, err := collector.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, key := tlstest.SelfSigned(t, t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &collector.Server{Collector: c, Listener: ln, CertFile: cert, KeyFile: key, RetentionMonths: 25}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("collector Serve: %v", err)
		}
		c.Close()
	})
	return &fleet{c: c, dsn: dsn, url: "https://" + ln.Addr().String(), caFile: cert}
}

// enrol registers a kiosk with a fresh key and returns that key.
func (f *fleet) enrol(t *testing.T, id, territory, site string) string {
	t.Helper()
	key, err := push.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.AddKiosk(context.Background(), id, territory, site, push.KeyHash(key)); err != nil {
		t.Fatal(err)
	}
	return key
}

func (f *fleet) pusher(t *testing.T, store *usage.Store, id, key string) *push.Pusher {
	t.Helper()
	client, err := push.Client(f.caFile, "")
	if err != nil {
		t.Fatal(err)
	}
	return &push.Pusher{Store: store, KioskID: id, URL: f.url, Key: key, Client: client}
}

// totals reads the collector's sums per dimension and value for one kiosk,
// straight from its hourly table, and checks that the monthly sums the
// reports read agree with them.
func (f *fleet) totals(t *testing.T, kiosk string) map[string]int64 {
	t.Helper()
	hourly := f.sums(t, "counts", kiosk)
	if monthly := f.sums(t, "counts_month", kiosk); len(monthly) != len(hourly) {
		t.Errorf("monthly sums %v, hourly %v", monthly, hourly)
	} else {
		for k, n := range hourly {
			if monthly[k] != n {
				t.Errorf("%s: monthly sum %d, hourly %d", k, monthly[k], n)
			}
		}
	}
	return hourly
}

func (f *fleet) sums(t *testing.T, table, kiosk string) map[string]int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), "SELECT dim, value, sum(n) FROM "+table+" WHERE kiosk = $1 GROUP BY dim, value", kiosk)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for rows.Next() {
		var dim, value string
		var n int64
		if err := rows.Scan(&dim, &value, &n); err != nil {
			t.Fatal(err)
		}
		m[dim+"="+value] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// storeTotals counts a kiosk store's events per pushed dimension and value
// with plain SQL on the file: the oracle the collector must match.
func storeTotals(t *testing.T, path string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := map[string]int64{}
	for _, q := range []struct{ dim, expr, kind string }{
		{"sessions", "''", "session_start"}, {"service", "service", "tile_opened"}, {"end", "outcome", "session_end"},
		{"duration", "duration", "session_end"}, {"lang", "lang", "language"}, {"help", "screen", "help_pressed"},
		{"fault", "screen || ':' || error", "fault"}, {"document", "service", "document_attached"}, {"page", "service", "page_printed"},
	} {
		rows, err := db.Query("SELECT "+q.expr+", count(*) FROM events WHERE kind = ? GROUP BY 1", q.kind)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			var n int64
			if err := rows.Scan(&v, &n); err != nil {
				t.Fatal(err)
			}
			m[q.dim+"="+v] = n
		}
		rows.Close()
	}
	if len(m) == 0 {
		t.Fatal("the kiosk store holds no events to compare")
	}
	return m
}

func sameTotals(t *testing.T, got, want map[string]int64) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("collector has %s = %d, the kiosk recorded %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("collector has %s = %d, the kiosk recorded none", k, n)
		}
	}
}

var (
	services = []string{"caf", "ameli", "impots", "france-travail"}
	langs    = []string{"fr", "ar", "en", "tr"}
	ends     = []string{"done", "idle", "gave_up"}
)

// visit is one resident's visit at hour at, as the kiosk records it.
func visit(r *rand.Rand, at time.Time) []usage.Event {
	s := r.Uint32()
	svc := services[r.IntN(len(services))]
	ev := []usage.Event{
		{At: at, Session: s, Kind: usage.SessionStart},
		{At: at, Session: s, Kind: usage.Language, Lang: langs[r.IntN(len(langs))]},
		{At: at, Session: s, Kind: usage.TileOpened, Service: svc},
	}
	if r.IntN(3) == 0 {
		ev = append(ev, usage.Event{At: at, Session: s, Kind: usage.HelpPressed, Screen: "web"})
	}
	if r.IntN(2) == 0 {
		ev = append(ev, usage.Event{At: at, Session: s, Kind: usage.DocumentAttached, Service: svc})
	}
	for range r.IntN(3) {
		ev = append(ev, usage.Event{At: at, Session: s, Kind: usage.PagePrinted, Service: svc})
	}
	if r.IntN(10) == 0 {
		ev = append(ev, usage.Event{At: at, Kind: usage.Fault, Screen: "printer", Error: "media-empty"})
	}
	return append(ev, usage.Event{At: at, Session: s, Kind: usage.SessionEnd, Outcome: ends[r.IntN(len(ends))],
		Duration: usage.DurationBucket(time.Duration(r.IntN(3600)) * time.Second)})
}

func openStore(t *testing.T, path string) *usage.Store {
	t.Helper()
	s, err := usage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOfflineTwoWeeksCatchesUp: a kiosk records 15 days of visits with the
// collector out of reach, then reaches it: its Serve pushes every hour, in
// several pushes, and every event is counted once.
func TestOfflineTwoWeeksCatchesUp(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	path := filepath.Join(t.TempDir(), "usage.db")
	store := openStore(t, path)
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for h := range 15 * 24 {
		for range r.IntN(3) {
			if err := store.Append(context.Background(), "k1", time.UTC, visit(r, start.Add(time.Duration(h)*time.Hour))...); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Out of reach: a port nobody listens on. Nothing leaves the outbox.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "https://" + ln.Addr().String()
	ln.Close()
	p := f.pusher(t, store, "k1", key)
	p.URL = dead
	before, _ := store.Backlog(context.Background(), "k1")
	if n, err := p.PushAll(context.Background()); err == nil || n != 0 {
		t.Fatalf("push to a closed port: %d hours, err %v; want an error", n, err)
	}
	if after, _ := store.Backlog(context.Background(), "k1"); after != before || before <= usage.MaxPushHours {
		t.Fatalf("backlog %d before, %d after a failed push; want the same, above %d", before, after, usage.MaxPushHours)
	}

	// Back online: Serve catches up by itself.
	p.URL = f.url
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	waitFor(t, "the outbox to empty", func() bool {
		n, err := store.Backlog(context.Background(), "k1")
		return err == nil && n == 0
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve: %v", err)
	}
	sameTotals(t, f.totals(t, "k1"), storeTotals(t, path))
}

// waitFor polls cond until it holds; the deadline is a failure, not a timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPushAuthAndIdempotence: the same push twice counts once; unknown,
// wrong-key and revoked kiosks are refused; a kiosk cannot push for another.
func TestPushAuthAndIdempotence(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	other := f.enrol(t, "k2", "dep-93", "caf-bobigny")
	client, err := push.Client(f.caFile, "")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"kiosk":"k1","hours":[{"hour":"2026-11-02T10","cells":[{"dim":"sessions","value":"","n":3},{"dim":"service","value":"caf","n":2}]}]}`
	post := func(id, key, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, f.url+push.Path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(id, key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 3 {
		if code, msg := post("k1", key, body); code != http.StatusOK {
			t.Fatalf("push: %d %s", code, msg)
		}
	}
	sameTotals(t, f.totals(t, "k1"), map[string]int64{"sessions=": 3, "service=caf": 2})
	// The hour again, with new counts: they replace the old ones.
	if code, msg := post("k1", key, strings.Replace(body, `"n":3`, `"n":4`, 1)); code != http.StatusOK {
		t.Fatalf("push: %d %s", code, msg)
	}
	sameTotals(t, f.totals(t, "k1"), map[string]int64{"sessions=": 4, "service=caf": 2})

	for _, tc := range []struct {
		name, id, key, body string
		want                int
	}{
		{"unknown kiosk", "k9", key, body, http.StatusUnauthorized},
		{"wrong key", "k1", other, body, http.StatusUnauthorized},
		{"no credentials", "", "", body, http.StatusUnauthorized},
		{"another kiosk's counts", "k2", other, body, http.StatusForbidden},
		{"unknown dimension", "k1", key, strings.Replace(body, `"service"`, `"name"`, 1), http.StatusBadRequest},
		{"free text value", "k1", key, strings.Replace(body, `"caf"`, `"Jean Dupont"`, 1), http.StatusBadRequest},
		{"session number", "k1", key, strings.Replace(body, `"n":2}`, `"n":2,"session":42}`, 1), http.StatusBadRequest},
		{"not JSON", "k1", key, "hello", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, msg := post(tc.id, tc.key, tc.body); code != tc.want {
				t.Errorf("got %d %s, want %d", code, msg, tc.want)
			}
		})
	}
	if err := f.c.RevokeKiosk(context.Background(), "k1"); err != nil {
		t.Fatal(err)
	}
	if code, _ := post("k1", key, body); code != http.StatusForbidden {
		t.Errorf("revoked kiosk: got %d, want 403", code)
	}
	// A refused kiosk's pusher says so, and keeps its outbox.
	store := openStore(t, filepath.Join(t.TempDir(), "usage.db"))
	if err := store.Append(context.Background(), "k1", time.UTC, visit(rand.New(rand.NewPCG(3, 4)), time.Now())...); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pusher(t, store, "k1", key).PushAll(context.Background()); !errors.Is(err, push.ErrRefused) {
		t.Errorf("revoked kiosk's push: %v, want ErrRefused", err)
	}
	if n, _ := store.Backlog(context.Background(), "k1"); n != 1 {
		t.Errorf("backlog after a refused push: %d, want 1", n)
	}
	sameTotals(t, f.totals(t, "k1"), map[string]int64{"sessions=": 4, "service=caf": 2})
	sameTotals(t, f.totals(t, "k2"), nil)
}

// TestLateEventsReplaceTheirHour: events that arrive for an hour already
// pushed make it due again, and the collector ends with the full count.
func TestLateEventsReplaceTheirHour(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	path := filepath.Join(t.TempDir(), "usage.db")
	store := openStore(t, path)
	p := f.pusher(t, store, "k1", key)
	r := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := store.Append(context.Background(), "k1", time.UTC, visit(r, at.Add(time.Duration(i)*time.Minute))...); err != nil {
			t.Fatal(err)
		}
		if _, err := p.PushAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		sameTotals(t, f.totals(t, "k1"), storeTotals(t, path))
	}
}

func TestPurgeKeepsWholeMonths(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	_ = key
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		months int
		want   string
	}{{13, "2025-12-01"}, {25, "2024-12-01"}, {1, "2026-12-01"}} {
		if got := collector.RetentionCut(tc.months, now).Format(time.DateOnly); got != tc.want {
			t.Errorf("RetentionCut(%d, %s) = %s, want %s", tc.months, now, got, tc.want)
		}
	}
	if got := collector.RetentionCut(13, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)).Format(time.DateOnly); got != "2025-11-01" {
		t.Errorf("RetentionCut at a month start = %s, want 2025-11-01", got)
	}
	p := &usage.Push{Kiosk: "k1"}
	for _, h := range []string{"2025-11-30T23", "2025-12-01T00", "2026-12-02T10"} {
		p.Hours = append(p.Hours, usage.HourCounts{Hour: h, Cells: []usage.Cell{{Dim: "sessions", N: 1}}})
	}
	if err := f.c.Ingest(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if n, err := f.c.Purge(context.Background(), 13, now); err != nil || n != 1 {
		t.Fatalf("purge: %d rows, %v; want 1", n, err)
	}
	if _, err := f.c.Purge(context.Background(), 26, now); err == nil {
		t.Error("purge with 26 months: no error")
	}
	sameTotals(t, f.totals(t, "k1"), map[string]int64{"sessions=": 2})
}

func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"kiosk":"k1","hours":[{"hour":"2026-11-02T10","cells":[{"dim":"sessions","value":"","n":3}]}]}`))
	f.Add([]byte(`{"kiosk":"k1","hours":[{"hour":"2026-11-02T10","cells":[{"dim":"fault","value":"printer:media-empty","n":1}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := collector.DecodePush(b)
		if err != nil {
			return
		}
		// Whatever passes is within the vocabulary and bounds.
		if len(p.Hours) > usage.MaxPushHours {
			t.Fatalf("%d hours passed", len(p.Hours))
		}
		for _, h := range p.Hours {
			for _, c := range h.Cells {
				if c.N < 1 || c.N > usage.MaxCellCount || len(c.Value) > 81 {
					t.Fatalf("cell %+v passed", c)
				}
			}
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		_ = fmt.Sprint(p)
	})
}
