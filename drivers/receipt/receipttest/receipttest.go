// Package receipttest has a fake ticket printer whose condition a test
// sets: paper out, cover open, silent, failing mid-ticket, slow.
package receipttest

import (
	"context"
	"errors"
	"sync"
	"time"

	"borne/drivers/receipt"
)

// Printer is a receipt.Printer that keeps what it prints.
type Printer struct {
	mu      sync.Mutex
	cond    receipt.Code
	delay   time.Duration
	printed []*receipt.Doc
}

var _ receipt.Printer = (*Printer)(nil)

// New returns a ready printer.
func New() *Printer { return &Printer{cond: receipt.OK} }

// Set makes the printer report cond from now on: any receipt.Code.
// receipt.Interrupted reports ready but fails every ticket half-way.
func (p *Printer) Set(cond receipt.Code) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cond = cond
}

// SetDelay makes each ticket take d to print.
func (p *Printer) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Printed returns the documents printed so far.
func (p *Printer) Printed() []*receipt.Doc {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*receipt.Doc(nil), p.printed...)
}

// Status implements receipt.Printer.
func (p *Printer) Status(ctx context.Context) (receipt.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return status(p.cond)
}

func status(c receipt.Code) (receipt.Status, error) {
	s := receipt.Status{Known: true}
	switch c {
	case receipt.NoReply, receipt.Unreachable:
		return receipt.Status{}, &receipt.Error{Code: c}
	case receipt.PaperLow:
		s.PaperLow = true
	case receipt.PaperOut:
		s.PaperOut, s.Offline = true, true
	case receipt.CoverOpen:
		s.CoverOpen, s.Offline = true, true
	case receipt.Offline:
		s.Offline = true
	case receipt.Failure:
		s.Error, s.Offline = true, true
	}
	return s, nil
}

// Print implements receipt.Printer.
func (p *Printer) Print(ctx context.Context, doc *receipt.Doc) error {
	p.mu.Lock()
	cond, delay := p.cond, p.delay
	p.mu.Unlock()
	s, err := status(cond)
	if err != nil {
		return err
	}
	if !s.Ready() {
		return &receipt.Error{Code: s.Code()}
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return &receipt.Error{Code: receipt.Interrupted, Err: ctx.Err()}
	}
	if cond == receipt.Interrupted {
		return &receipt.Error{Code: receipt.Interrupted, Err: errors.New("receipttest: failing as told")}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed = append(p.printed, doc)
	return nil
}
