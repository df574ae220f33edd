package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bench commands' exit statuses: 0 all passed, 1 a step failed, 2 a
// usage error; run writes its three reports and report reads them back.
// One test, one folder: libsane keeps the first simulated lobby's
// configuration for the whole process.
func TestBenchCommands(t *testing.T) {
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name string
		run  func([]string) int
		args []string
		want int
	}{
		{"run passes", runBench, []string{"--sim", "--out", out("ok"), "receipt", "a4"}, 0},
		{"run with a fault", runBench, []string{"--sim", "--fault", "receipt-paper-out", "--out", out("paper"), "receipt"}, 1},
		{"soak passes", runSoak, []string{"--sim", "--cycles", "5", "--out", out("soak")}, 0},
		{"report of a pass", runReport, []string{"--junit", out("again.xml"), "--html", out("again.html"), out("ok/report.json")}, 0},
		{"report of a failure", runReport, []string{out("paper/report.json")}, 1},
		{"report of nothing", runReport, []string{out("none.json")}, 2},
		{"report of two", runReport, []string{out("ok/report.json"), out("ok/report.json")}, 2},
		{"fault without sim", runBench, []string{"--fault", "scanner-jam", "--out", out("x")}, 2},
		{"unknown fault", runBench, []string{"--sim", "--fault", "fire", "--out", out("x")}, 1},
		{"unknown suite", runBench, []string{"--sim", "--out", out("x"), "coffee"}, 2},
		{"bad flag", runBench, []string{"--colour"}, 2},
		{"soak without bounds", runSoak, []string{"--sim"}, 2},
		{"list with arguments", runList, []string{"scanner"}, 2},
	} {
		if got := tc.run(tc.args); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, f := range []string{"ok/report.json", "ok/report.html", "ok/junit.xml", "ok/receipt-ticket.png", "ok/a4-testpage.pdf", "soak/soak.json", "again.xml", "again.html"} {
		if fi, err := os.Stat(out(f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if openGuide == nil {
		if got := runBench([]string{"--guided", "--out", out("x")}); got != 2 {
			t.Errorf("--guided without a guided mode: exit %d", got)
		}
	}
}

func TestTouchDevices(t *testing.T) {
	const devices = `I: Bus=0003 Vendor=0eef Product=0001 Version=0100
N: Name="eGalax Inc. USB TouchController"
H: Handlers=mouse0 event3
B: EV=b
B: ABS=260800000000003

I: Bus=0011 Vendor=0001 Product=0001 Version=ab41
N: Name="AT Translated Set 2 keyboard"
H: Handlers=sysrq kbd event0 leds
B: EV=120013
`
	got := touchDevices(strings.NewReader(devices))
	if len(got) != 1 || got[0].event != "event3" || !strings.Contains(got[0].name, "eGalax") {
		t.Errorf("%+v", got)
	}
}

func TestDNSSDURIs(t *testing.T) {
	out := `+;eth0;IPv4;Office\032Printer;_ipp._tcp;local
=;eth0;IPv4;Office\032Printer;_ipp._tcp;local;printer.local;192.168.1.20;631;"txtvers=1" "rp=ipp/print" "pdl=application/pdf"
=;eth0;IPv6;Office\032Printer;_ipp._tcp;local;printer.local;fe80::1;631;"rp=ipp/print"
=;eth0;IPv4;CUPS;_ipp._tcp;local;bench.local;192.168.1.5;631;"rp=printers/A4"
`
	got := dnssdURIs(out)
	want := []string{"ipp://192.168.1.20:631/ipp/print", "ipp://192.168.1.5:631/printers/A4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%v, want %v", got, want)
	}
}
