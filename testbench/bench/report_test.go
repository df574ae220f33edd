package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func sampleReport() *Report {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return &Report{Kiosk: "demo-01", Simulated: true, Started: t0, Finished: t0.Add(3 * time.Second), Suites: []SuiteResult{
		{Suite: "scanner", Started: t0, Steps: []Step{
			{Device: "scanner test:0", Name: "open", Did: "opened", Verdict: Pass, Duration: time.Millisecond},
			{Device: "scanner test:0", Name: "scan-150dpi-gray", Did: "scanned <&>", Verdict: Fail, Code: "jammed", Detail: "paper jammed \"here\"",
				Measures: []Measure{{Name: "time", Value: 0.5, Unit: "s"}}, Evidence: []string{"scan-150dpi-gray.png"}},
		}},
		{Suite: "gpio", Started: t0, Steps: []Step{{Device: "gpio", Name: "help-button", Did: "waited", Verdict: Skip, Detail: "headless"}}},
	}}
}

func TestReportFormats(t *testing.T) {
	rep := sampleReport()
	devs := rep.Devices()
	if len(devs) != 2 || devs[0].Verdict != Fail || devs[0].Codes[0] != "jammed" || devs[1].Verdict != Skip {
		t.Errorf("devices: %+v", devs)
	}
	var html, junit bytes.Buffer
	if err := rep.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"scanned &lt;&amp;&gt;", `<img src="scan-150dpi-gray.png"`, "1 step(s) failed", "time: 0.5 s"} {
		if !strings.Contains(html.String(), s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`<testsuites name="borne testbench" tests="3" failures="1" errors="0" skipped="1"`, `type="jammed"`, `<skipped message="headless">`} {
		if !strings.Contains(junit.String(), s) {
			t.Errorf("JUnit lacks %q:\n%s", s, junit.String())
		}
	}
	dir := t.TempDir()
	if err := rep.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, dir+"/junit.xml", rep)
}

func TestParseReport(t *testing.T) {
	good, _ := json.Marshal(sampleReport())
	if r, err := ParseReport(good); err != nil || r.Failed() != 1 {
		t.Fatalf("%v %v", r, err)
	}
	for name, edit := range map[string]func(string) string{
		"evidence outside":  func(s string) string { return strings.Replace(s, `"scan-150dpi-gray.png"`, `"../../etc/passwd"`, 1) },
		"evidence absolute": func(s string) string { return strings.Replace(s, `"scan-150dpi-gray.png"`, `"/etc/passwd"`, 1) },
		"evidence url":      func(s string) string { return strings.Replace(s, `"scan-150dpi-gray.png"`, `"javascript:alert(1)"`, 1) },
		"unknown verdict":   func(s string) string { return strings.Replace(s, `"verdict":"skip"`, `"verdict":"maybe"`, 1) },
		"fail without code": func(s string) string { return strings.Replace(s, `"code":"jammed",`, ``, 1) },
		"unknown field":     func(s string) string { return strings.Replace(s, `"kiosk"`, `"kiosque"`, 1) },
		"trailing data":     func(s string) string { return s + "{}" },
		"negative duration": func(s string) string { return strings.Replace(s, `"duration_ns":1000000`, `"duration_ns":-1`, 1) },
	} {
		bad := edit(string(good))
		if bad == string(good) {
			t.Fatalf("%s: edit changed nothing", name)
		}
		if _, err := ParseReport([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseReport: a report from anywhere parses or fails cleanly, and
// what parses renders and reads back the same.
func FuzzParseReport(f *testing.F) {
	good, _ := json.Marshal(sampleReport())
	f.Add(good)
	f.Add([]byte(`{"suites":[{"suite":"a4","steps":[{"verdict":"fail","code":"x","evidence":["a/b.png"]}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data)
		if err != nil {
			return
		}
		if err := r.WriteHTML(io.Discard); err != nil {
			t.Fatalf("HTML: %v", err)
		}
		if err := r.WriteJUnit(io.Discard); err != nil {
			t.Fatalf("JUnit: %v", err)
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseReport(again); err != nil {
			t.Fatalf("a parsed report does not parse again: %v\n%s", err, again)
		}
	})
}
