// Package sessiontest has a manual clock for driving session timers in tests.
package sessiontest

import (
	"sort"
	"sync"
	"time"

	"borne/kiosk/session"
)

// Clock is a session.Clock that moves only when Advance is called.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*timer
}

type timer struct {
	c       *Clock
	at      time.Time
	f       func()
	stopped bool
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Clock) AfterFunc(d time.Duration, f func()) session.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock forward by d, firing due timers in time order
// (each one sees the clock at its own due time), including timers that the
// fired callbacks arm within the window.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		var next *timer
		for i, t := range c.timers {
			if t.stopped {
				continue
			}
			if t.at.After(end) {
				break
			}
			next = t
			c.timers = append(c.timers[:i:i], c.timers[i+1:]...)
			break
		}
		if next == nil {
			c.now = end
			c.timers = pruneStopped(c.timers)
			c.mu.Unlock()
			return
		}
		next.stopped = true
		c.now = next.at
		c.mu.Unlock()
		next.f()
	}
}

func pruneStopped(ts []*timer) []*timer {
	kept := ts[:0]
	for _, t := range ts {
		if !t.stopped {
			kept = append(kept, t)
		}
	}
	return kept
}
