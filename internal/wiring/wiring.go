// Package wiring adapts the device drivers to the interfaces the core's
// visit declares (kiosk/visit). The kiosk's composition root (ui/cmd/kiosk)
// wires its devices with it, and the ui tests that run the real drivers
// use the same adapters; it lives outside ui/cmd/ so that those tests need
// not import the kiosk's command. No product package outside cmd/ may
// import it: internal/archtest follows the chain to the drivers.
package wiring

import (
	"context"

	"borne/drivers/printer"
	"borne/drivers/scanner"
	"borne/kiosk/visit"
)

// Scanner is a visit's scanner over the libsane driver: open opens the
// device for each scan, opt says how pages are scanned.
func Scanner(open func(ctx context.Context) (scanner.Device, error), opt scanner.Options) visit.Scanner {
	return scan{open: open, opt: opt}
}

type scan struct {
	open func(ctx context.Context) (scanner.Device, error)
	opt  scanner.Options
}

func (s scan) Scan(ctx context.Context, progress func(float64), waiting func()) ([]visit.Page, error) {
	dev, err := s.open(ctx)
	if err != nil {
		return nil, scanFault(err)
	}
	defer dev.Close()
	opt := s.opt
	// A network scanner asleep between residents answers busy: the driver
	// waits for it, and the resident is told to wait.
	opt.Waiting = func(error) { waiting() }
	pages, err := dev.Scan(ctx, opt, func(done, total int64) {
		f := -1.0
		if total > 0 {
			f = float64(done) / float64(total)
		}
		progress(f)
	})
	out := make([]visit.Page, len(pages))
	for i, p := range pages {
		out[i] = visit.Page{Image: p.Image, DPI: p.DPI}
	}
	return out, scanFault(err)
}

func scanFault(err error) error {
	if err == nil {
		return nil
	}
	p := scanner.Describe(err)
	return &visit.Fault{Code: p.Code, Staff: p.Staff, Err: err}
}

// Printer is a visit's A4 printer over the IPP driver.
func Printer(p printer.Printer) visit.Printer { return a4{p} }

type a4 struct{ p printer.Printer }

// job is a driver's job with its pages, which the printer may not say.
type job struct {
	*printer.Job
	pages int
}

func (a a4) Print(ctx context.Context, pdf string, pages int) (visit.Job, error) {
	j, err := a.p.Print(ctx, pdf, printer.PrintOptions{Pages: pages})
	if err != nil {
		return nil, printFault(err)
	}
	return job{j, pages}, nil
}

func (a a4) Wait(ctx context.Context, vj visit.Job, waiting func(string)) (bool, int, error) {
	j := vj.(job)
	var said printer.Code // progress runs on this goroutine
	st, err := a.p.Wait(ctx, j.Job, func(st printer.JobStatus) {
		if st.Printer == nil || st.Printer.Ready() || st.Printer.Code == said {
			return
		}
		said = st.Printer.Code
		waiting(string(said))
	})
	if !st.State.Done() {
		return false, 0, printFault(err)
	}
	printed := j.pages
	if st.State != printer.JobStateCompleted {
		printed = min(st.PagesDone, j.pages) // what a canceled or aborted job did print
	}
	return true, printed, printFault(err)
}

func (a a4) Cancel(ctx context.Context, vj visit.Job) error {
	return printFault(a.p.Cancel(ctx, vj.(job).Job))
}

func printFault(err error) error {
	if err == nil {
		return nil
	}
	return &visit.Fault{Code: string(printer.CodeOf(err)), Err: err}
}
