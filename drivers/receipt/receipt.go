// Package receipt drives the ticket printer: ESC/POS thermal printers on a
// serial line, a USB printer-class device or TCP port 9100.
//
// A Doc (text, rules, QR codes, pictures) is laid out for one printer model
// (a Profile: paper width, characters per line, code pages, cutter) by
// Render: French, Spanish and Portuguese with their accents and the euro
// sign go out as text in code page 858; what no code page has, Arabic above
// all, goes out as an image, shaped and right to left. The printer is asked
// for its status (DLE EOT) before and after each ticket; a printer that does
// not answer is "no-reply", never "paper OK".
//
// Serial lines are opened with termios (golang.org/x/sys/unix), not with
// github.com/tarm/serial, which the design card names: tarm/serial has no
// hardware (RTS/CTS) or software (XON/XOFF) flow control, which printers
// on a slow line need for raster tickets, and it leaves the line blocking,
// so a write to a printer holding CTS low, or a USB adaptor whose printer
// is off, could not be bounded by a deadline. Every Port read and write has
// one (a printer that stops answering never hangs the kiosk), so tarm's
// read timeout in tenths of a second (25.5 s at most) would not do either.
// See docs/serial.md.
package receipt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Printer is a ticket printer. receipttest has a fake one.
type Printer interface {
	// Status asks the printer how it is. A printer that cannot be reached
	// or does not answer gives a Status that is not Known, and an error
	// saying why.
	Status(ctx context.Context) (Status, error)
	// Print prints doc, refusing with an *Error when the printer is not
	// ready; an *Error after printing means the ticket may be incomplete.
	Print(ctx context.Context, doc *Doc) error
}

// Options configures an ESCPOS printer.
type Options struct {
	Link    Link
	Profile Profile
	Fonts   *Fonts // for text no code page has; nil: such tickets fail
	// StatusWait bounds the wait for each status answer; default 500 ms.
	StatusWait time.Duration
	// BytesPerSecond is how fast the printer takes data, to bound the time
	// a ticket may take to send; default: the serial baud rate, or 20 kB/s.
	BytesPerSecond int
	Log            *slog.Logger
}

// ESCPOS is a real ESC/POS printer. The link is opened for each status
// request and each ticket, so that a printer unplugged and plugged back,
// or restarted, needs nothing done.
type ESCPOS struct {
	opt Options
	mu  sync.Mutex // one conversation with the printer at a time
}

// New returns a printer for opt; nothing is opened yet.
func New(opt Options) *ESCPOS {
	if opt.StatusWait <= 0 {
		opt.StatusWait = 500 * time.Millisecond
	}
	if opt.BytesPerSecond <= 0 {
		opt.BytesPerSecond = 20_000
		if opt.Link.Device != "" && opt.Link.TCP == "" {
			baud := opt.Link.Baud
			if baud == 0 {
				baud = 9600
			}
			opt.BytesPerSecond = baud / 10 // 8N1: ten bits a byte
		}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &ESCPOS{opt: opt}
}

// Status implements Printer.
func (p *ESCPOS) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	port, err := Dial(ctx, p.opt.Link)
	if err != nil {
		return Status{}, &Error{Code: Unreachable, Err: err}
	}
	defer port.Close()
	return p.status(port)
}

func (p *ESCPOS) status(port Port) (Status, error) {
	s, err := queryStatus(port, p.opt.StatusWait)
	if err != nil {
		return Status{}, &Error{Code: NoReply, Err: err}
	}
	if !s.Known {
		return s, &Error{Code: NoReply}
	}
	return s, nil
}

// Print implements Printer. A printer whose profile says it answers status
// requests must answer before its ticket is sent: one that stays silent is
// off or unplugged, and the ticket would be lost.
func (p *ESCPOS) Print(ctx context.Context, doc *Doc) error {
	data, err := Render(doc, p.opt.Profile, p.opt.Fonts)
	if err != nil {
		return &Error{Code: Unsupported, Err: err}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	port, err := Dial(ctx, p.opt.Link)
	if err != nil {
		return &Error{Code: Unreachable, Err: err}
	}
	defer port.Close()
	if p.opt.Profile.Status {
		s, err := p.status(port)
		if err != nil {
			return err
		}
		if !s.Ready() {
			return &Error{Code: s.Code()}
		}
	}
	start := time.Now()
	if err := p.send(ctx, port, data); err != nil {
		return &Error{Code: Interrupted, Err: err}
	}
	p.opt.Log.Info("receipt: ticket sent", "bytes", len(data), "took", time.Since(start).Round(time.Millisecond))
	if !p.opt.Profile.Status {
		return nil
	}
	// The paper may have run out during the ticket.
	s, err := p.status(port)
	if err != nil {
		return err
	}
	if !s.Ready() {
		return &Error{Code: s.Code()}
	}
	return nil
}

// send writes data in chunks, each with a deadline the printer's speed
// allows, stopping when ctx ends.
func (p *ESCPOS) send(ctx context.Context, port Port, data []byte) error {
	const chunk = 1024
	perChunk := time.Duration(chunk)*time.Second/time.Duration(p.opt.BytesPerSecond) + 2*time.Second
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(chunk, len(data))
		if err := port.SetDeadline(time.Now().Add(perChunk)); err != nil {
			return err
		}
		if _, err := port.Write(data[:n]); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("the printer stopped taking data: %w", err)
			}
			return err
		}
		data = data[n:]
	}
	return nil
}
