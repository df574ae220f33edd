package collector_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"borne/internal/pgtest"
	"borne/internal/tlstest"
	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
	"borne/provisioning/collector"
)

// childEnv makes the test binary a kiosk that records visits and pushes
// them for ever, until the parent kills it with SIGKILL.
const childEnv = "BORNE_PUSH_CHILD"

// runChild is the kiosk: STORE|URL|CA|KEY|SEED in childEnv.
func runChild() int {
	args := strings.Split(os.Getenv(childEnv), "|")
	if len(args) != 5 {
		fmt.Fprintln(os.Stderr, "child: bad", childEnv)
		return 2
	}
	seed, _ := strconv.ParseUint(args[4], 10, 64)
	store, err := usage.Open(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	client, err := push.Client(args[2], "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	// One connection per push, so that the proxy sees each one apart.
	client.Transport.(*http.Transport).DisableKeepAlives = true
	p := &push.Pusher{Store: store, KioskID: "k1", URL: args[1], Key: args[3], Client: client}
	r := rand.New(rand.NewPCG(seed, seed))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; ; i++ {
		at := base.Add(time.Duration(r.IntN(24*20)) * time.Hour)
		if err := store.Append(context.Background(), "k1", time.UTC, visit(r, at)...); err != nil {
			fmt.Fprintln(os.Stderr, "child: append:", err)
		}
		p.PushAll(context.Background()) // failures are the test's doing
	}
}

// Actions of the cutting proxy on one push.
const (
	pass       = iota
	cutBefore  // drop the connection before the collector sees the push
	holdBefore // hold the push before the collector (the parent kills the kiosk)
	cutAfter   // the collector stored it; drop the connection before the answer
	holdAfter  // the collector stored it; hold the answer (the parent kills the kiosk)
)

type proxyEvent struct {
	round, n int
	stage    string // held, cut, forwarding, delivered
}

// cutProxy terminates the kiosk's HTTPS, forwards each push to the
// collector and does to push number n what plan(n) says.
type cutProxy struct {
	target  string
	client  *http.Client
	round   atomic.Int64 // events of an earlier round are told apart
	count   atomic.Int64
	plan    atomic.Pointer[func(n int) int]
	events  chan proxyEvent
	release chan struct{}
}

func (p *cutProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	round, n := int(p.round.Load()), int(p.count.Add(1))
	act := (*p.plan.Load())(n)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	cut := func() {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		p.events <- proxyEvent{round, n, "cut"}
	}
	switch act {
	case cutBefore:
		cut()
		return
	case holdBefore:
		p.events <- proxyEvent{round, n, "held"}
		<-p.release
	}
	p.events <- proxyEvent{round, n, "forwarding"}
	req, _ := http.NewRequest(r.Method, p.target+r.URL.Path, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch act {
	case cutAfter:
		cut()
		return
	case holdAfter:
		p.events <- proxyEvent{round, n, "held"}
		<-p.release
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer)
	p.events <- proxyEvent{round, n, "delivered"}
}

// TestKillAndCutDuringPushes: a kiosk process killed with SIGKILL before,
// during and after pushes, and connections cut before and after the
// collector stored a push: every event the kiosk stored is counted exactly
// once in the end.
func TestKillAndCutDuringPushes(t *testing.T) {
	f := newFleet(t)
	key := f.enrol(t, "k1", "dep-93", "caf-bobigny")
	path := filepath.Join(t.TempDir(), "usage.db")
	client, err := push.Client(f.caFile, "")
	if err != nil {
		t.Fatal(err)
	}
	proxy := &cutProxy{target: f.url, client: client, events: make(chan proxyEvent, 256), release: make(chan struct{})}
	srv := httptest.NewUnstartedServer(proxy)
	srv.StartTLS()
	defer srv.Close()
	defer close(proxy.release)
	caFile := filepath.Join(t.TempDir(), "proxy.pem")
	if err := os.WriteFile(caFile, pemOf(srv.Certificate().Raw), 0o644); err != nil {
		t.Fatal(err)
	}

	// Each round runs the kiosk until push number killAt reaches stage,
	// with the pushes before it planned as given, then kills it.
	rounds := []struct {
		name   string
		plan   map[int]int // push number -> action; others pass
		killAt int
		stage  string
	}{
		{"kill while the push waits before the collector", map[int]int{1: holdBefore}, 1, "held"},
		{"kill after the collector stored, before the answer", map[int]int{2: holdAfter}, 2, "held"},
		{"kill right after the answer", nil, 1, "delivered"},
		{"cut after storing, cut before, then kill after the answer", map[int]int{1: cutAfter, 2: cutBefore, 3: cutAfter}, 4, "delivered"},
		{"kill after the third answer", nil, 3, "delivered"},
		{"cut after storing, then kill while held after", map[int]int{1: cutAfter, 2: holdAfter}, 2, "held"},
	}
	for i, round := range rounds {
		proxy.round.Store(int64(i))
		proxy.count.Store(0)
		plan := func(n int) int { return round.plan[n] }
		proxy.plan.Store(&plan)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%s|%s|%d", childEnv, path, srv.URL, caFile, key, i+1))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, proxy.events, i, round.killAt, round.stage)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		// Let held pushes go on to a kiosk that is no more.
		drain(proxy)
		if strings.Contains(stderr.String(), "child:") && !strings.Contains(stderr.String(), "append") {
			t.Fatalf("round %q: kiosk: %s", round.name, stderr.String())
		}
		t.Logf("round %q: kiosk killed at push %d (%s)", round.name, round.killAt, round.stage)
	}

	// The kiosk comes back for good and catches up, straight to the collector.
	store := openStore(t, path)
	if _, err := f.pusher(t, store, "k1", key).PushAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := store.Backlog(context.Background(), "k1"); n != 0 {
		t.Fatalf("backlog %d after the last push", n)
	}
	want := storeTotals(t, path)
	if want["sessions="] < int64(len(rounds)) {
		t.Fatalf("only %d visits recorded in %d rounds", want["sessions="], len(rounds))
	}
	sameTotals(t, f.totals(t, "k1"), want)
}

// waitEvent waits for the proxy to report stage for push n, skipping others.
func waitEvent(t *testing.T, events <-chan proxyEvent, round, n int, stage string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case ev := <-events:
			if ev.round == round && ev.n == n && ev.stage == stage {
				return
			}
		case <-timeout:
			t.Fatalf("push %d never reached %q", n, stage)
		}
	}
}

// drain releases whatever the proxy holds, dropping the events queued.
func drain(p *cutProxy) {
	for {
		select {
		case p.release <- struct{}{}:
		case <-p.events:
		default:
			return
		}
	}
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// collectorEnv makes the test binary a collector: DSN|ADDR|CERT|KEY.
const collectorEnv = "BORNE_COLLECTOR_CHILD"

func runCollectorChild() int {
	a := strings.Split(os.Getenv(collectorEnv), "|")
	return collector.Main(context.Background(), []string{"serve", "--db", a[0], "--listen", a[1], "--tls-cert", a[2], "--tls-key", a[3]}, os.Stdout, os.Stderr)
}

// TestKillCollectorDuringPushes: the collector process is killed with
// SIGKILL while pushes reach it, again and again; the kiosk retries, and in
// the end every event is counted exactly once.
func TestKillCollectorDuringPushes(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	c, err := collector.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key, _ := push.NewKey()
	if err := c.AddKiosk(ctx, "k1", "dep-93", "caf-bobigny", push.KeyHash(key)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, certKey := tlstest.SelfSigned(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client, err := push.Client(cert, "")
	if err != nil {
		t.Fatal(err)
	}
	client.Transport.(*http.Transport).DisableKeepAlives = true
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%s|%s", collectorEnv, dsn, addr, cert, certKey))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the collector to answer", func() bool {
			resp, err := client.Get("https://" + addr + "/healthz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		return cmd
	}

	// A proxy in front tells when a push goes in.
	proxy := &cutProxy{target: "https://" + addr, client: client, events: make(chan proxyEvent, 256), release: make(chan struct{})}
	always := func(int) int { return pass }
	proxy.plan.Store(&always)
	srv := httptest.NewUnstartedServer(proxy)
	srv.StartTLS()
	defer srv.Close()
	proxyCA := filepath.Join(dir, "proxy.pem")
	os.WriteFile(proxyCA, pemOf(srv.Certificate().Raw), 0o644)
	kioskClient, _ := push.Client(proxyCA, "")

	path := filepath.Join(dir, "usage.db")
	store := openStore(t, path)
	p := &push.Pusher{Store: store, KioskID: "k1", URL: srv.URL, Key: key, Client: kioskClient}
	r := rand.New(rand.NewPCG(9, 9))
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for round := range 6 {
		// A backlog of several pushes.
		for h := range 400 {
			at := base.Add(time.Duration(round*400+h) * time.Hour)
			if err := store.Append(ctx, "k1", time.UTC, visit(r, at)...); err != nil {
				t.Fatal(err)
			}
		}
		proxy.round.Store(int64(round))
		proxy.count.Store(0)
		cmd := start()
		done := make(chan struct{})
		go func() { p.PushAll(ctx); close(done) }()
		// Kill the collector as push 1 or 2 of this round goes in: inside
		// its transaction, before it, or after its commit.
		waitEvent(t, proxy.events, round, 1+round%2, "forwarding")
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		<-done
		drain(proxy)
	}
	cmd := start()
	defer func() { cmd.Process.Signal(syscall.SIGKILL); cmd.Wait() }()
	if _, err := p.PushAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := store.Backlog(ctx, "k1"); n != 0 {
		t.Fatalf("backlog %d", n)
	}
	f := &fleet{c: c, dsn: dsn}
	sameTotals(t, f.totals(t, "k1"), storeTotals(t, path))
}
