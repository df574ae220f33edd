package visit

import (
	"context"
	"errors"

	"borne/kiosk/usage"
)

// Print sends a PDF of pages pages to the A4 printer, within the visit's
// quota, and follows it on a worker: the snapshot's Print says how it
// goes, and its pages count for the ticket once they came out. service is
// the site it came from, for the usage figures.
func (v *Visit) Print(service, pdf string, pages int) {
	v.mu.Lock()
	if v.ended.Load() {
		v.mu.Unlock()
		return
	}
	v.snap.Print = PrintState{Seq: v.snap.Print.Seq + 1}
	switch {
	case v.opt.Printer == nil:
		v.snap.Print.Problem = "error"
	case pages < 1 || pages > v.snap.Remaining:
		// Pages held by jobs under way count: two prints cannot both fit.
		v.snap.Print.Problem = QuotaExceeded
	}
	if v.snap.Print.Problem != "" {
		v.publish()
		v.mu.Unlock()
		return
	}
	seq := v.snap.Print.Seq
	v.snap.Print.Busy = true
	v.snap.Remaining -= pages
	v.reserved += pages
	ctx, stop := context.WithCancel(v.ctx)
	v.stopJob = stop
	v.publish()
	v.mu.Unlock()

	v.Go("print", func(context.Context) error {
		defer stop()
		job, err := v.opt.Printer.Print(ctx, pdf, pages)
		id := -1
		printed := 0
		if err == nil {
			v.mu.Lock()
			id = v.nextID // a key unique in the visit
			v.nextID++
			if !v.ended.Load() {
				v.jobs[id] = job
			}
			v.mu.Unlock()
			var ended bool
			// A job that waits on the printer says why at once (out of
			// paper…): the resident is told, staff by the printer's state.
			ended, printed, err = v.opt.Printer.Wait(ctx, job, func(code string) {
				v.mu.Lock()
				defer v.mu.Unlock()
				if v.snap.Print.Seq == seq {
					v.snap.Print.Waiting = code
					v.publish()
				}
			})
			if !ended {
				printed = -1 // still at the printer: Close cancels it
			}
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.ended.Load() {
			return nil // the visit ended: nothing counts, nothing is said
		}
		if printed >= 0 { // over, or never sent: its pages leave the held ones
			delete(v.jobs, id)
			v.reserved -= pages
			v.snap.Remaining += pages - printed
			v.snap.Printed += printed
			for range printed { // one event a page: the figures add up pages
				v.record(usage.PagePrinted, service)
			}
		}
		if v.snap.Print.Seq == seq {
			v.snap.Print.Busy, v.snap.Print.Waiting = false, ""
			if err != nil {
				code := codeOf(err)
				if errors.Is(err, context.Canceled) {
					code = Canceled
				}
				v.snap.Print.Problem = code
				v.opt.Log.Warn("printer: document not printed", "code", code, "err", err)
				switch code {
				case Canceled, JobCanceled, QuotaExceeded, Unprintable:
				default:
					v.opt.Fault("printer", code)
				}
			}
		}
		v.publish()
		return nil
	})
}

// CancelPrint stops following the print under way; its job is cancelled
// at the printer when the visit ends, if it has not ended by then.
func (v *Visit) CancelPrint() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stopJob != nil {
		v.stopJob()
	}
}
