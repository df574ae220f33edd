package sessiontest

import (
	"slices"
	"sync"

	"borne/kiosk/usage"
)

// Events is a session.Recorder that keeps what it is given, safe from any
// goroutine.
type Events struct {
	mu  sync.Mutex
	all []usage.Event
	// OnRecord, set while nothing records, sees each event as it comes.
	OnRecord func(usage.Event)
}

func (e *Events) Record(ev usage.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
	if e.OnRecord != nil {
		e.OnRecord(ev)
	}
}

// All returns the events so far, in order.
func (e *Events) All() []usage.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.all)
}

// Kinds returns the events' kinds, in order.
func (e *Events) Kinds() []usage.Kind {
	var ks []usage.Kind
	for _, ev := range e.All() {
		ks = append(ks, ev.Kind)
	}
	return ks
}
