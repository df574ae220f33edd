// Package supervise runs a program's long-running parts (each a
// Serve(ctx) error) so that none fails unseen: an error that is not the end
// of the context is logged with the part's name and the part is restarted
// after a backoff that doubles up to a cap; a panic is recovered, logged
// with its stack (function names and lines only) and restarted the same
// way; Stop ends them all and waits, for a bounded time, until they have
// returned.
//
// Why not golang.org/x/sync/errgroup: its group ends every part when one
// fails, where a kiosk must keep its screen and help button when, say, the
// metrics port is taken; it neither restarts nor logs. suture (as syncthing
// uses) does all of this, but the module proxy here does not serve it, and
// its backoff is a fixed pause after a burst of failures rather than a
// doubling one; what the kiosk needs fits in this file.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Options.
const (
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = time.Minute // a part that keeps failing is retried every minute, and says so each time
	DefaultResetAfter  = time.Minute // a run this long counts as healthy: the next failure starts the backoff over
	DefaultStopTimeout = 5 * time.Second
)

// Options tunes a Supervisor; zero values take the defaults.
type Options struct {
	Log                    *slog.Logger
	MinBackoff, MaxBackoff time.Duration
	ResetAfter             time.Duration
	StopTimeout            time.Duration
}

// Supervisor runs parts until Stop. Its methods are safe from any goroutine.
type Supervisor struct {
	opt    Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[string]int // parts not yet returned, by name (a name may be used twice)
}

// New returns a Supervisor whose parts run until ctx ends or Stop.
func New(ctx context.Context, opt Options) *Supervisor {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = DefaultMinBackoff
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(DefaultMaxBackoff, opt.MinBackoff)
	}
	if opt.ResetAfter <= 0 {
		opt.ResetAfter = DefaultResetAfter
	}
	if opt.StopTimeout <= 0 {
		opt.StopTimeout = DefaultStopTimeout
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Supervisor{opt: opt, ctx: ctx, cancel: cancel, running: map[string]int{}}
}

// Go starts serve under the name name (which the logs carry). serve runs
// again after a failure or a panic; it is done when it returns nil, or
// when the supervisor's context has ended. After Stop, Go starts nothing.
func (s *Supervisor) Go(name string, serve func(ctx context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	s.running[name]++
	s.wg.Go(func() {
		defer s.done(name)
		s.supervise(name, serve)
	})
}

func (s *Supervisor) done(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[name]--; s.running[name] == 0 {
		delete(s.running, name)
	}
}

func (s *Supervisor) supervise(name string, serve func(ctx context.Context) error) {
	failures := 0
	for {
		start := time.Now()
		err := run(s.ctx, serve)
		if s.ctx.Err() != nil {
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				s.opt.Log.Warn("supervise: service ended with an error while stopping", "service", name, "err", err)
			}
			return
		}
		if err == nil {
			s.opt.Log.Debug("supervise: service finished", "service", name)
			return
		}
		if time.Since(start) >= s.opt.ResetAfter {
			failures = 0
		}
		failures++
		wait := Backoff(failures, s.opt.MinBackoff, s.opt.MaxBackoff)
		var p *panicError
		if errors.As(err, &p) {
			s.opt.Log.Error("supervise: service panicked; restarting", "service", name, "panic", p.what,
				"stack", p.stack, "failures", failures, "retry_in", wait)
		} else {
			s.opt.Log.Error("supervise: service failed; restarting", "service", name, "err", err,
				"failures", failures, "retry_in", wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Backoff is the pause before the restart that follows the nth failure in
// a row: min, doubling each time, never more than max.
func Backoff(n int, least, most time.Duration) time.Duration {
	d := least
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Stop ends every part and waits for them, at most the StopTimeout. The
// error names the parts that had not returned by then.
func (s *Supervisor) Stop() error {
	s.mu.Lock()
	s.cancel() // under mu: Go sees it and adds nothing after
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(s.opt.StopTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
	}
	s.mu.Lock()
	var late []string
	for name := range s.running {
		late = append(late, name)
	}
	s.mu.Unlock()
	slices.Sort(late)
	err := fmt.Errorf("supervise: still running %v after stop: %s", s.opt.StopTimeout, strings.Join(late, ", "))
	s.opt.Log.Error(err.Error())
	return err
}

// panicError is a recovered panic: what it was and where.
type panicError struct{ what, stack string }

func (p *panicError) Error() string { return "panic: " + p.what }

// run calls serve, turning a panic into a panicError. The panic's value is
// told only by its type (or a runtime error's message, which holds no
// data), and the stack only by its functions and lines, never the
// arguments: either could carry what a resident typed or scanned.
func run(ctx context.Context, serve func(ctx context.Context) error) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		what := fmt.Sprintf("%T", v)
		if re, ok := v.(runtime.Error); ok {
			what = re.Error()
		}
		err = &panicError{what: what, stack: stack(3)}
	}()
	return serve(ctx)
}

// stack lists the caller's frames, skip of them left out, one
// "function file:line" a line.
func stack(skip int) string {
	pcs := make([]uintptr, 32)
	pcs = pcs[:runtime.Callers(skip+1, pcs)]
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		fmt.Fprintf(&b, "%s %s:%d\n", f.Function, f.File, f.Line)
		if !more {
			break
		}
	}
	return b.String()
}
