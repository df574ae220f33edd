package health_test

import (
	"context"
	"fmt"
	stdpng "image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/internal/escpos"
	"borne/kiosk/health"
	"borne/kiosk/metrics"
	"borne/kiosk/usage"
	"borne/testbench/lobby"
	"borne/testbench/lobby/lobbytest"
)

var quiet = slog.New(slog.DiscardHandler)

// TestMain points libsane at the simulated lobby's pnm scanner before
// anything initialises it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "health-sane")
	if err != nil {
		panic(err)
	}
	page, _ := filepath.Abs("../../testdata/pages/letter.jpg")
	if _, err := lobby.UseSANE(dir, []string{page}); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The monitor asks the real simulated devices; the faults the receipt
// printer is put through show in its statuses, the metrics and the usage
// store, each counted once however many times it is seen.
func TestMonitorOnSimulatedLobby(t *testing.T) {
	ctx := context.Background()
	ps := lobbytest.StartPrinters(t)
	rp := ps.Receipt
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

	// SANE cannot unplug its pnm scanner: the listing hides it instead.
	unplugged := false
	list := func(ctx context.Context) ([]scanner.Info, error) {
		if unplugged {
			return nil, nil
		}
		return scanner.List(ctx)
	}
	mon := health.New(health.Options{Metrics: stats, Usage: rec, Log: quiet, Probes: []health.Probe{
		health.ScannerProbe("pnm:0", list),
		health.PrinterProbe(ps.A4),
		health.ReceiptProbe(ps.Tickets),
	}})
	type want struct {
		up    bool
		code  string
		paper metrics.Paper
	}
	steps := []struct {
		name   string
		fault  escpos.Fault
		unplug bool
		want   map[string]want
	}{
		{"all ready", escpos.Fault{}, false, map[string]want{
			health.Scanner: {true, "ok", ""}, health.Printer: {true, "ready", metrics.PaperOK}, health.Receipt: {true, "ok", metrics.PaperOK}}},
		{"ticket paper low", escpos.Fault{PaperLow: true}, false, map[string]want{health.Receipt: {true, "paper-low", metrics.PaperLow}}},
		{"ticket paper out", escpos.Fault{PaperOut: true}, false, map[string]want{health.Receipt: {false, "paper-out", metrics.PaperOut}}},
		{"still out: not a new fault", escpos.Fault{PaperOut: true}, false, map[string]want{health.Receipt: {false, "paper-out", metrics.PaperOut}}},
		{"silent", escpos.Fault{Silent: true}, false, map[string]want{health.Receipt: {false, "no-reply", metrics.PaperUnknown}}},
		{"scanner unplugged", escpos.Fault{}, true, map[string]want{health.Scanner: {false, "absent", ""}, health.Receipt: {true, "ok", metrics.PaperOK}}},
	}
	for _, st := range steps {
		rp.SetFault(st.fault)
		unplugged = st.unplug
		got := map[string]health.Status{}
		for _, s := range mon.Refresh(ctx) {
			got[s.Device] = s
		}
		for dev, w := range st.want {
			g := got[dev]
			if g.Up != w.up || g.Code != w.code || g.Paper != w.paper || g.Staff == "" {
				t.Errorf("%s: %s = %+v, want up=%v code=%s paper=%q and words for staff", st.name, dev, g, w.up, w.code, w.paper)
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
	srv := httptest.NewServer(stats.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
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

// The test page is one A4 page: its title reads back, and its grey ramp
// gets darker step after step.
func TestWriteTestPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.pdf")
	if err := health.WriteTestPage(path, "Borne k1 — page de test"); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(info)), " "), "Pages: 1 ") || !strings.Contains(string(info), "(A4)") {
		t.Errorf("not one A4 page:\n%s", info)
	}
	text, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil || !strings.Contains(string(text), "Borne k1 — page de test") || !strings.Contains(string(text), "24 pt") {
		t.Errorf("page text: %q %v", text, err)
	}
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command("pdftoppm", "-r", "50", "-png", "-singlefile", path, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(png + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := stdpng.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The ramp's steps are 13 mm wide from 30 mm, 77 to 97 mm from the top.
	prev := -1
	for i := range 11 {
		x := int((36.5 + 13*float64(i)) * 50 / 25.4)
		r, _, _, _ := img.At(x, 171).RGBA() // 87 mm down
		if v := 65535 - int(r); v <= prev {
			t.Errorf("grey step %d (%d) not darker than step %d (%d)", i, v, i-1, prev)
		} else {
			prev = v
		}
	}
}

// A listing held up by a resident's long scan is no fault: the scanner is
// busy, not gone.
func TestScannerProbeBusy(t *testing.T) {
	held := func(ctx context.Context) ([]scanner.Info, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("scanner: list: %w", ctx.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	st := health.ScannerProbe("pnm:0", held).Check(ctx)
	if !st.Up || st.Code != "busy" {
		t.Errorf("status while a scan holds libsane: %+v, want up and busy", st)
	}
}
