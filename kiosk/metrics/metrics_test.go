package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches the metrics page and parses it with Prometheus's own text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q; want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	return fams
}

// value is the value of the sample of name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s%v", name, want)
	return 0
}

func TestExposition(t *testing.T) {
	queued := 7
	m := New(Options{KioskID: "trappes-01", Version: "v1.2.3",
		UsageQueue: func() int { return queued }, UsageDropped: func() uint64 { return 3 }, UsageFailed: func() uint64 { return 1 }})
	m.SessionEnded("done")
	m.SessionEnded("done")
	m.SessionEnded("idle")
	m.HelpCalled()
	m.Fault("scanner", "jammed")
	m.SetDeviceUp("scanner", false)
	m.SetDeviceUp("printer", true)
	m.SetPaper("receipt", PaperLow)
	m.SetPaper("receipt", PaperOut)
	m.SetMaintenance(true, false)
	m.SetConfigFallback(true)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	fams := scrape(t, srv.URL+Path)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{NameSessions, map[string]string{"reason": "done"}, 2},
		{NameSessions, map[string]string{"reason": "idle"}, 1},
		{NameHelpCalls, nil, 1},
		{NameFaults, map[string]string{"device": "scanner", "fault": "jammed"}, 1},
		{NameDeviceUp, map[string]string{"device": "scanner"}, 0},
		{NameDeviceUp, map[string]string{"device": "printer"}, 1},
		{NamePaper, map[string]string{"device": "receipt", "state": "out"}, 1},
		{NamePaper, map[string]string{"device": "receipt", "state": "low"}, 0},
		{NameUsageQueue, nil, 7},
		{NameUsageDropped, nil, 3},
		{NameUsageFailed, nil, 1},
		{NameMaintenance, nil, 1},
		{NameOutOfService, nil, 0},
		{NameConfigStale, nil, 1},
		{NameBuildInfo, map[string]string{"version": "v1.2.3", "kiosk": "trappes-01"}, 1},
		{"process_start_time_seconds", nil, -1}, // present; any value
		{"go_goroutines", nil, -1},
	}
	for _, tt := range tests {
		if got := value(t, fams, tt.name, tt.labels); tt.want >= 0 && got != tt.want {
			t.Errorf("%s%v = %v; want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	queued = 0
	if got := value(t, scrape(t, srv.URL+Path), NameUsageQueue, nil); got != 0 {
		t.Errorf("queue length read once, not at each scrape: %v", got)
	}
}

func TestRefusesOtherHosts(t *testing.T) {
	srv := httptest.NewServer(New(Options{}).Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+Path, nil)
	req.Host = "rebound.example.org"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host %s: %s; want 421", req.Host, resp.Status)
	}
}

func TestCheckListen(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:9750": true, "[::1]:9750": true, "127.0.0.2:80": true,
		"0.0.0.0:9750": false, ":9750": false, "192.168.1.10:9750": false, "localhost:9750": false, "127.0.0.1": false,
	} {
		if err := CheckListen(addr); (err == nil) != ok {
			t.Errorf("CheckListen(%q) = %v; want ok %v", addr, err, ok)
		}
	}
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Options{}).Serve(ctx, addr, slog.New(slog.DiscardHandler)) }()
	var resp *http.Response
	for range 50 {
		if resp, err = http.Get("http://" + addr + Path); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Serve returned %v", err)
	}
	if err := New(Options{}).Serve(context.Background(), "0.0.0.0:0", nil); err == nil {
		t.Error("Serve on every interface: no error")
	}
}
