package printer_test

import (
	"context"
	"testing"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
)

func TestSessionQuota(t *testing.T) {
	s, c := fake(t)
	s.SetJobs(1, 9, 3)
	pdf := attestation(t)
	ctx := context.Background()
	sess := printer.NewSession(c, 5, quiet)

	job, err := sess.Print(ctx, pdf, printer.PrintOptions{Pages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sess.Remaining() != 2 {
		t.Errorf("remaining while printing: %d", sess.Remaining())
	}
	// While the first job runs, its pages are held: 3 more do not fit.
	if _, err := sess.Print(ctx, pdf, printer.PrintOptions{Pages: 3}); printer.CodeOf(err) != printer.QuotaExceeded {
		t.Errorf("over quota: %v", err)
	}
	if _, err := sess.Print(ctx, pdf, printer.PrintOptions{Pages: 1, Copies: 3}); printer.CodeOf(err) != printer.QuotaExceeded {
		t.Errorf("copies count: %v", err)
	}
	if _, err := sess.Print(ctx, pdf, printer.PrintOptions{}); printer.CodeOf(err) != printer.Failure {
		t.Errorf("unknown page count: %v", err)
	}
	if _, err := sess.Wait(ctx, job, nil); err != nil {
		t.Fatal(err)
	}
	if sess.Printed() != 3 || sess.Remaining() != 2 {
		t.Errorf("printed %d, remaining %d", sess.Printed(), sess.Remaining())
	}

	// An aborted job gives back the pages it did not print.
	s.SetJobs(1, 8, 0)
	job, err = sess.Print(ctx, pdf, printer.PrintOptions{Pages: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Wait(ctx, job, nil); printer.CodeOf(err) != printer.JobAborted {
		t.Fatalf("aborted: %v", err)
	}
	if sess.Printed() != 3 || sess.Remaining() != 2 {
		t.Errorf("after abort: printed %d, remaining %d", sess.Printed(), sess.Remaining())
	}

	// A refused job holds nothing.
	s.SetAccepting(false)
	if _, err := sess.Print(ctx, pdf, printer.PrintOptions{Pages: 2}); printer.CodeOf(err) != printer.NotAccepting {
		t.Errorf("refused: %v", err)
	}
	if sess.Remaining() != 2 {
		t.Errorf("a refused job kept its pages: %d", sess.Remaining())
	}
}

// Whatever a resident left printing is canceled when their session ends.
func TestSessionEndCancels(t *testing.T) {
	s, c := fake(t)
	s.SetJobs(0, 9, 0) // jobs that never end
	s.SetState(printertest.Stopped, "media-empty-error")
	sess := printer.NewSession(c, 10, quiet)
	pdf := attestation(t)
	var ids []int
	for range 2 {
		job, err := sess.Print(context.Background(), pdf, printer.PrintOptions{Pages: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
	}
	if err := sess.End(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if st := s.JobState(id); st != int(printer.JobStateCanceled) {
			t.Errorf("job %d in state %d after the session ended", id, st)
		}
	}
	if sess.Remaining() != 10 {
		t.Errorf("remaining %d", sess.Remaining())
	}
	s.Close()
	if err := sess.End(context.Background()); err != nil {
		t.Errorf("nothing left to cancel: %v", err)
	}
}
