package kioskctl

import (
	"encoding/json"
	"strings"
	"testing"

	"borne/drivers/printer/printertest"
	"borne/drivers/selftest"
	"borne/internal/escpos"
)

// kioskctl test runs the self-tests of drivers/selftest on the devices
// given: a fake IPP printer (out of paper on demand) and the virtual
// ticket printer over a pseudo-terminal.
func TestSelfTestCmd(t *testing.T) {
	ipp := printertest.NewServer()
	defer ipp.Close()
	// The virtual printer draws each ticket before it answers the status
	// request that follows it: under the race detector that takes longer
	// than a real printer takes to answer, hence --status-wait.
	rp, device := virtualTicketPrinter(t, nil)
	cfg := writeConfig(t, t.TempDir()) // names no device
	devs := []string{"--config", cfg, "--printer", ipp.URI(), "--receipt", device, "--status-wait", "10s"}
	for _, c := range []struct {
		name   string
		setup  func()
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"both pass", nil, devs, 0, []string{"printer  test-page    pass", "Page de test imprimée", "receipt  test-ticket  pass", "Ticket de test imprimé"}, ""},
		{"one device", nil, append(devs, "receipt"), 0, []string{"receipt  test-ticket  pass"}, ""},
		{"out of paper", func() { ipp.SetState(printertest.Stopped, "media-empty-error") }, append(devs, "printer"), 1,
			[]string{"printer  test-page  fail", "media-empty", "Impression impossible"}, ""},
		{"ticket paper out", func() { rp.SetFault(escpos.Fault{PaperOut: true}) }, append(devs, "receipt"), 1,
			[]string{"paper-out", "changer le rouleau"}, ""},
		{"no device", nil, []string{"--config", cfg}, 2, nil, "no device to test"},
		{"unconfigured device", nil, []string{"--config", cfg, "scanner"}, 2, nil, "no scanner in the configuration"},
		{"unknown device", nil, append(devs, "toaster"), 2, nil, `"toaster": want scanner, printer or receipt`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ipp.SetState(printertest.Idle)
			rp.SetFault(escpos.Fault{})
			if c.setup != nil {
				c.setup()
			}
			expect(t, append([]string{"test"}, c.args...), c.code, c.stdout, c.stderr)
		})
	}

	code, stdout, _ := run(append([]string{"test", "--json"}, devs...)...)
	var results []selftest.Result
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r selftest.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		results = append(results, r)
	}
	if code != 0 || len(results) != 2 || results[0].Device != selftest.Printer || results[1].Outcome != selftest.Pass || results[1].Duration <= 0 {
		t.Errorf("--json: exit %d, %+v", code, results)
	}
}
