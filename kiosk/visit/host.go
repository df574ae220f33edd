package visit

import (
	"sync"

	"borne/kiosk/session"
)

// Host keeps the kiosk's visits: it starts one when a session begins and
// closes it, in order and off the session manager's lock, when the session
// ends. Wire Begin and End as the manager's OnStart and OnEnd.
type Host struct {
	opt Options

	mu      sync.Mutex
	cur     *Visit
	closing sync.WaitGroup
}

// NewHost makes a host with no visit under way.
func NewHost(opt Options) *Host {
	opt.defaults()
	return &Host{opt: opt, cur: ended(opt)}
}

// Begin starts the visit of a session (session.Options.OnStart).
func (h *Host) Begin(b session.Begun) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cur = New(b, h.opt)
}

// End closes the visit of the session that ended (session.Options.OnEnd);
// it returns at once, the visit closes on its own goroutine.
func (h *Host) End(e session.Ending) {
	h.mu.Lock()
	v := h.cur
	h.mu.Unlock()
	if v.Dir() != e.Dir { // a session no visit was started for
		v = New(session.Begun{Dir: e.Dir}, h.opt)
	}
	if !v.stop() { // from now on its late results are dropped
		return
	}
	h.closing.Add(1)
	go func() {
		defer h.closing.Done()
		v.finish(e)
	}()
}

// Current is the visit under way, or the last one (ended) between
// sessions: never nil.
func (h *Host) Current() *Visit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// Wait waits until the visits that ended are closed (the kiosk exits).
func (h *Host) Wait() { h.closing.Wait() }

// HasScanner and HasPrinter say which devices the visits have.
func (h *Host) HasScanner() bool { return h.opt.Scanner != nil }
func (h *Host) HasPrinter() bool { return h.opt.Printer != nil }
