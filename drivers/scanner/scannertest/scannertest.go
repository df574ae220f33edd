// Package scannertest is a fake scanner for tests of what uses scanners:
// pages and faults on demand, slow or stuck scans, scanners that come and go.
package scannertest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"sync"
	"time"

	"borne/drivers/scanner"
)

// Scanners is a fake scanner.Scanners: the devices it lists can be changed
// at any time (hot-plug).
type Scanners struct {
	mu      sync.Mutex
	devices map[string]*Device
}

// NewScanners returns fake scanners listing devs.
func NewScanners(devs ...*Device) *Scanners {
	s := &Scanners{devices: map[string]*Device{}}
	for _, d := range devs {
		s.Plug(d)
	}
	return s
}

// Plug adds a device to the list.
func (s *Scanners) Plug(d *Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices[d.Info.Name] = d
}

// Unplug removes a device: it is no longer listed, and scans on it fail
// with scanner.ErrGone.
func (s *Scanners) Unplug(name string) {
	s.mu.Lock()
	d := s.devices[name]
	delete(s.devices, name)
	s.mu.Unlock()
	if d != nil {
		d.mu.Lock()
		d.gone = true
		d.mu.Unlock()
	}
}

func (s *Scanners) List(ctx context.Context) ([]scanner.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var infos []scanner.Info
	for _, d := range s.devices {
		infos = append(infos, d.Info)
	}
	slices.SortFunc(infos, func(a, b scanner.Info) int { return strings.Compare(a.Name, b.Name) })
	return infos, nil
}

func (s *Scanners) Open(ctx context.Context, name string) (scanner.Device, error) {
	s.mu.Lock()
	d := s.devices[name]
	s.mu.Unlock()
	if d == nil {
		return nil, &scanner.Error{Op: "open", Device: name, Err: scanner.ErrGone}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = false
	return d, nil
}

// Device is a fake scanner.Device; its methods are safe from any goroutine.
type Device struct {
	Info scanner.Info

	mu     sync.Mutex
	pages  []scanner.Page
	faults []error
	delay  time.Duration
	stuck  bool
	scans  []scanner.Options
	closed bool
	gone   bool
}

// NewDevice returns a fake scanner that serves pages, in turn.
func NewDevice(name string, pages ...scanner.Page) *Device {
	return &Device{Info: scanner.Info{Name: name, Vendor: "Borne", Model: "fake", Type: "flatbed scanner"}, pages: pages}
}

// Fail makes the next scans fail, one error each, in order (e.g.
// scanner.ErrJammed, scanner.ErrCoverOpen).
func (d *Device) Fail(errs ...error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = append(d.faults, errs...)
}

// Slow makes each scan take delay (a real flatbed takes 4–10 s).
func (d *Device) Slow(delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delay = delay
}

// Stick makes scans hang until their context ends, as a stuck backend.
func (d *Device) Stick(stuck bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stuck = stuck
}

// Scans returns the options of every scan so far.
func (d *Device) Scans() []scanner.Options {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.scans)
}

// Closed says whether the device is closed.
func (d *Device) Closed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

func (d *Device) Scan(ctx context.Context, opt scanner.Options, progress func(done, total int64)) ([]scanner.Page, error) {
	d.mu.Lock()
	d.scans = append(d.scans, opt)
	closed, gone, stuck, delay := d.closed, d.gone, d.stuck, d.delay
	var fault error
	if len(d.faults) > 0 {
		fault, d.faults = d.faults[0], d.faults[1:]
	}
	d.mu.Unlock()
	fail := func(err error) ([]scanner.Page, error) {
		return nil, &scanner.Error{Op: "scan", Device: d.Info.Name, Err: err}
	}
	switch {
	case closed:
		return fail(scanner.ErrClosed)
	case gone:
		return fail(scanner.ErrGone)
	case fault != nil:
		return fail(fault)
	}
	var wait <-chan time.Time
	if !stuck {
		wait = time.After(delay)
	}
	select {
	case <-wait:
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fail(fmt.Errorf("%w: %w", scanner.ErrTimeout, ctx.Err()))
		}
		return fail(fmt.Errorf("%w: %w", scanner.ErrCancelled, ctx.Err()))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pages) == 0 {
		return fail(scanner.ErrNoDocuments)
	}
	n := 1
	if opt.Source == scanner.ADF {
		n = len(d.pages)
	}
	out := make([]scanner.Page, n)
	for i := range n {
		out[i] = d.pages[0]
		d.pages = append(d.pages[1:], d.pages[0]) // round and round
		if progress != nil {
			total := int64(out[i].Image.Bounds().Dx() * out[i].Image.Bounds().Dy())
			progress(total, total)
		}
	}
	return out, nil
}

func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

// TextPage draws an A4 page at dpi: white paper, a dark band for a
// letterhead and grey lines of "text", enough for a tray and a shrink to
// find ink on it.
func TextPage(dpi int) scanner.Page {
	w, h := dpi*210*10/254, dpi*297*10/254
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xF0
	}
	fill := func(r image.Rectangle, c uint8) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetGray(x, y, color.Gray{c})
			}
		}
	}
	mm := func(v int) int { return v * dpi * 10 / 254 }
	fill(image.Rect(mm(20), mm(20), mm(60), mm(35)), 0x20)
	for line := range 30 {
		y := mm(50 + 7*line)
		for word := 0; word < 12; word++ {
			x := mm(20 + 14*word)
			fill(image.Rect(x, y, x+mm(10), y+mm(3)), 0x10)
		}
	}
	return scanner.Page{Image: img, DPI: dpi}
}
