package printer_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/OpenPrinting/goipp"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/testbench/demosite"
)

var quiet = slog.New(slog.DiscardHandler)

// attestation writes the demo site's attestation, a real one-page PDF.
func attestation(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "attestation.pdf")
	if err := os.WriteFile(path, demosite.Attestation("CAF", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func fake(t *testing.T) (*printertest.Server, *printer.Client) {
	t.Helper()
	s := printertest.NewServer()
	t.Cleanup(s.Close)
	c, err := printer.Open(s.URI(), printer.Options{Timeout: 300 * time.Millisecond, PollEvery: 5 * time.Millisecond, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestOpen(t *testing.T) {
	for _, uri := range []string{"ipp://localhost/printers/A4", "ipps://printer.local/ipp/print", "http://127.0.0.1:8631/ipp/print"} {
		if _, err := printer.Open(uri, printer.Options{}); err != nil {
			t.Errorf("%s: %v", uri, err)
		}
	}
	for _, uri := range []string{"", "lpd://host/queue", "/dev/usb/lp0", "ipp:///nohost"} {
		if _, err := printer.Open(uri, printer.Options{}); err == nil {
			t.Errorf("%q accepted", uri)
		}
	}
}

// What ippeveprinter cannot be made to do: each condition reaches the
// caller as the right code, fast.
func TestStatusConditions(t *testing.T) {
	tests := []struct {
		name    string
		state   int
		reasons []string
		code    printer.Code
	}{
		{"idle", printertest.Idle, nil, printer.Ready},
		{"printing", printertest.Processing, nil, printer.Busy},
		{"media empty", printertest.Stopped, []string{"media-empty-error"}, printer.MediaEmpty},
		{"media jam", printertest.Stopped, []string{"media-jam-error"}, printer.MediaJam},
		{"cover open", printertest.Stopped, []string{"cover-open-error"}, printer.CoverOpen},
		{"toner empty", printertest.Stopped, []string{"marker-supply-empty-error"}, printer.MarkerEmpty},
		{"offline", printertest.Stopped, []string{"offline-report"}, printer.Stopped},
		{"offline (error)", printertest.Stopped, []string{"offline-error"}, printer.Offline},
		{"paper low", printertest.Idle, []string{"media-low-warning"}, printer.Ready},
	}
	s, c := fake(t)
	for _, tt := range tests {
		s.SetState(tt.state, tt.reasons...)
		st, err := c.Status(context.Background())
		if err != nil || st.Code != tt.code {
			t.Errorf("%s: %s, %v; want %s", tt.name, st.Code, err, tt.code)
		}
	}
	s.SetState(printertest.Idle)
	s.SetAccepting(false)
	if st, _ := c.Status(context.Background()); st.Code != printer.NotAccepting || st.Ready() {
		t.Errorf("not accepting: %s", st.Code)
	}
	if _, err := c.Print(context.Background(), attestation(t), printer.PrintOptions{}); printer.CodeOf(err) != printer.NotAccepting {
		t.Errorf("print while not accepting: %v", err)
	}
}

// Broken answers give a code, within the time limit, never a hang.
func TestBrokenAnswers(t *testing.T) {
	tests := []struct {
		answer printertest.Answer
		code   printer.Code
	}{
		{printertest.Stall, printer.Timeout},
		{printertest.Truncated, printer.Protocol},
		{printertest.Garbage, printer.Protocol},
		{printertest.HTTPError, printer.Protocol},
	}
	s, c := fake(t)
	for _, tt := range tests {
		s.SetAnswer(tt.answer)
		start := time.Now()
		st, err := c.Status(context.Background())
		if printer.CodeOf(err) != tt.code || st.Code != tt.code || st.Ready() {
			t.Errorf("answer %d: %v (state %s), want %s", tt.answer, err, st.Code, tt.code)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("answer %d: took %v", tt.answer, took)
		}
	}
	// A caller giving up is told so, not "timeout".
	s.SetAnswer(printertest.Stall)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Status(ctx); printer.CodeOf(err) != printer.Canceled {
		t.Errorf("caller's deadline: %v", err)
	}
	// Nobody listening.
	s.Close()
	if _, err := c.Status(context.Background()); printer.CodeOf(err) != printer.Unreachable {
		t.Errorf("closed: %v", err)
	}
}

func TestPrintAndWait(t *testing.T) {
	s, c := fake(t)
	pdf := attestation(t)
	s.SetJobs(3, 9, 1)
	job, err := c.Print(context.Background(), pdf, printer.PrintOptions{Pages: 1, Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if job.Pages != 2 || job.Format != "application/pdf" {
		t.Errorf("job %+v", job)
	}
	var seen []printer.JobState
	st, err := c.Wait(context.Background(), job, func(s printer.JobStatus) { seen = append(seen, s.State) })
	if err != nil || st.State != printer.JobStateCompleted || st.PagesDone != 1 {
		t.Fatalf("wait: %+v, %v", st, err)
	}
	if !slices.Equal(seen, []printer.JobState{printer.JobStateProcessing, printer.JobStateCompleted}) {
		t.Errorf("progress %v", seen)
	}
	want, _ := os.ReadFile(pdf)
	if docs := s.Documents(); len(docs) != 1 || string(docs[0]) != string(want) {
		t.Errorf("the printer got %d documents", len(docs))
	}
	if ops := s.Ops(); !slices.Contains(ops, goipp.OpValidateJob) || slices.Index(ops, goipp.OpValidateJob) > slices.Index(ops, goipp.OpPrintJob) {
		t.Errorf("Validate-Job must come before Print-Job: %v", ops)
	}
}

// Paper runs out during a job: Wait says why it stands still, carries on
// when paper is back.
func TestJobStoppedByPrinter(t *testing.T) {
	s, c := fake(t)
	s.SetJobs(2, 9, 1)
	job, err := c.Print(context.Background(), attestation(t), printer.PrintOptions{Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.SetState(printertest.Stopped, "media-empty-error")
	stopped := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(context.Background(), job, func(st printer.JobStatus) {
			if st.State == printer.JobStateStopped && st.Printer != nil && st.Printer.Code == printer.MediaEmpty {
				close(stopped)
			}
		})
		done <- err
	}()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("Wait did not report the empty tray")
	}
	s.SetState(printertest.Idle)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the job did not finish once paper was back")
	}
}

func TestJobEnds(t *testing.T) {
	s, c := fake(t)
	pdf := attestation(t)

	s.SetJobs(1, 8, 0)
	job, _ := c.Print(context.Background(), pdf, printer.PrintOptions{})
	if _, err := c.Wait(context.Background(), job, nil); printer.CodeOf(err) != printer.JobAborted {
		t.Errorf("aborted job: %v", err)
	}

	s.SetJobs(0, 9, 0) // never ends by itself
	job, _ = c.Print(context.Background(), pdf, printer.PrintOptions{})
	if err := c.Cancel(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Wait(context.Background(), job, nil); printer.CodeOf(err) != printer.JobCanceled || st.State != printer.JobStateCanceled {
		t.Errorf("canceled job: %+v %v", st, err)
	}
	if err := c.Cancel(context.Background(), job); err != nil {
		t.Errorf("canceling an ended job: %v", err)
	}
	if err := c.Cancel(context.Background(), &printer.Job{ID: 999}); printer.CodeOf(err) != printer.NotFound {
		t.Errorf("unknown job: %v", err)
	}

	// The printer stops answering during the wait: Wait gives up after a
	// few questions, with the code.
	job, _ = c.Print(context.Background(), pdf, printer.PrintOptions{})
	s.SetAnswer(printertest.Garbage, goipp.OpGetJobAttributes)
	if _, err := c.Wait(context.Background(), job, nil); printer.CodeOf(err) != printer.Protocol {
		t.Errorf("garbage while waiting: %v", err)
	}
	s.SetAnswer(printertest.Normal)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx, job, nil); printer.CodeOf(err) != printer.Canceled {
		t.Errorf("caller gave up: %v", err)
	}
}

// A printer without PDF gets PWG raster; one with neither is refused
// before anything is sent.
func TestFormats(t *testing.T) {
	s := printertest.NewServer()
	defer s.Close()
	var asked []string
	raster := func(ctx context.Context, pdf, out string, dpi int, typ string) error {
		asked = append(asked, typ)
		return os.WriteFile(out, []byte("RaS2 fake raster"), 0o600)
	}
	c, _ := printer.Open(s.URI(), printer.Options{Rasterizer: raster, Log: quiet})
	s.SetFormats("image/pwg-raster")
	spool := t.TempDir()
	job, err := c.Print(context.Background(), attestation(t), printer.PrintOptions{SpoolDir: spool})
	if err != nil || job.Format != "image/pwg-raster" || !slices.Equal(asked, []string{"sgray_8"}) {
		t.Fatalf("raster fallback: %+v %v %v", job, err, asked)
	}
	if docs := s.Documents(); string(docs[0]) != "RaS2 fake raster" {
		t.Errorf("sent %q", docs[0][:8])
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Errorf("raster copy left behind: %v", left)
	}
	s.SetFormats("application/postscript")
	if _, err := c.Print(context.Background(), attestation(t), printer.PrintOptions{}); printer.CodeOf(err) != printer.Unprintable {
		t.Errorf("no usable format: %v", err)
	}
	if n := len(s.Documents()); n != 1 {
		t.Errorf("%d documents sent", n)
	}
	if _, err := c.Print(context.Background(), filepath.Join(t.TempDir(), "none.pdf"), printer.PrintOptions{}); err == nil {
		t.Error("printed a missing file")
	}
	// Without a spool directory, the raster is made beside the PDF (in the
	// visit's directory), never in the system's temporary directory.
	pdf := attestation(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var where []string
	raster = func(ctx context.Context, pdf, out string, dpi int, typ string) error {
		where = append(where, filepath.Dir(out))
		return os.WriteFile(out, []byte("RaS2 fake raster"), 0o600)
	}
	s.SetFormats("image/pwg-raster")
	c, _ = printer.Open(s.URI(), printer.Options{Rasterizer: raster, Log: quiet})
	if _, err := c.Print(context.Background(), pdf, printer.PrintOptions{}); err != nil || !slices.Equal(where, []string{filepath.Dir(pdf)}) {
		t.Errorf("raster made in %v, want beside %s: %v", where, pdf, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the system's temporary directory holds %v", left)
	}
}

func TestGhostscriptRaster(t *testing.T) {
	if _, err := os.Stat("/usr/bin/gs"); err != nil {
		t.Skip("ghostscript is needed")
	}
	out := filepath.Join(t.TempDir(), "out.pwg")
	if err := printer.Ghostscript(context.Background(), attestation(t), out, 300, "sgray_8"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if len(data) < 1800 || string(data[:4]) != "RaS2" {
		t.Errorf("not PWG raster: %d bytes, %q", len(data), data[:min(4, len(data))])
	}
	if err := printer.Ghostscript(context.Background(), attestation(t), out, 300, "cmyk_16"); err == nil {
		t.Error("unknown raster type accepted")
	}
	if err := printer.Ghostscript(context.Background(), "/nonexistent.pdf", out, 300, "sgray_8"); err == nil {
		t.Error("missing PDF accepted")
	}
}

func TestErrorsAreErrors(t *testing.T) {
	var e *printer.Error
	err := error(&printer.Error{Code: printer.Timeout, Op: "Print-Job", Err: context.DeadlineExceeded})
	if !errors.As(err, &e) || !errors.Is(err, context.DeadlineExceeded) || err.Error() != "printer: Print-Job: timeout: context deadline exceeded" {
		t.Errorf("%v", err)
	}
	if printer.CodeOf(errors.New("x")) != printer.Failure {
		t.Error("CodeOf of a foreign error")
	}
}
