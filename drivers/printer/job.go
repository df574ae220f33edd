package printer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/OpenPrinting/goipp"
)

// PrintOptions says how to print a document.
type PrintOptions struct {
	Copies int // default 1
	// Pages is the document's page count, when the caller knows it: the
	// quota and the progress shown to the resident use it.
	Pages int
	// Name is the job-name staff see in the queue; default "Borne". Never
	// anything that names the resident or the document.
	Name string
	// SpoolDir is where a raster copy is made for printers that take no
	// PDF; default the PDF's own directory, which is the visit's: a print
	// job's bytes never leave it for the system's temporary directory,
	// where a crash would leave them (and PrivateTmp puts them on disk).
	SpoolDir string
}

// A4 is the IPP name of A4 paper, asked for when the printer has it.
const A4 = "iso_a4_210x297mm"

// Job is a job the printer accepted.
type Job struct {
	ID     int
	URI    string
	Pages  int    // pages × copies, when known; else 0
	Format string // the document format sent
}

// JobState is IPP's job-state.
type JobState int

const (
	JobStatePending    JobState = 3
	JobStateHeld       JobState = 4
	JobStateProcessing JobState = 5
	JobStateStopped    JobState = 6 // processing-stopped: the printer has a problem
	JobStateCanceled   JobState = 7
	JobStateAborted    JobState = 8
	JobStateCompleted  JobState = 9
)

func (s JobState) String() string {
	names := map[JobState]string{JobStatePending: "pending", JobStateHeld: "pending-held", JobStateProcessing: "processing",
		JobStateStopped: "processing-stopped", JobStateCanceled: "canceled", JobStateAborted: "aborted", JobStateCompleted: "completed"}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("job-state-%d", int(s))
}

// Done tells whether the job has ended, well or not.
func (s JobState) Done() bool { return s >= JobStateCanceled }

// JobStatus is where a job stands.
type JobStatus struct {
	State     JobState
	Reasons   []string // job-state-reasons
	Message   string
	PagesDone int // impressions completed so far
	// Printer is the printer's state while the job has not ended: when
	// the job waits or stops, it says why (media-empty…).
	Printer *State
}

// Print sends a PDF to the printer: as it is when the printer takes PDF,
// else as PWG raster. The job is checked with Validate-Job first, so that
// a refusal comes before the upload.
func (c *Client) Print(ctx context.Context, pdf string, opt PrintOptions) (*Job, error) {
	if opt.Copies < 1 {
		opt.Copies = 1
	}
	if opt.Name == "" {
		opt.Name = "Borne"
	}
	a, err := c.Attributes(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Accepting {
		return nil, &Error{Code: NotAccepting, Op: "Print-Job"}
	}
	format, path := "application/pdf", pdf
	if !a.Supports(format) {
		if !a.Supports("image/pwg-raster") {
			return nil, &Error{Code: Unprintable, Op: "Print-Job", Err: fmt.Errorf("the printer takes neither PDF nor PWG raster (it takes %s)", strings.Join(a.Formats, ", "))}
		}
		dpi, typ := rasterMode(a)
		if opt.SpoolDir == "" {
			opt.SpoolDir = filepath.Dir(pdf)
		}
		tmp, err := os.CreateTemp(opt.SpoolDir, "borne-*.pwg")
		if err != nil {
			return nil, &Error{Code: Failure, Op: "Print-Job", Err: err}
		}
		tmp.Close()
		defer os.Remove(tmp.Name())
		if err := c.opt.Rasterizer(ctx, pdf, tmp.Name(), dpi, typ); err != nil {
			return nil, &Error{Code: Unprintable, Op: "Print-Job", Err: fmt.Errorf("raster for a printer without PDF: %w", err)}
		}
		format, path = "image/pwg-raster", tmp.Name()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Code: Failure, Op: "Print-Job", Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{Code: Failure, Op: "Print-Job", Err: err}
	}

	jobAttrs := []goipp.Attribute{goipp.MakeAttr("copies", goipp.TagInteger, goipp.Integer(opt.Copies))}
	if slices.Contains(a.Media, A4) {
		jobAttrs = append(jobAttrs, goipp.MakeAttr("media", goipp.TagKeyword, goipp.String(A4)))
	}
	opAttrs := []goipp.Attribute{
		goipp.MakeAttr("job-name", goipp.TagName, goipp.String(opt.Name)),
		goipp.MakeAttr("document-format", goipp.TagMimeType, goipp.String(format)),
	}
	_, err = c.do(ctx, request{op: goipp.OpValidateJob, attrs: opAttrs, job: jobAttrs})
	var e *Error
	if err != nil && !(errors.As(err, &e) && e.Status == goipp.StatusErrorOperationNotSupported) {
		return nil, err
	}
	msg, err := c.do(ctx, request{op: goipp.OpPrintJob, attrs: opAttrs, job: jobAttrs, doc: f, docSize: fi.Size()})
	if err != nil {
		return nil, err
	}
	job := &Job{ID: attrInt(msg.Job, "job-id"), URI: attrText(msg.Job, "job-uri"), Pages: opt.Pages * opt.Copies, Format: format}
	if job.ID < 1 {
		return nil, &Error{Code: Protocol, Op: "Print-Job", Err: errors.New("the answer has no job-id")}
	}
	c.opt.Log.Info("printer: job accepted", "job", job.ID, "format", format, "bytes", fi.Size(), "pages", job.Pages)
	return job, nil
}

// rasterMode picks the resolution and colour space for PWG raster: 300 dpi
// grey where the printer has it (text stays sharp, the file stays small).
func rasterMode(a *Attributes) (dpi int, typ string) {
	dpi = 300
	if len(a.RasterDPI) > 0 && !slices.Contains(a.RasterDPI, 300) {
		dpi = slices.Min(a.RasterDPI)
	}
	for _, t := range []string{"sgray_8", "srgb_8", "black_1"} {
		if slices.Contains(a.RasterTypes, t) {
			return dpi, t
		}
	}
	return dpi, "sgray_8" // required of every IPP Everywhere printer
}

var jobRequested = []string{"job-state", "job-state-reasons", "job-state-message", "job-impressions-completed"}

// JobStatus asks where a job stands (Get-Job-Attributes).
func (c *Client) JobStatus(ctx context.Context, job *Job) (JobStatus, error) {
	kws := make([]goipp.Value, len(jobRequested))
	for i, r := range jobRequested {
		kws[i] = goipp.String(r)
	}
	msg, err := c.do(ctx, request{op: goipp.OpGetJobAttributes, attrs: []goipp.Attribute{
		goipp.MakeAttr("job-id", goipp.TagInteger, goipp.Integer(job.ID)),
		goipp.MakeAttr("requested-attributes", goipp.TagKeyword, kws[0], kws[1:]...),
	}})
	if err != nil {
		return JobStatus{}, err
	}
	st := JobStatus{State: JobState(attrInt(msg.Job, "job-state")), Message: attrText(msg.Job, "job-state-message"),
		PagesDone: max(0, attrInt(msg.Job, "job-impressions-completed"))}
	for _, a := range msg.Job {
		if a.Name == "job-state-reasons" {
			st.Reasons = texts(a.Values)
		}
	}
	if st.State < JobStatePending || st.State > JobStateCompleted {
		return JobStatus{}, &Error{Code: Protocol, Op: "Get-Job-Attributes", Err: fmt.Errorf("job-state %d", st.State)}
	}
	return st, nil
}

// maxPollFailures is how many questions in a row may go unanswered before
// Wait gives up: one lost answer is no reason to tell a resident.
const maxPollFailures = 3

// Wait follows job until it ends, calling progress (if not nil) each time
// its status changes. It returns the last status, and an *Error when the
// job did not complete (JobCanceled, JobAborted), when the printer stopped
// answering, or when ctx ended (Canceled). A job stopped by the printer
// (out of paper) is waited for: progress says why; cancel ctx, or call
// Cancel, to give up.
func (c *Client) Wait(ctx context.Context, job *Job, progress func(JobStatus)) (JobStatus, error) {
	var last JobStatus
	failures := 0
	for {
		st, err := c.JobStatus(ctx, job)
		switch {
		case ctx.Err() != nil:
			return last, &Error{Code: Canceled, Op: "Get-Job-Attributes", Err: ctx.Err()}
		case err != nil:
			if failures++; failures >= maxPollFailures {
				return last, err
			}
		default:
			failures = 0
			if !st.State.Done() {
				if ps, err := c.Status(ctx); err == nil {
					st.Printer = &ps
				}
			}
			if progress != nil && !sameStatus(st, last) {
				progress(st)
			}
			last = st
			switch st.State {
			case JobStateCompleted:
				c.opt.Log.Info("printer: job completed", "job", job.ID, "pages", st.PagesDone)
				return st, nil
			case JobStateCanceled:
				return st, &Error{Code: JobCanceled, Op: "Get-Job-Attributes", Err: fmt.Errorf("job %d: %s", job.ID, strings.Join(st.Reasons, ", "))}
			case JobStateAborted:
				return st, &Error{Code: JobAborted, Op: "Get-Job-Attributes", Err: fmt.Errorf("job %d: %s%s", job.ID, strings.Join(st.Reasons, ", "), quoted(st.Message))}
			}
		}
		select {
		case <-ctx.Done():
			return last, &Error{Code: Canceled, Op: "Get-Job-Attributes", Err: ctx.Err()}
		case <-time.After(c.opt.PollEvery):
		}
	}
}

func sameStatus(a, b JobStatus) bool {
	pa, pb := Code(""), Code("")
	if a.Printer != nil {
		pa = a.Printer.Code
	}
	if b.Printer != nil {
		pb = b.Printer.Code
	}
	return a.State == b.State && a.PagesDone == b.PagesDone && pa == pb && slices.Equal(a.Reasons, b.Reasons)
}

// Cancel cancels a job. A job that has already ended is no error.
func (c *Client) Cancel(ctx context.Context, job *Job) error {
	_, err := c.do(ctx, request{op: goipp.OpCancelJob, attrs: []goipp.Attribute{
		goipp.MakeAttr("job-id", goipp.TagInteger, goipp.Integer(job.ID)),
	}})
	var e *Error
	if errors.As(err, &e) && e.Status == goipp.StatusErrorNotPossible {
		return nil
	}
	if err == nil {
		c.opt.Log.Info("printer: job canceled", "job", job.ID)
	}
	return err
}
