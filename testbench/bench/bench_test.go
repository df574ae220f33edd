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

	"borne/drivers/scanner"
	"borne/drivers/selftest"
	"borne/testbench/lobby"
)

// base holds every simulated lobby of the package's tests: libsane reads
// its configuration once per process, so the folder must outlive each test.
var base string

// misbehaveEnv makes a scan child of the tests hang or die before it
// answers (see TestScanChild).
const misbehaveEnv = "BORNE_BENCH_TEST_CHILD"

// TestMain runs the tests, or, in a scan child of the simulated feeder,
// that child's scan.
func TestMain(m *testing.M) {
	switch os.Getenv(misbehaveEnv) {
	case "hang":
		time.Sleep(time.Hour)
	case "die":
		fmt.Println("libsane: the reader thread fell over")
		os.Exit(3)
	}
	ServeScanChild()
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
		"gpio":    {"help-button", "beacon-steady", "beacon-blink", "beacon-fast-blink", "beacon-off", "relay-printer", "relay-receipt", "relay-scanner"},
	}
	for _, s := range rep.Suites {
		var names []string
		for _, st := range s.Steps {
			names = append(names, st.Name)
			t.Logf("%s/%s on %s: %s %s %s (%v) %v", s.Suite, st.Name, st.Device, st.Verdict, st.Code, st.Detail, st.Duration.Round(time.Millisecond), st.Measures)
			if st.Verdict != Pass {
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
	for _, ev := range []string{"scan-300dpi-color.png", "feeder-page01.png", "feeder-page02.png", "a4-testpage.pdf", "receipt-ticket.png", "scanner-options.txt"} {
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
		{ScannerJam, "scanner", "feeder-batch", "scanner test:0", "jammed"},
		{ScannerEmptyFeeder, "scanner", "feeder-batch", "scanner test:0", "no-documents"},
		{PrinterPaperOut, "a4", "state-before", "ipp://", "media-empty"},
		{ReceiptPaperOut, "receipt", "paper-sensors", "/receipt", "paper-out"},
		{ReceiptSilent, "receipt", "status", "/receipt", "silent"},
		{ButtonNeverPressed, "gpio", "help-button", "gpio/HELP", "no-press"},
	} {
		t.Run(string(tc.fault)+"/"+tc.step, func(t *testing.T) {
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

// The simulated feeder scanned in child processes: pages, options and
// errors come back as the driver gives them in the child, and a child that
// hangs or dies is told apart in bounded time, its output kept in the error
// rather than printed.
func TestScanChild(t *testing.T) {
	env := startSim(t, "")
	child := func(misbehave string) *childScanner {
		c := &childScanner{name: SimFeeder, env: env.Sim.saneEnv, log: testLog}
		if misbehave != "" {
			c.env = append(slices.Clone(c.env), misbehaveEnv+"="+misbehave)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	list, err := child("").settings(ctx)
	cancel()
	src := byName(list)["source"]
	if _, adf := pickFeeder(src.Choices); err != nil || !adf {
		t.Errorf("the feeder's sources: %+v, %v", src, err)
	}
	for _, tc := range []struct {
		name      string
		fault     string // the test backend's read-return-value
		misbehave string // of the child
		asChild   bool   // the parent runs as a child that did not serve
		timeout   time.Duration
		pages     int
		code      string
		says      string // in the error
	}{
		{name: "batch", timeout: 20 * time.Second, pages: 10},
		{name: "empty feeder", fault: "SANE_STATUS_NO_DOCS", timeout: 20 * time.Second, code: "no-documents", says: "no document in the feeder"},
		{name: "jam", fault: "SANE_STATUS_JAMMED", timeout: 20 * time.Second, code: "jammed", says: "paper jammed"},
		{name: "hung child", misbehave: "hang", timeout: 2 * time.Second, code: "timeout", says: "killed"},
		{name: "child dies", misbehave: "die", timeout: 20 * time.Second, code: "unknown", says: "the reader thread fell over"},
		{name: "binary that does not serve", asChild: true, timeout: 20 * time.Second, code: "unknown", says: "does not serve scan children"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.asChild {
				t.Setenv(scanChildEnv, "{}")
			}
			extra := map[string]string{"test-picture": "Grid"}
			if tc.fault != "" {
				extra["read-return-value"] = tc.fault
			}
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			start := time.Now()
			pages, err := child(tc.misbehave).Scan(ctx, scanner.Options{Resolution: 150, Mode: scanner.Gray, Source: scanner.ADF, Extra: extra}, nil)
			took := time.Since(start)
			code := ""
			if err != nil {
				code = scanner.Describe(err).Code
			}
			if len(pages) != tc.pages || code != tc.code || (tc.says != "" && !strings.Contains(fmt.Sprint(err), tc.says)) {
				t.Errorf("%d pages, %q (%s); want %d pages, %q saying %q", len(pages), err, code, tc.pages, tc.code, tc.says)
			}
			if took > tc.timeout+2*time.Second {
				t.Errorf("answered in %v, past the %v deadline", took, tc.timeout)
			}
			for i, p := range pages {
				if c := selftest.CheckImage(p.Image, p.DPI, 0, 0); c.Code != "" || p.DPI != 150 {
					t.Errorf("page %d at %d dpi: %s %s", i+1, p.DPI, c.Code, c.Detail)
				}
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
