package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Session is one resident's printing: a page quota, the pages printed (for
// the ticket), and the jobs to cancel when the session ends, so that
// nothing of theirs prints for the next resident.
type Session struct {
	p     Printer
	quota int
	log   *slog.Logger

	mu       sync.Mutex
	reserved int          // pages of jobs sent, not yet ended
	printed  int          // pages of jobs completed
	open     map[int]*Job // jobs not yet ended
}

// NewSession starts a session allowed quota pages (pages × copies).
func NewSession(p Printer, quota int, log *slog.Logger) *Session {
	if log == nil {
		log = slog.Default()
	}
	return &Session{p: p, quota: quota, log: log, open: map[int]*Job{}}
}

// Remaining is how many pages the session may still print.
func (s *Session) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, s.quota-s.printed-s.reserved)
}

// Printed is how many pages came out.
func (s *Session) Printed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.printed
}

// Print sends a document, refusing with QuotaExceeded when its pages
// (opt.Pages, which must be known, times the copies) do not fit in what
// remains.
func (s *Session) Print(ctx context.Context, pdf string, opt PrintOptions) (*Job, error) {
	if opt.Pages < 1 {
		return nil, &Error{Code: Failure, Op: "Print-Job", Err: errors.New("the page count is needed for the quota")}
	}
	n := opt.Pages * max(1, opt.Copies)
	s.mu.Lock()
	if left := s.quota - s.printed - s.reserved; n > left {
		s.mu.Unlock()
		return nil, &Error{Code: QuotaExceeded, Op: "Print-Job", Err: fmt.Errorf("%d pages asked, %d left of %d", n, max(0, left), s.quota)}
	}
	s.reserved += n // held while the upload runs, so that two prints cannot both fit
	s.mu.Unlock()
	job, err := s.p.Print(ctx, pdf, opt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.reserved -= n
		return nil, err
	}
	job.Pages = n
	s.open[job.ID] = job
	return job, nil
}

// Wait follows a job of the session to its end (see Client.Wait). Pages a
// canceled or aborted job did not print go back to the quota.
func (s *Session) Wait(ctx context.Context, job *Job, progress func(JobStatus)) (JobStatus, error) {
	st, err := s.p.Wait(ctx, job, progress)
	if st.State.Done() {
		s.mu.Lock()
		if _, ok := s.open[job.ID]; ok {
			delete(s.open, job.ID)
			s.reserved -= job.Pages
			done := job.Pages
			if st.State != JobStateCompleted {
				done = min(st.PagesDone, job.Pages)
			}
			s.printed += done
		}
		s.mu.Unlock()
	}
	return st, err
}

// End cancels every job of the session that has not ended. It tries them
// all and returns the errors together.
func (s *Session) End(ctx context.Context) error {
	s.mu.Lock()
	jobs := make([]*Job, 0, len(s.open))
	for _, j := range s.open {
		jobs = append(jobs, j)
	}
	s.open = map[int]*Job{}
	s.reserved = 0
	s.mu.Unlock()
	var errs []error
	for _, j := range jobs {
		if err := s.p.Cancel(ctx, j); err != nil {
			s.log.Error("printer: cancel at session end", "job", j.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
