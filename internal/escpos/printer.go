package escpos

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Fault is what the virtual printer is told to suffer.
type Fault struct {
	PaperOut  bool // no paper: prints nothing, says so
	PaperLow  bool // near the end of the roll: prints, says so
	CoverOpen bool // prints nothing, says so
	Silent    bool // answers no status request: off, or a one-way cable
}

// Options configures a virtual printer.
type Options struct {
	Width  int    // printable dots; default 576 (80 mm)
	OutDir string // each ticket is saved there as ticket-NNNN.png; empty: not saved
	// TearAfter is how long the printer waits, with something printed and
	// nothing coming, before taking it as a ticket torn off without a cut
	// (printers without cutter); default 2 s.
	TearAfter time.Duration
	Font      *CellFont
	// Roll is the paper on a roll, in dots; default RollDots (80 m). When
	// it runs out the printer is out of paper until told "ok".
	Roll int
	// OnTicket is called with each ticket, from the goroutine that draws.
	OnTicket func(path string, t Ticket)
	Log      *slog.Logger
}

// Printer is a virtual ESC/POS printer. Its faults can change at any time.
type Printer struct {
	opt Options

	mu        sync.Mutex // the drawing: the roll, what is held
	fmu       sync.Mutex // fault alone, so that a status answer never waits for the drawing
	fault     Fault
	held      []Op // print commands received while out of paper or with the cover open
	heldBytes int  // their size, bounded by MaxHeld as a printer's receive buffer
	lost      int  // bytes dropped since the buffer filled
	r         *Renderer
	serial    int
}

// MaxHeld is the most a stopped printer keeps of what it receives, as a
// printer's receive buffer: beyond, what comes is lost, as on a serial
// line without flow control.
const MaxHeld = 1 << 20

// NewPrinter makes a printer; serve it on a pseudo-terminal or a TCP port.
func NewPrinter(opt Options) *Printer {
	if opt.Width <= 0 {
		opt.Width = 576
	}
	if opt.TearAfter <= 0 {
		opt.TearAfter = 2 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Roll <= 0 {
		opt.Roll = RollDots
	}
	r := NewRenderer(opt.Width, opt.Font)
	r.Refill(opt.Roll)
	return &Printer{opt: opt, r: r}
}

// SetFault changes what the printer suffers. Once paper is back and the
// cover closed, what it received meanwhile prints, as a real printer's
// buffer does.
func (p *Printer) SetFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faultNow().PaperOut && !f.PaperOut {
		p.r.Refill(p.opt.Roll) // paper back: a new roll
	}
	p.fmu.Lock()
	p.fault = f
	p.fmu.Unlock()
	if p.lost > 0 {
		p.opt.Log.Warn("escpos: receive buffer was full: data lost", "bytes", p.lost)
		p.lost = 0
	}
	if !p.stopped() {
		held := p.held
		p.held, p.heldBytes = nil, 0
		for _, op := range held {
			p.apply(op)
		}
	}
}

// apply prints op, or holds it while the printer cannot print; the end of
// the roll stops the printer, out of paper. p.mu is held.
func (p *Printer) apply(op Op) {
	if p.stopped() {
		if size := len(op.Data) + 16; p.heldBytes+size <= MaxHeld {
			p.held = append(p.held, op)
			p.heldBytes += size
		} else {
			p.lost += size
		}
		return
	}
	err := p.r.Apply(op)
	p.deliver()
	if errors.Is(err, ErrRollEnd) {
		p.opt.Log.Error("escpos: out of paper: "+err.Error()+" (state ok puts a new roll in)", "roll_m", p.opt.Roll/8000)
		p.fmu.Lock()
		p.fault.PaperOut = true // what comes next is held until paper is back
		p.fmu.Unlock()
	}
}

func (p *Printer) faultNow() Fault {
	p.fmu.Lock()
	defer p.fmu.Unlock()
	return p.fault
}

func (p *Printer) stopped() bool { return p.faultNow().stopped() }

func (f Fault) stopped() bool { return f.PaperOut || f.CoverOpen }

// Conn is one stream from a driver: the pseudo-terminal's master side or
// a TCP connection.
type Conn interface {
	io.ReadWriter
	SetReadDeadline(time.Time) error
}

// Serve decodes c until it ends or ctx does, printing and answering.
// Status requests are real-time commands: they are answered as they come,
// ahead of what is still to draw, as a printer answers them ahead of its
// receive buffer; a long ticket being drawn (and saved) never delays the
// answer past a driver's wait.
func (p *Printer) Serve(ctx context.Context, c Conn) error {
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	q := newQueue()
	drawn := make(chan struct{})
	go func() {
		defer close(drawn)
		q.run()
	}()
	defer func() {
		q.put(0, p.tear) // the stream ended: what was printed is a ticket
		q.close()
		<-drawn
	}()
	dec := NewDecoder(&idleReader{ctx: ctx, c: c, idle: p.opt.TearAfter, onIdle: func() { q.put(0, p.tear) }})
	for {
		op, err := dec.Next()
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("escpos: %w", err)
		}
		switch op.Cmd {
		case CmdStatus, CmdPaperStatus:
			if b, ok := p.answer(op); ok {
				if _, err := c.Write([]byte{b}); err != nil {
					return fmt.Errorf("escpos: status answer: %w", err)
				}
			}
			continue
		case CmdUnknown:
			p.opt.Log.Debug("escpos: unknown command skipped", "bytes", op.Data, "image_bytes", op.N)
		}
		q.put(len(op.Data)+16, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.apply(op)
		})
	}
}

// queue is what the printer received and has not drawn yet, bounded in
// bytes as a printer's receive buffer is: when full, reading stops (flow
// control) until the drawing catches up.
type queue struct {
	mu     sync.Mutex
	cond   sync.Cond
	jobs   []job
	bytes  int
	closed bool
}

type job struct {
	size int
	do   func()
}

func newQueue() *queue {
	q := &queue{}
	q.cond.L = &q.mu
	return q
}

// put adds a job, waiting while the queue is full; one job always fits.
func (q *queue) put(size int, do func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.bytes > 0 && q.bytes+size > MaxHeld {
		q.cond.Wait()
	}
	q.jobs = append(q.jobs, job{size, do})
	q.bytes += size
	q.cond.Broadcast()
}

func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// run does the jobs in order until the queue is closed and empty.
func (q *queue) run() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for len(q.jobs) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.jobs) == 0 {
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		j.do()
		q.mu.Lock()
		q.bytes -= j.size
		q.cond.Broadcast()
	}
}

// answer is the status byte for a real-time request; false when silent.
func (p *Printer) answer(op Op) (byte, bool) {
	f := p.faultNow()
	if f.Silent {
		return 0, false
	}
	flag := func(on bool, bits byte) byte {
		if on {
			return bits
		}
		return 0
	}
	if op.Cmd == CmdPaperStatus { // GS r 1, ESC v: near end in bits 0-1, out in 2-3
		return flag(f.PaperLow, 0x03) | flag(f.PaperOut, 0x0c), true
	}
	b := byte(0x12)
	switch op.N {
	case 1:
		b |= flag(f.stopped(), 0x08)
	case 2:
		b |= flag(f.CoverOpen, 0x04) | flag(f.PaperOut, 0x20)
	case 4:
		b |= flag(f.PaperLow, 0x0c) | flag(f.PaperOut, 0x60)
	}
	return b, true
}

// tear ends a ticket left without a cut.
func (p *Printer) tear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.held) == 0 {
		p.r.Tear()
		p.deliver()
	}
}

// deliver saves and hands over the finished tickets. p.mu is held.
func (p *Printer) deliver() {
	for _, t := range p.r.Take() {
		p.serial++
		path := ""
		if p.opt.OutDir != "" {
			path = filepath.Join(p.opt.OutDir, fmt.Sprintf("ticket-%04d.png", p.serial))
			if err := savePNG(path, t); err != nil {
				p.opt.Log.Error("escpos: save ticket", "err", err)
				path = ""
			}
		}
		p.opt.Log.Info("escpos: ticket printed", "file", path, "cut", t.Cut, "height_dots", t.Image.Bounds().Dy())
		if p.opt.OnTicket != nil {
			p.opt.OnTicket(path, t)
		}
	}
}

func savePNG(path string, t Ticket) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, t.Image); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// idleReader reads c, calling onIdle each time nothing comes for idle, and
// stops when ctx ends.
type idleReader struct {
	ctx    context.Context
	c      Conn
	idle   time.Duration
	onIdle func()
}

func (r *idleReader) Read(b []byte) (int, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if err := r.c.SetReadDeadline(time.Now().Add(r.idle)); err != nil {
			return 0, err
		}
		n, err := r.c.Read(b)
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			if r.ctx.Err() != nil {
				return 0, r.ctx.Err()
			}
			r.onIdle()
			continue
		}
		return n, err
	}
}

// ServeTCP serves the connections ln accepts, one at a time, as a network
// printer on port 9100 does.
func (p *Printer) ServeTCP(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("escpos: accept: %w", err)
		}
		err = p.Serve(ctx, c)
		c.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.opt.Log.Warn("escpos: connection", "err", err)
		}
	}
}

// PTY is a pseudo-terminal standing in for a serial line: the driver opens
// Path, the printer serves Master.
type PTY struct {
	Master *os.File
	tty    *os.File // kept open: without it the master reads fail between two drivers
	Path   string   // the terminal device, or the link to it
	link   string
}

// OpenPTY makes a pseudo-terminal in raw mode, so that every byte passes
// as it is; with link set, a symbolic link there points at it (replacing
// an earlier link, never anything else).
func OpenPTY(link string) (*PTY, error) {
	master, tty, err := openPTY()
	if err != nil {
		return nil, fmt.Errorf("escpos: pty: %w", err)
	}
	p := &PTY{Master: master, tty: tty, Path: tty.Name()}
	if err := makeRaw(tty); err != nil {
		p.Close()
		return nil, fmt.Errorf("escpos: pty: %w", err)
	}
	if link != "" {
		if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
			p.Close()
			return nil, fmt.Errorf("escpos: %s exists and is not a symbolic link", link)
		}
		os.Remove(link)
		if err := os.Symlink(tty.Name(), link); err != nil {
			p.Close()
			return nil, fmt.Errorf("escpos: %w", err)
		}
		p.Path, p.link = link, link
	}
	return p, nil
}

// openPTY opens a pseudo-terminal pair, both sides non-blocking so that
// deadlines work (creack/pty leaves the master blocking: its reads could
// not be stopped).
func openPTY() (master, tty *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0) // unlock
	}
	if err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	tfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), os.NewFile(uintptr(tfd), name), nil
}

// Close closes both sides and removes the link.
func (p *PTY) Close() error {
	if p.link != "" {
		os.Remove(p.link)
	}
	p.tty.Close()
	return p.Master.Close()
}

func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var termErr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil {
			termErr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		termErr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err != nil {
		return err
	}
	return termErr
}
