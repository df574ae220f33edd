package health_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/kiosk/health"
	"borne/kiosk/metrics"
	"borne/kiosk/usage"
)

var quiet = slog.New(slog.DiscardHandler)

// The monitor keeps what the probes say (here scripted: the probes on real
// devices are drivers/selftest's, tested there), and each fault it sees
// shows in the metrics and the usage store, counted once however many
// times it is seen.
func TestMonitor(t *testing.T) {
	ctx := context.Background()
	store, err := usage.Open(filepath.Join(t.TempDir(), "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec := usage.NewRecorder(store, "k1", time.UTC, quiet)
	recCtx, stopRec := context.WithCancel(ctx)
	go rec.Serve(recCtx)
	defer stopRec()
	stats := metrics.New(metrics.Options{KioskID: "k1"})

	var scan, a4, ticket health.Status // what the devices say now
	probe := func(device string, st *health.Status) health.Probe {
		return health.Probe{Device: device, Check: func(context.Context) health.Status { return *st }}
	}
	mon := health.New(health.Options{Metrics: stats, Usage: rec, Log: quiet, Probes: []health.Probe{
		probe(health.Scanner, &scan), probe(health.Printer, &a4), probe(health.Receipt, &ticket),
	}})
	ok := health.Status{Up: true, Code: "ok", Staff: "prête", Paper: metrics.PaperOK}
	steps := []struct {
		name                string
		scanner, a4, ticket health.Status
	}{
		{"all ready", health.Status{Up: true, Code: "ok", Staff: "prêt"}, ok, ok},
		{"ticket paper low", health.Status{Up: true, Code: "ok", Staff: "prêt"}, ok, health.Status{Up: true, Code: "paper-low", Staff: "bientôt", Paper: metrics.PaperLow}},
		{"ticket paper out", health.Status{Up: true, Code: "ok", Staff: "prêt"}, ok, health.Status{Code: "paper-out", Staff: "plus de papier", Paper: metrics.PaperOut}},
		{"still out: not a new fault", health.Status{Up: true, Code: "ok", Staff: "prêt"}, ok, health.Status{Code: "paper-out", Staff: "plus de papier", Paper: metrics.PaperOut}},
		{"silent", health.Status{Up: true, Code: "ok", Staff: "prêt"}, ok, health.Status{Code: "no-reply", Staff: "muette", Paper: metrics.PaperUnknown}},
		{"scanner unplugged", health.Status{Code: "absent", Staff: "introuvable"}, ok, ok},
	}
	for _, st := range steps {
		scan, a4, ticket = st.scanner, st.a4, st.ticket
		got := mon.Refresh(ctx)
		for i, w := range []health.Status{st.scanner, st.a4, st.ticket} {
			w.Device = []string{health.Scanner, health.Printer, health.Receipt}[i]
			if g := got[i]; g.Device != w.Device || g.Up != w.Up || g.Code != w.Code || g.Paper != w.Paper {
				t.Errorf("%s: %+v, want %+v", st.name, g, w)
			}
		}
	}
	// Paper out, no reply and the absent scanner: three faults; the metrics
	// and the usage store agree.
	rec.Flush(ctx)
	r, err := store.Report(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var faults []string
	for _, row := range r.Rows {
		if row.Dimension == usage.DimFault {
			faults = append(faults, row.Value)
		}
	}
	if strings.Join(faults, ",") != "receipt:no-reply,receipt:paper-out,scanner:absent" {
		t.Errorf("faults in the usage store: %v", faults)
	}
	body := scrape(t, stats)
	for _, line := range []string{
		`borne_device_faults_total{device="receipt",fault="paper-out"} 1`,
		`borne_device_up{device="scanner"} 0`,
		`borne_device_up{device="printer"} 1`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("metrics lack %s:\n%s", line, body)
		}
	}
}

// A self-test's failure counts as a fault of its device; a test called off
// does not; a device without a test says so.
func TestSelfTest(t *testing.T) {
	ctx := context.Background()
	stats := metrics.New(metrics.Options{KioskID: "k1"})
	var next health.Result
	mon := health.New(health.Options{Metrics: stats, Log: quiet,
		Probes: []health.Probe{{Device: health.Scanner, Check: func(context.Context) health.Status { return health.Status{Up: true, Code: "ok"} }}},
		Tests:  []health.Test{{Device: health.Scanner, Run: func(context.Context) health.Result { return next }}},
	})
	for _, c := range []struct {
		name   string
		result health.Result
		faults string
	}{
		{"passed", health.Result{Step: "scan", Outcome: health.Pass}, ""},
		{"jammed", health.Result{Step: "scan", Outcome: health.Fail, Code: "jammed"}, `borne_device_faults_total{device="scanner",fault="jammed"} 1`},
		{"called off", health.Result{Step: "scan", Outcome: health.Cancelled}, `borne_device_faults_total{device="scanner",fault="jammed"} 1`},
	} {
		next = c.result
		got, statuses, ok := mon.Test(ctx, health.Scanner)
		if !ok || got.Outcome != c.result.Outcome || got.Device != health.Scanner || len(statuses) != 1 {
			t.Errorf("%s: %+v %v %v", c.name, got, statuses, ok)
		}
		if body := scrape(t, stats); c.faults != "" && !strings.Contains(body, c.faults) || c.faults == "" && strings.Contains(body, "faults_total{") {
			t.Errorf("%s: metrics:\n%s\nwant %q", c.name, body, c.faults)
		}
	}
	if _, _, ok := mon.Test(ctx, health.Printer); ok || mon.HasTest(health.Printer) || !mon.HasTest(health.Scanner) {
		t.Error("the printer, which has no test, was tested")
	}
}

func scrape(t *testing.T, stats *metrics.Metrics) string {
	srv := httptest.NewServer(stats.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
