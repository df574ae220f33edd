package bench

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/testbench/lobby"
)

// base holds every simulated lobby of the package's tests: libsane reads
// its configuration once per process, so the folder must outlive each test.
var base string

func TestMain(m *testing.M) {
	var err error
	if base, err = os.MkdirTemp("", "borne-bench-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(base)
	os.Exit(code)
}

var testLog = slog.New(slog.DiscardHandler)

// startSim starts a simulated lobby for t, or skips t when the machine
// lacks a peer.
func startSim(t *testing.T, fault Fault) *Env {
	t.Helper()
	dir, err := os.MkdirTemp(base, "sim-")
	if err != nil {
		t.Fatal(err)
	}
	cfg, sim, err := StartSim(context.Background(), dir, fault, testLog)
	if errors.Is(err, lobby.ErrNoIPPEveprinter) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sim.Stop(); err != nil {
			t.Error(err)
		}
	})
	return &Env{Config: cfg, OutDir: filepath.Join(dir, "out"), Guide: Headless, Log: testLog, Sim: sim}
}

// The whole bench passes against the simulated lobby, with its evidence
// and its three reports.
func TestBenchOnSimulatedLobby(t *testing.T) {
	env := startSim(t, "")
	rep, err := Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"scanner": {"open", "options", "scan-150dpi-color", "scan-300dpi-color", "feeder-batch", "feeder-empty"},
		"a4":      {"attributes", "state-before", "test-page", "print", "state-after"},
		"receipt": {"status", "paper-sensors", "test-ticket", "silent"},
		"gpio":    {"help-button", "beacon-steady", "beacon-blink", "beacon-fast-blink", "beacon-off", "relay-a4", "relay-receipt", "relay-scanner"},
	}
	for _, s := range rep.Suites {
		var names []string
		for _, st := range s.Steps {
			names = append(names, st.Name)
			t.Logf("%s/%s on %s: %s %s %s (%v) %v", s.Suite, st.Name, st.Device, st.Verdict, st.Code, st.Detail, st.Duration.Round(time.Millisecond), st.Measures)
			if st.Verdict != Pass && !(st.Verdict == Skip && strings.HasPrefix(st.Name, "feeder-")) { // pnm has no feeder
				t.Errorf("%s/%s: %s %s: %s", s.Suite, st.Name, st.Verdict, st.Code, st.Detail)
			}
			for _, e := range st.Evidence {
				if fi, err := os.Stat(filepath.Join(env.OutDir, e)); err != nil || fi.Size() == 0 {
					t.Errorf("%s/%s: evidence %s: %v", s.Suite, st.Name, e, err)
				}
			}
		}
		if w, ok := want[s.Suite]; ok && !slices.Equal(names, w) {
			t.Errorf("suite %s ran %v, want %v", s.Suite, names, w)
		}
	}
	for _, ev := range []string{"scan-300dpi-color.png", "a4-testpage.pdf", "receipt-ticket.png", "scanner-options.txt"} {
		if _, err := os.Stat(filepath.Join(env.OutDir, ev)); err != nil {
			t.Errorf("evidence: %v", err)
		}
	}
	if err := rep.WriteFiles(env.OutDir); err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, filepath.Join(env.OutDir, "junit.xml"), rep)
	html, _ := os.ReadFile(filepath.Join(env.OutDir, "report.html"))
	for _, s := range []string{`<img src="receipt-ticket.png"`, `<img src="scan-150dpi-color.png"`, `href="a4-testpage.pdf"`, "Devices"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("report.html lacks %s", s)
		}
	}
	data, _ := os.ReadFile(filepath.Join(env.OutDir, "report.json"))
	back, err := ParseReport(data)
	if err != nil || len(back.Suites) != len(rep.Suites) || back.Failed() != 0 || !back.Simulated {
		t.Errorf("report.json read back: %+v, %v", back, err)
	}
}

// Each fault the simulated lobby injects is reported against the right
// device and step, with its code, and the suite's other steps say why
// they did not run.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		fault        Fault
		suite, step  string
		device, code string
	}{
		{ScannerJam, "scanner", "scan-150dpi-color", "scanner pnm:0", "jammed"},
		{ScannerEmptyFeeder, "scanner", "scan-150dpi-color", "scanner pnm:0", "no-documents"},
		{PrinterPaperOut, "a4", "state-before", "ipp://", "media-empty"},
		{ReceiptPaperOut, "receipt", "paper-sensors", "/receipt", "paper-out"},
		{ReceiptSilent, "receipt", "status", "/receipt", "silent"},
		{ButtonNeverPressed, "gpio", "help-button", "gpio/HELP", "no-press"},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			env := startSim(t, tc.fault)
			start := time.Now()
			rep, err := Run(context.Background(), env, tc.suite)
			if err != nil {
				t.Fatal(err)
			}
			var got *Step
			for i, st := range rep.Suites[0].Steps {
				if st.Name == tc.step {
					got = &rep.Suites[0].Steps[i]
				}
			}
			if got == nil {
				t.Fatalf("no step %s in %+v", tc.step, rep.Suites[0].Steps)
			}
			if got.Verdict != Fail || got.Code != tc.code || !strings.Contains(got.Device, tc.device) {
				t.Errorf("step %s: %s %q on %s (%s), want fail %q on %s", tc.step, got.Verdict, got.Code, got.Device, got.Detail, tc.code, tc.device)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("the suite took %v with the fault", took)
			}
			if tc.fault == ReceiptSilent && got.Duration > statusBound {
				t.Errorf("silence told in %v, want under %v", got.Duration, statusBound)
			}
		})
	}
}

// A soak of a few hundred cycles on the simulated lobby counts every step,
// fails none, and its live heap does not grow with the cycles.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	env := startSim(t, "")
	const cycles = 300
	res, err := Soak(context.Background(), env, SoakOptions{Cycles: cycles})
	if err != nil {
		t.Fatal(err)
	}
	growth := int64(res.HeapEnd) - int64(res.HeapStart)
	t.Logf("%d cycles in %v: %.1f cycles/s; heap %d → %d B (peak %d, growth %d B)", res.Cycles, res.Elapsed.Round(time.Millisecond),
		res.CyclesPerSecond, res.HeapStart, res.HeapEnd, res.HeapPeak, growth)
	for _, s := range res.Steps {
		t.Logf("%s on %s: %d runs, %d failed, mean %v, slowest %v", s.Step, s.Device, s.Runs, s.Failed, s.Mean.Round(time.Microsecond), s.Slowest.Round(time.Microsecond))
	}
	if res.Cycles != cycles || len(res.Steps) != 3 {
		t.Fatalf("%d cycles, %d kinds of step", res.Cycles, len(res.Steps))
	}
	for _, s := range res.Steps {
		if s.Runs != cycles || s.Failed != 0 || s.Rate != 0 {
			t.Errorf("%s: %d runs, %d failed (%v)", s.Step, s.Runs, s.Failed, s.Codes)
		}
	}
	if len(res.Slowest) != keepSlowest || res.Slowest[0].Duration < res.Slowest[keepSlowest-1].Duration {
		t.Errorf("slowest steps: %d, not slowest first", len(res.Slowest))
	}
	// 300 cycles keep nothing per cycle: a leak of even a kilobyte a
	// cycle would show.
	if growth > 2<<20 || res.HeapPeak > res.HeapStart+4<<20 {
		t.Errorf("heap grew by %d B (peak %d, start %d)", growth, res.HeapPeak, res.HeapStart)
	}
}

// A soak counts each failure by its kind and code.
func TestSoakCountsFailures(t *testing.T) {
	env := startSim(t, ReceiptPaperOut)
	res, err := Soak(context.Background(), env, SoakOptions{Cycles: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		want := 0
		if s.Step == "receipt/ticket" {
			want = 20
		}
		if s.Failed != want || (want > 0 && (s.Codes["paper-out"] != want || s.Rate != 1)) {
			t.Errorf("%s: %d failed %v, want %d", s.Step, s.Failed, s.Codes, want)
		}
	}
	if res.Failed() != 20 {
		t.Errorf("%d failures", res.Failed())
	}
	if _, err := Soak(context.Background(), env, SoakOptions{}); err == nil {
		t.Error("a soak without bounds ran")
	}
	res, err = Soak(context.Background(), env, SoakOptions{Duration: 300 * time.Millisecond})
	if err != nil || res.Cycles < 1 || res.Elapsed > 5*time.Second {
		t.Errorf("soak for a duration: %d cycles in %v, %v", res.Cycles, res.Elapsed, err)
	}
}

// checkJUnit validates the JUnit file against testdata/junit.xsd (with
// xmllint, when installed: Debian's libxml2-utils) and checks its counts.
func checkJUnit(t *testing.T, path string, rep *Report) {
	t.Helper()
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", path).CombinedOutput()
		if err != nil {
			t.Errorf("junit.xml is not valid: %v\n%s", err, out)
		}
	} else {
		t.Log("xmllint not installed: junit.xml checked by structure only")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	steps, failed := 0, 0
	for _, s := range rep.Suites {
		steps += len(s.Steps)
		failed += s.Failed()
	}
	cases := 0
	for _, s := range doc.Suites {
		cases += len(s.Cases)
		for _, c := range s.Cases {
			if c.Name == "" || !strings.HasPrefix(c.Classname, "bench.") || (c.Failure != nil && c.Skipped != nil) {
				t.Errorf("testcase %+v", c)
			}
		}
	}
	if doc.Tests != steps || cases != steps || doc.Failures != failed || len(doc.Suites) != len(rep.Suites) {
		t.Errorf("junit: %d tests, %d cases, %d failures, %d suites; report: %d steps, %d failed, %d suites",
			doc.Tests, cases, doc.Failures, len(doc.Suites), steps, failed, len(rep.Suites))
	}
}
