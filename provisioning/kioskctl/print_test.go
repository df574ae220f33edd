package kioskctl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/drivers/printer/printertest"
	"borne/internal/escpos"
	"borne/testbench/demosite"
)

func pdfFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "attestation.pdf")
	os.WriteFile(path, demosite.Attestation("CAF", time.Now()), 0o600)
	return path
}

func TestPrint(t *testing.T) {
	s := printertest.NewServer()
	defer s.Close()
	pdf := pdfFile(t)
	noPrinter := writeConfig(t, t.TempDir())
	tests := []struct {
		name   string
		setup  func()
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"status", nil, []string{"--printer", s.URI(), "--status"}, 0, []string{"ready", "Imprimante prête", "Black toner 40 %"}, ""},
		{"status, out of paper", func() { s.SetState(printertest.Stopped, "media-empty-error") }, []string{"--printer", s.URI(), "--status"}, 1,
			[]string{"media-empty", "plus de papier (media-empty-error)"}, ""},
		{"print", nil, []string{"--printer", s.URI(), "--copies", "2", pdf}, 0, []string{"job 1 accepted (application/pdf)", "job 1: completed", "job 1 completed in"}, ""},
		{"stuck job is canceled", func() { s.SetJobs(0, 9, 0) }, []string{"--printer", s.URI(), "--timeout", "600ms", pdf}, 1,
			[]string{"job 2 accepted", "job 2 canceled"}, "canceled"},
		{"refused format", func() { s.SetFormats("application/postscript") }, []string{"--printer", s.URI(), pdf}, 1, nil, "unprintable"},
		{"missing file", nil, []string{"--printer", s.URI(), filepath.Join(t.TempDir(), "none.pdf")}, 1, nil, "no such file"},
		{"no file", nil, []string{"--printer", s.URI()}, 2, nil, "want one PDF file"},
		{"two files", nil, []string{"--printer", s.URI(), pdf, pdf}, 2, nil, "want one PDF file"},
		{"status with a file", nil, []string{"--printer", s.URI(), "--status", pdf}, 2, nil, "takes no file"},
		{"copies", nil, []string{"--printer", s.URI(), "--copies", "0", pdf}, 2, nil, "--copies 0"},
		{"bad address", nil, []string{"--printer", "lpd://x/q", pdf}, 2, nil, "must start with ipp://"},
		{"no printer configured", nil, []string{"--config", noPrinter, pdf}, 2, nil, "no printer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetState(printertest.Idle)
			s.SetJobs(1, 9, 1)
			s.SetFormats("application/pdf")
			if tt.setup != nil {
				tt.setup()
			}
			expect(t, append([]string{"print"}, tt.args...), tt.code, tt.stdout, tt.stderr)
		})
	}
	if st := s.JobState(2); st != 7 {
		t.Errorf("the stuck job is in state %d, want canceled", st)
	}
}

func TestTicket(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ticket.bin")
	for _, lang := range []string{"fr", "ar"} {
		code, stdout, stderr := run("ticket", "--out", out, "--lang", lang)
		if code != 0 || !strings.Contains(stdout, "bytes of ESC/POS") {
			t.Fatalf("%s: exit %d: %s %s", lang, code, stdout, stderr)
		}
		data, _ := os.ReadFile(out)
		if !bytes.HasPrefix(data, []byte("\x1b@\x1bt\x13")) {
			t.Errorf("%s: starts % x", lang, data[:min(8, len(data))])
		}
	}
	if code, _, stderr := run("ticket", "--out", out, "--device", "/dev/null"); code != 2 || !strings.Contains(stderr, "give one of") {
		t.Errorf("--out and --device: exit %d %s", code, stderr)
	}
	if code, _, stderr := run("ticket", "--out", out, "--lang", "de"); code != 2 || !strings.Contains(stderr, `--lang "de"`) {
		t.Errorf("unknown language: exit %d %s", code, stderr)
	}
	if code, _, stderr := run("ticket", "--config", writeConfig(t, t.TempDir())); code != 2 || !strings.Contains(stderr, "no ticket printer") {
		t.Errorf("no printer: exit %d %s", code, stderr)
	}

	// On the virtual printer, through a pseudo-terminal.
	tickets := make(chan escpos.Ticket, 2)
	vp, device := virtualTicketPrinter(t, func(_ string, tk escpos.Ticket) { tickets <- tk })
	if code, stdout, stderr := run("ticket", "--device", device, "--counters"); code != 0 || !strings.Contains(stdout, "ticket printer: ok") || !strings.Contains(stdout, "ticket printed") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	select {
	case <-tickets:
	case <-time.After(5 * time.Second):
		t.Fatal("no ticket")
	}
	vp.SetFault(escpos.Fault{PaperOut: true})
	if code, stdout, stderr := run("ticket", "--device", device); code != 1 || !strings.Contains(stdout, "paper-out") || !strings.Contains(stderr, "paper-out") {
		t.Errorf("out of paper: exit %d: %s %s", code, stdout, stderr)
	}
	vp.SetFault(escpos.Fault{Silent: true})
	if code, stdout, _ := run("ticket", "--device", device, "--status"); code != 1 || !strings.Contains(stdout, "no-reply") {
		t.Errorf("silent: exit %d: %s", code, stdout)
	}
}
