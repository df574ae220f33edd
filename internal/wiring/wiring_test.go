package wiring

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/drivers/scanner"
	"borne/kiosk/session"
	"borne/kiosk/visit"
	"borne/testbench/demosite"
)

// The visit names the printer's codes it tells apart with the driver's words.
func TestPrintCodesAgree(t *testing.T) {
	for core, driver := range map[string]printer.Code{
		visit.MediaEmpty: printer.MediaEmpty, visit.MediaJam: printer.MediaJam, visit.CoverOpen: printer.CoverOpen,
		visit.MarkerEmpty: printer.MarkerEmpty, visit.QuotaExceeded: printer.QuotaExceeded, visit.Unprintable: printer.Unprintable,
		visit.JobAborted: printer.JobAborted, visit.Canceled: printer.Canceled, visit.JobCanceled: printer.JobCanceled,
	} {
		if core != string(driver) {
			t.Errorf("visit says %q where the printer driver says %q", core, driver)
		}
	}
}

func TestScanCodesAgree(t *testing.T) {
	for core, driver := range map[string]error{visit.ScanCancelled: scanner.ErrCancelled, visit.ScanNoDocuments: scanner.ErrNoDocuments, visit.ScanGone: scanner.ErrGone} {
		if got := scanner.Describe(driver).Code; core != got {
			t.Errorf("visit says %q where the scanner driver says %q", core, got)
		}
	}
}

// attestation writes the demo site's attestation, a real one-page PDF.
func attestation(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "attestation.pdf")
	if err := os.WriteFile(path, demosite.Attestation("CAF", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ipp is the IPP printer fake and a visit host printing on it.
func ipp(t *testing.T, quota int, done func()) (*printertest.Server, *visit.Visit, *visit.Host) {
	t.Helper()
	s := printertest.NewServer()
	t.Cleanup(s.Close)
	c, err := printer.Open(s.URI(), printer.Options{Timeout: 300 * time.Millisecond, PollEvery: 5 * time.Millisecond, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h := visit.NewHost(visit.Options{Printer: Printer(c), PageQuota: quota, Log: quiet, CancelFor: 2 * time.Second,
		OnChange: func(_ *visit.Visit, snap visit.Snapshot) {
			if snap.Print.Seq > 0 && !snap.Print.Busy {
				done()
			}
		}})
	dir := filepath.Join(t.TempDir(), "s-visit")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	h.Begin(session.Begun{Session: 7, Dir: dir})
	return s, h.Current(), h
}

var quiet = slog.New(slog.DiscardHandler)

// Through the IPP driver, a print counts the pages that came out; an
// aborted job gives back what it did not print.
func TestPrintOverIPP(t *testing.T) {
	tests := []struct {
		name                     string
		end, pagesDone           int // the job's end state (9 completed, 8 aborted) and pages printed
		wantProblem              string
		wantPrinted, wantRemains int
	}{
		{"completed", 9, 1, "", 1, 4},
		{"aborted", 8, 0, visit.JobAborted, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ended := make(chan struct{}, 1)
			s, v, _ := ipp(t, 5, func() { ended <- struct{}{} })
			s.SetJobs(1, tc.end, tc.pagesDone)
			v.Print("caf", attestation(t, v.Dir()), 1)
			<-ended
			got := v.Snapshot()
			if got.Print.Problem != tc.wantProblem || got.Printed != tc.wantPrinted || got.Remaining != tc.wantRemains {
				t.Fatalf("after the job: %+v; want problem %q, printed %d, remaining %d", got, tc.wantProblem, tc.wantPrinted, tc.wantRemains)
			}
		})
	}
}

// Whatever a resident left printing is cancelled at the printer when the
// visit ends.
func TestVisitEndCancelsJobs(t *testing.T) {
	s, v, h := ipp(t, 10, func() {})
	s.SetJobs(0, 9, 0) // jobs that never end
	s.SetState(printertest.Stopped, "media-empty-error")
	pdf := attestation(t, v.Dir())
	v.Print("caf", pdf, 1)
	for v.Snapshot().Print.Waiting == "" { // the printer holds it: out of paper
		time.Sleep(time.Millisecond)
	}
	if got := v.Snapshot().Print.Waiting; got != visit.MediaEmpty {
		t.Fatalf("waiting for %q, want %q", got, visit.MediaEmpty)
	}
	h.End(session.Ending{Dir: v.Dir()})
	h.Wait()
	if st := s.JobState(1); st != int(printer.JobStateCanceled) {
		t.Fatalf("job 1 in state %d after the visit ended, want canceled", st)
	}
	if _, err := os.Stat(v.Dir()); !os.IsNotExist(err) {
		t.Fatalf("the visit's directory is left: %v", err)
	}
}
