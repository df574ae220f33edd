package scanner

/*
#cgo pkg-config: sane-backends
#include <stdlib.h>
#include <string.h>
#include <sane/sane.h>

// cgo cannot reach into arrays of pointers or unions: these helpers do.
static const SANE_Device *device_at(const SANE_Device **list, int i) { return list[i]; }
static SANE_String_Const string_at(const SANE_Option_Descriptor *d, int i) { return d->constraint.string_list[i]; }
static SANE_Word word_at(const SANE_Option_Descriptor *d, int i) { return d->constraint.word_list[i]; }
static const SANE_Range *range_of(const SANE_Option_Descriptor *d) { return d->constraint.range; }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Statuses of SANE 1.1 that sane.h defines as macros.
const (
	statusWarmingUp = 12
	statusHWLocked  = 13
)

// lib serialises libsane: one call at a time, made while holding sem.
var lib = struct {
	sem    chan struct{}
	inited bool // under sem
	open   int  // handles open, under sem: sane_exit would pull them away
}{sem: make(chan struct{}, 1)}

// acquire takes the libsane lock, or fails when ctx ends first.
func acquire(ctx context.Context) error {
	select {
	case lib.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

func release() { <-lib.sem }

// ctxErr is the scanner error for an ended context.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	return fmt.Errorf("%w: %w", ErrCancelled, ctx.Err())
}

// call runs f, which calls libsane, on its own goroutine holding the lock,
// and waits for it or for ctx: a backend stuck in f holds the lock, never
// the caller.
func call(ctx context.Context, f func()) error {
	if err := acquire(ctx); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		defer release()
		f()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

// initLocked starts libsane if needed.
func initLocked() error {
	if lib.inited {
		return nil
	}
	var version C.SANE_Int
	if st := C.sane_init(&version, nil); st != C.SANE_STATUS_GOOD {
		return statusError(st)
	}
	lib.inited = true
	return nil
}

// List returns the scanners attached to this machine. When no scanner is
// open it restarts libsane first, because many backends look for devices
// only when they start: that is how a scanner plugged in since shows up.
// Listing takes as long as the slowest backend of SANE's dll.conf: list
// there only the backends the kiosk needs.
func List(ctx context.Context) ([]Info, error) { return list(ctx, true) }

// ListAll lists network scanners too (sane-airscan, saned): a lobby's
// multifunction printer is one, and airscan lists none of its devices as
// local. Asking network backends starts their discovery, which opens sockets
// on the lobby's network and can take seconds: only for a network scanner,
// best declared statically in airscan.conf with discovery off.
func ListAll(ctx context.Context) ([]Info, error) { return list(ctx, false) }

// ListerFor is the listing that finds device: ListAll for a network
// backend's device, List for any other.
func ListerFor(device string) func(context.Context) ([]Info, error) {
	if isNetwork(device) {
		return ListAll
	}
	return List
}

// isNetwork says whether device belongs to a network backend.
func isNetwork(device string) bool {
	backend, _, _ := strings.Cut(device, ":")
	switch backend {
	case "airscan", "escl", "net":
		return true
	}
	return false
}

func list(ctx context.Context, localOnly bool) ([]Info, error) {
	var infos []Info
	var err error
	if cerr := call(ctx, func() { infos, err = listLocked(true, localOnly) }); cerr != nil {
		return nil, &Error{Op: "list", Err: cerr}
	}
	if err != nil {
		return nil, &Error{Op: "list", Err: err}
	}
	return infos, nil
}

func listLocked(fresh, localOnly bool) ([]Info, error) {
	if fresh && lib.inited && lib.open == 0 {
		C.sane_exit()
		lib.inited = false
	}
	if err := initLocked(); err != nil {
		return nil, err
	}
	var list **C.SANE_Device
	local := C.SANE_Bool(C.SANE_FALSE)
	if localOnly {
		local = C.SANE_TRUE
	}
	if st := C.sane_get_devices(&list, local); st != C.SANE_STATUS_GOOD {
		return nil, statusError(st)
	}
	var infos []Info
	for i := 0; ; i++ {
		d := C.device_at(list, C.int(i))
		if d == nil {
			break
		}
		infos = append(infos, Info{Name: C.GoString(d.name), Vendor: C.GoString(d.vendor), Model: C.GoString(d.model), Type: C.GoString(d._type)})
	}
	return infos, nil
}

// device is an open SANE handle.
type device struct {
	name string

	mu       sync.Mutex
	h        C.SANE_Handle  // nil once closed
	closing  bool           // Close was called
	scanning bool           // a scan runs and has not ended with its sane_cancel yet
	cancels  sync.WaitGroup // sane_cancel calls from outside the lock, in flight
	// cancelMu lets one sane_cancel run at a time. Backends such as pnm
	// keep one file for all their handles: two cancels at once close it
	// twice (heap corruption), and a late cancel of a finished scan closes
	// the next scan's file under its sane_read (a crash).
	cancelMu sync.Mutex
}

// Open opens the scanner called name (see List).
func Open(ctx context.Context, name string) (Device, error) {
	var h C.SANE_Handle
	var err error
	cerr := call(ctx, func() {
		if err = initLocked(); err != nil {
			return
		}
		cname := C.CString(name)
		defer C.free(unsafe.Pointer(cname))
		if st := C.sane_open(cname, &h); st != C.SANE_STATUS_GOOD {
			err = gone(name, statusError(st))
			return
		}
		lib.open++
	})
	if cerr != nil {
		// Should the open still succeed, its handle stays open until the
		// process ends; a kiosk that times out here restarts the scanner.
		return nil, &Error{Op: "open", Device: name, Err: cerr}
	}
	if err != nil {
		return nil, &Error{Op: "open", Device: name, Err: err}
	}
	return &device{name: name, h: h}, nil
}

// cancel asks the backend to stop what it is doing, without waiting: SANE
// allows sane_cancel from any thread and a blocked sane_read then returns,
// but a broken backend may block in it too.
func (d *device) cancel() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil || !d.scanning {
		return
	}
	h := d.h
	d.cancels.Add(1)
	go func() {
		defer d.cancels.Done()
		d.cancelMu.Lock()
		defer d.cancelMu.Unlock()
		d.mu.Lock()
		running := d.scanning
		d.mu.Unlock()
		if running { // else the scan has ended itself meanwhile
			C.sane_cancel(h)
		}
	}()
}

// Close cancels a scan in progress and closes the scanner. It does not wait
// for a backend stuck in a call: the handle is closed when the call returns.
func (d *device) Close() error {
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		return nil
	}
	d.closing = true
	d.mu.Unlock()
	d.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), cancelGrace)
	defer cancel()
	if acquire(ctx) != nil {
		go func() {
			lib.sem <- struct{}{}
			defer release()
			d.closeHandle()
		}()
		return nil
	}
	defer release()
	d.closeHandle()
	return nil
}

// closeHandle closes the handle once no sane_cancel runs on it; the caller
// holds the libsane lock.
func (d *device) closeHandle() {
	d.mu.Lock()
	h := d.h
	d.h = nil // no new cancel starts
	d.mu.Unlock()
	if h == nil {
		return
	}
	stopped := make(chan struct{})
	go func() {
		d.cancels.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		C.sane_close(h)
		lib.open--
	case <-time.After(cancelGrace):
		// Closing under a running cancel would free what it uses.
		slog.Error("scanner: a cancel never returned; handle left open", "device", d.name)
	}
}

func (d *device) Scan(ctx context.Context, opt Options, progress func(done, total int64)) ([]Page, error) {
	d.mu.Lock()
	closing := d.closing
	d.mu.Unlock()
	if closing {
		return nil, &Error{Op: "scan", Device: d.name, Err: ErrClosed}
	}
	opt = opt.withDefaults(d.name)
	if progress == nil {
		progress = func(int64, int64) {}
	}
	// The lock is busy while another scan or a stuck backend holds it:
	// wait no longer than a stall.
	lockCtx, cancelLock := context.WithTimeout(ctx, opt.Stall)
	err := acquire(lockCtx)
	cancelLock()
	if err != nil {
		return nil, &Error{Op: "scan", Device: d.name, Err: fmt.Errorf("%w: scanner busy", err)}
	}
	type result struct {
		pages []Page
		err   error
	}
	done := make(chan result, 1)
	// scanCtx ends the waits between the scan's attempts.
	scanCtx, stopScan := context.WithCancel(ctx)
	defer stopScan()
	var lastData atomic.Int64 // unix nanoseconds of the last data received
	lastData.Store(time.Now().UnixNano())
	d.mu.Lock()
	if d.closing { // closed while waiting for the lock
		d.mu.Unlock()
		release()
		return nil, &Error{Op: "scan", Device: d.name, Err: ErrClosed}
	}
	d.scanning = true
	d.mu.Unlock()
	go func() {
		defer release()
		pages, err := d.scanLocked(scanCtx, opt, progress, &lastData)
		done <- result{pages, err}
		// End the scan, as SANE requires, once the caller has its result:
		// a backend that hangs here holds the lock, not the screen.
		d.cancelMu.Lock()
		defer d.cancelMu.Unlock()
		C.sane_cancel(d.h)
		d.mu.Lock()
		d.scanning = false
		d.mu.Unlock()
	}()

	tick := time.NewTicker(min(opt.Stall/4, time.Second))
	defer tick.Stop()
	var why error
wait:
	for {
		select {
		case r := <-done:
			d.mu.Lock()
			closing := d.closing
			d.mu.Unlock()
			switch {
			case r.err != nil && closing: // what the backend says when cut short does not matter
				return r.pages, &Error{Op: "scan", Device: d.name, Err: fmt.Errorf("%w: the scanner was closed", ErrCancelled)}
			case r.err != nil:
				return r.pages, &Error{Op: "scan", Device: d.name, Err: r.err}
			}
			return r.pages, nil
		case <-ctx.Done():
			why = ctxErr(ctx)
			break wait
		case <-tick.C:
			if time.Since(time.Unix(0, lastData.Load())) > opt.Stall {
				why = fmt.Errorf("%w: nothing received for %v", ErrTimeout, opt.Stall)
				break wait
			}
		}
	}
	stopScan()
	d.cancel()
	select {
	case r := <-done:
		return r.pages, &Error{Op: "scan", Device: d.name, Err: why}
	case <-time.After(cancelGrace):
		// The backend ignores the cancellation: leave it on its goroutine.
		return nil, &Error{Op: "scan", Device: d.name, Err: fmt.Errorf("%w (%w): the scanner does not stop", why, ErrTimeout)}
	}
}

func (o Options) withDefaults(device string) Options {
	if o.Resolution <= 0 {
		o.Resolution = defaultResolution
	}
	if o.Mode == "" {
		o.Mode = Color
	}
	if o.Source == "" {
		o.Source = Flatbed
	}
	if o.Stall <= 0 {
		o.Stall = defaultStall
	}
	if o.Wake <= 0 {
		o.Wake = defaultWake
	}
	if o.Waiting == nil {
		o.Waiting = func(error) {}
	}
	o.Extra = lobbyPage(device, o.Extra)
	return o
}

// scanLocked scans one page, or the feeder's pages; the caller holds the
// libsane lock and ends the scan with sane_cancel.
func (d *device) scanLocked(ctx context.Context, opt Options, progress func(done, total int64), lastData *atomic.Int64) ([]Page, error) {
	dpi, err := d.configure(opt)
	if err != nil {
		return nil, err
	}
	var pages []Page
	for {
		if st := d.start(ctx, opt, len(pages) == 0, lastData); st != C.SANE_STATUS_GOOD {
			if st == C.SANE_STATUS_NO_DOCS && len(pages) > 0 {
				return pages, nil // the feeder is empty: the batch is done
			}
			return pages, d.failure(statusError(st))
		}
		img, err := d.readPage(progress, lastData)
		if err != nil {
			return pages, d.failure(err)
		}
		pages = append(pages, Page{Image: img, DPI: dpi})
		if opt.Source != ADF {
			return pages, nil
		}
	}
}

// start starts the scanner. Before the first page, a scanner that answers
// busy (asleep, warming up, busy with a copy) is asked again, less and less
// often, for opt.Wake; the waits count as activity for the stall watchdog.
func (d *device) start(ctx context.Context, opt Options, first bool, lastData *atomic.Int64) C.SANE_Status {
	deadline := time.Now().Add(opt.Wake)
	pause := 250 * time.Millisecond
	for {
		st := C.sane_start(d.h)
		if !first || (st != C.SANE_STATUS_DEVICE_BUSY && st != statusWarmingUp) || time.Now().Add(pause).After(deadline) {
			return st
		}
		opt.Waiting(statusError(st))
		select {
		case <-ctx.Done():
			return st
		case <-time.After(pause):
		}
		lastData.Store(time.Now().UnixNano())
		pause = min(2*pause, 2*time.Second)
	}
}

// failure turns an I/O error into ErrGone when the scanner has vanished
// (unplugged, switched off).
func (d *device) failure(err error) error {
	if !errors.Is(err, ErrIO) {
		return err
	}
	return gone(d.name, err)
}

// gone wraps err with ErrGone when the scanner called name is not listed;
// the caller holds the libsane lock.
func gone(name string, err error) error {
	infos, lerr := listLocked(false, !isNetwork(name))
	if lerr != nil {
		return err
	}
	for _, in := range infos {
		if in.Name == name {
			return err
		}
	}
	return fmt.Errorf("%w: no scanner called %q (%w)", ErrGone, name, err)
}

// readBuffer is how much one sane_read may return.
const readBuffer = 64 << 10

// readPage reads the frames of one page.
func (d *device) readPage(progress func(done, total int64), lastData *atomic.Int64) (image.Image, error) {
	var a assembler
	buf := (*C.SANE_Byte)(C.malloc(readBuffer))
	defer C.free(unsafe.Pointer(buf))
	data := unsafe.Slice((*byte)(unsafe.Pointer(buf)), readBuffer)
	for {
		var p C.SANE_Parameters
		if st := C.sane_get_parameters(d.h, &p); st != C.SANE_STATUS_GOOD {
			return nil, statusError(st)
		}
		fp := frameParams{
			format: frameFormat(p.format), last: p.last_frame != 0, bytesPerLine: int(p.bytes_per_line),
			pixelsPerLine: int(p.pixels_per_line), lines: int(p.lines), depth: int(p.depth),
		}
		if err := a.begin(fp); err != nil {
			return nil, err
		}
		for {
			var n C.SANE_Int
			st := C.sane_read(d.h, buf, readBuffer, &n)
			if n > 0 {
				if err := a.write(data[:n]); err != nil {
					return nil, err
				}
				lastData.Store(time.Now().UnixNano())
				progress(a.done, a.total())
			}
			if st == C.SANE_STATUS_EOF {
				break
			}
			if st != C.SANE_STATUS_GOOD {
				return nil, statusError(st)
			}
			if n == 0 {
				time.Sleep(time.Millisecond) // a backend with nothing yet: do not spin
			}
		}
		if err := a.end(); err != nil {
			return nil, err
		}
		if a.complete() || fp.last {
			return a.image()
		}
		if st := C.sane_start(d.h); st != C.SANE_STATUS_GOOD { // the next colour
			return nil, statusError(st)
		}
	}
}

// statusError maps a SANE status to the package's errors.
func statusError(st C.SANE_Status) error {
	var err error
	switch st {
	case C.SANE_STATUS_UNSUPPORTED:
		err = ErrUnsupported
	case C.SANE_STATUS_CANCELLED:
		err = ErrCancelled
	case C.SANE_STATUS_DEVICE_BUSY, statusWarmingUp:
		err = ErrBusy
	case C.SANE_STATUS_INVAL:
		err = ErrInvalid
	case C.SANE_STATUS_EOF:
		err = ErrBadFrame // outside sane_read's normal end: no image came
	case C.SANE_STATUS_JAMMED:
		err = ErrJammed
	case C.SANE_STATUS_NO_DOCS:
		err = ErrNoDocuments
	case C.SANE_STATUS_COVER_OPEN:
		err = ErrCoverOpen
	case C.SANE_STATUS_IO_ERROR:
		err = ErrIO
	case C.SANE_STATUS_NO_MEM:
		err = ErrNoMemory
	case C.SANE_STATUS_ACCESS_DENIED:
		err = ErrDenied
	case statusHWLocked:
		err = ErrLocked
	default:
		err = ErrIO
	}
	return fmt.Errorf("%w (SANE status %d: %s)", err, int(st), C.GoString(C.sane_strstatus(st)))
}

// option is one of the device's options.
type option struct {
	index C.SANE_Int
	desc  *C.SANE_Option_Descriptor
}

func (o option) name() string   { return C.GoString(o.desc.name) }
func (o option) active() bool   { return o.desc.cap&C.SANE_CAP_INACTIVE == 0 }
func (o option) settable() bool { return o.desc.cap&C.SANE_CAP_SOFT_SELECT != 0 }

// strings is the option's list of allowed values.
func (o option) strings() []string {
	if o.desc.constraint_type != C.SANE_CONSTRAINT_STRING_LIST {
		return nil
	}
	var out []string
	for i := 0; ; i++ {
		s := C.string_at(o.desc, C.int(i))
		if s == nil {
			return out
		}
		out = append(out, C.GoString(s))
	}
}

// options reads the device's option descriptors.
func (d *device) options() (map[string]option, error) {
	var n C.SANE_Int
	if st := C.sane_control_option(d.h, 0, C.SANE_ACTION_GET_VALUE, unsafe.Pointer(&n), nil); st != C.SANE_STATUS_GOOD {
		return nil, statusError(st)
	}
	opts := map[string]option{}
	for i := C.SANE_Int(1); i < n; i++ {
		desc := C.sane_get_option_descriptor(d.h, i)
		if desc == nil || desc.name == nil || desc._type == C.SANE_TYPE_GROUP {
			continue
		}
		o := option{index: i, desc: desc}
		opts[o.name()] = o
	}
	return opts, nil
}

// configure sets the scan options and returns the resolution in effect.
func (d *device) configure(opt Options) (int, error) {
	opts, err := d.options()
	if err != nil {
		return 0, err
	}
	// set changes an option and re-reads the descriptors when the backend
	// says that others changed with it.
	set := func(o option, value string) error {
		reload, err := d.setOption(o, value)
		if err == nil && reload {
			opts, err = d.options()
		}
		return err
	}
	if o, ok := opts["source"]; ok && o.active() {
		v, found := pick(o.strings(), sourceWords[opt.Source])
		if !found && opt.Source == ADF {
			return 0, fmt.Errorf("%w: no document feeder (sources: %s)", ErrUnsupported, strings.Join(o.strings(), ", "))
		}
		if found {
			if err := set(o, v); err != nil {
				return 0, fmt.Errorf("source %q: %w", v, err)
			}
		}
	} else if opt.Source == ADF {
		return 0, fmt.Errorf("%w: no document feeder", ErrUnsupported)
	}
	if err := d.setMode(opts, set, opt.Mode); err != nil {
		return 0, err
	}
	if o, ok := opts["resolution"]; ok && o.active() && o.settable() {
		if err := set(o, nearest(o, float64(opt.Resolution))); err != nil {
			return 0, fmt.Errorf("resolution %d: %w", opt.Resolution, err)
		}
	}
	if opt.Area != (Area{}) {
		for _, c := range []struct {
			name string
			v    float64
		}{{"tl-x", opt.Area.X}, {"tl-y", opt.Area.Y}, {"br-x", opt.Area.X + opt.Area.W}, {"br-y", opt.Area.Y + opt.Area.H}} {
			o, ok := opts[c.name]
			if !ok || o.desc.unit != C.SANE_UNIT_MM {
				return 0, fmt.Errorf("%w: scan area (no %s in mm)", ErrUnsupported, c.name)
			}
			if err := set(o, clampRange(o, c.v)); err != nil {
				return 0, fmt.Errorf("scan area %s: %w", c.name, err)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Extra)) {
		o, ok := opts[name]
		if !ok {
			return 0, fmt.Errorf("%w: no option %q", ErrInvalid, name)
		}
		if err := set(o, opt.Extra[name]); err != nil {
			return 0, fmt.Errorf("option %s=%q: %w", name, opt.Extra[name], err)
		}
	}

	dpi := opt.Resolution
	if o, ok := opts["resolution"]; ok {
		if v, err := d.number(o); err == nil && v > 0 {
			dpi = int(math.Round(v))
		}
	}
	// Refuse a page too large before the scanner starts (2400 dpi, A3 at
	// 1200 dpi): parameters before sane_start are the backend's estimate.
	var p C.SANE_Parameters
	if st := C.sane_get_parameters(d.h, &p); st == C.SANE_STATUS_GOOD && int64(p.pixels_per_line)*int64(p.lines) > MaxPixels {
		return 0, fmt.Errorf("%w: %d×%d pixels at %d dpi (at most %d million): scan at 300 dpi",
			ErrTooLarge, p.pixels_per_line, p.lines, dpi, MaxPixels/1_000_000)
	}
	return dpi, nil
}

// Words that name modes and sources in the backends' lists.
var (
	modeWords = map[Mode][]string{
		Color:   {"color", "colour", "rgb"},
		Gray:    {"gray", "grey"},
		Lineart: {"lineart", "line art", "binary", "black & white", "black and white", "monochrome"},
	}
	sourceWords = map[Source][]string{
		Flatbed: {"flatbed", "normal", "platen"},
		ADF:     {"adf", "automatic document feeder", "feeder", "duplex"},
	}
)

// pick returns the first value containing one of the words, tried in order.
func pick(values, words []string) (string, bool) {
	for _, w := range words {
		for _, v := range values {
			if strings.Contains(strings.ToLower(v), w) {
				return v, true
			}
		}
	}
	return "", false
}

// setMode sets the colour mode; black and white falls back to grey at one
// bit a sample on backends that have no line-art mode (the test backend).
func (d *device) setMode(opts map[string]option, set func(option, string) error, mode Mode) error {
	o, ok := opts["mode"]
	if !ok || !o.active() {
		return nil // a fixed-mode device (the pnm backend): take what it gives
	}
	v, found := pick(o.strings(), modeWords[mode])
	depth := "8"
	if !found && mode == Lineart {
		v, found = pick(o.strings(), modeWords[Gray])
		depth = "1"
	}
	if !found {
		return fmt.Errorf("%w: no %s mode (modes: %s)", ErrUnsupported, mode, strings.Join(o.strings(), ", "))
	}
	if err := set(o, v); err != nil {
		return fmt.Errorf("mode %q: %w", v, err)
	}
	if o, ok := opts["depth"]; ok && o.active() && o.settable() && (mode != Lineart || depth == "1") {
		if err := set(o, depth); err != nil {
			return fmt.Errorf("depth %s: %w", depth, err)
		}
	}
	return nil
}

// nearest is the allowed value of a numeric option closest to v, as text.
func nearest(o option, v float64) string {
	fixed := o.desc._type == C.SANE_TYPE_FIXED
	word := func(w C.SANE_Word) float64 {
		if fixed {
			return float64(w) / 65536
		}
		return float64(w)
	}
	best := v
	switch o.desc.constraint_type {
	case C.SANE_CONSTRAINT_WORD_LIST:
		n := int(C.word_at(o.desc, 0))
		for i := 1; i <= n; i++ {
			if w := word(C.word_at(o.desc, C.int(i))); i == 1 || math.Abs(w-v) < math.Abs(best-v) {
				best = w
			}
		}
	case C.SANE_CONSTRAINT_RANGE:
		return clampRange(o, v)
	}
	return strconv.FormatFloat(best, 'f', -1, 64)
}

// clampRange keeps v within the option's range, as text.
func clampRange(o option, v float64) string {
	if o.desc.constraint_type == C.SANE_CONSTRAINT_RANGE {
		r := C.range_of(o.desc)
		div := 1.0
		if o.desc._type == C.SANE_TYPE_FIXED {
			div = 65536
		}
		v = math.Min(math.Max(v, float64(r.min)/div), float64(r.max)/div)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// number reads a numeric option.
func (d *device) number(o option) (float64, error) {
	var w C.SANE_Word
	if o.desc._type != C.SANE_TYPE_INT && o.desc._type != C.SANE_TYPE_FIXED || o.desc.size != C.SANE_Int(unsafe.Sizeof(w)) {
		return 0, fmt.Errorf("%w: %s is not a number", ErrInvalid, o.name())
	}
	if st := C.sane_control_option(d.h, o.index, C.SANE_ACTION_GET_VALUE, unsafe.Pointer(&w), nil); st != C.SANE_STATUS_GOOD {
		return 0, statusError(st)
	}
	if o.desc._type == C.SANE_TYPE_FIXED {
		return float64(w) / 65536, nil
	}
	return float64(w), nil
}

// setOption sets an option from text, by its type. It reports whether the
// backend asks for the options to be read again.
func (d *device) setOption(o option, value string) (reload bool, err error) {
	if !o.active() || !o.settable() {
		return false, fmt.Errorf("%w: option %s cannot be set now", ErrUnsupported, o.name())
	}
	var info C.SANE_Int
	var st C.SANE_Status
	switch o.desc._type {
	case C.SANE_TYPE_BOOL:
		var w C.SANE_Word
		switch strings.ToLower(value) {
		case "yes", "true", "on", "1":
			w = C.SANE_TRUE
		case "no", "false", "off", "0":
			w = C.SANE_FALSE
		default:
			return false, fmt.Errorf("%w: %q is not yes or no", ErrInvalid, value)
		}
		st = C.sane_control_option(d.h, o.index, C.SANE_ACTION_SET_VALUE, unsafe.Pointer(&w), &info)
	case C.SANE_TYPE_INT, C.SANE_TYPE_FIXED:
		f, err := strconv.ParseFloat(value, 64)
		limit := float64(math.MaxInt32)
		if o.desc._type == C.SANE_TYPE_FIXED {
			limit = math.MaxInt32 / 65536
		}
		if err != nil || math.IsNaN(f) || math.Abs(f) > limit {
			return false, fmt.Errorf("%w: %q is not a number in range", ErrInvalid, value)
		}
		if o.desc.size != C.SANE_Int(unsafe.Sizeof(C.SANE_Word(0))) {
			return false, fmt.Errorf("%w: option %s takes a list", ErrUnsupported, o.name())
		}
		w := C.SANE_Word(math.Round(f))
		if o.desc._type == C.SANE_TYPE_FIXED {
			w = C.SANE_Word(math.Round(f * 65536))
		}
		st = C.sane_control_option(d.h, o.index, C.SANE_ACTION_SET_VALUE, unsafe.Pointer(&w), &info)
	case C.SANE_TYPE_STRING:
		size := max(int(o.desc.size), len(value)+1)
		buf := (*C.char)(C.calloc(C.size_t(size), 1))
		defer C.free(unsafe.Pointer(buf))
		if len(value) >= int(o.desc.size) {
			return false, fmt.Errorf("%w: %q is longer than option %s allows", ErrInvalid, value, o.name())
		}
		cv := C.CString(value)
		C.strcpy(buf, cv)
		C.free(unsafe.Pointer(cv))
		st = C.sane_control_option(d.h, o.index, C.SANE_ACTION_SET_VALUE, unsafe.Pointer(buf), &info)
	case C.SANE_TYPE_BUTTON:
		st = C.sane_control_option(d.h, o.index, C.SANE_ACTION_SET_VALUE, nil, &info)
	default:
		return false, fmt.Errorf("%w: option %s has an unknown type", ErrUnsupported, o.name())
	}
	if st != C.SANE_STATUS_GOOD {
		return false, statusError(st)
	}
	return info&C.SANE_INFO_RELOAD_OPTIONS != 0, nil
}

// Setting is one of a scanner's options as the scanner reports it: what
// the test bench reads back to know the modes, resolutions and sources a
// device offers and the scan area in effect.
type Setting struct {
	Name    string
	Value   string   // the current value as text; "" for buttons, inactive options and lists of numbers
	Choices []string // the allowed values, when the scanner lists them
	Min     float64  // with Max: the allowed range, when the scanner gives one
	Max     float64
	Unit    string // "dpi", "mm", "%"… or ""
	Active  bool
}

// Ranged tells whether the setting takes any number from Min to Max.
func (s Setting) Ranged() bool { return s.Max > s.Min }

// Settings reads back the options of an open scanner, sorted by name. Only
// SANE devices can: others give ErrUnsupported.
func Settings(ctx context.Context, dev Device) ([]Setting, error) {
	d, ok := dev.(*device)
	if !ok {
		return nil, &Error{Op: "settings", Err: fmt.Errorf("%w: not a SANE scanner", ErrUnsupported)}
	}
	var out []Setting
	var err error
	cerr := call(ctx, func() {
		d.mu.Lock()
		closed := d.h == nil || d.closing
		d.mu.Unlock()
		if closed {
			err = ErrClosed
			return
		}
		var opts map[string]option
		if opts, err = d.options(); err != nil {
			return
		}
		for _, name := range slices.Sorted(maps.Keys(opts)) {
			out = append(out, d.setting(opts[name]))
		}
	})
	if cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, &Error{Op: "settings", Device: d.name, Err: err}
	}
	return out, nil
}

var units = map[C.SANE_Unit]string{C.SANE_UNIT_PIXEL: "px", C.SANE_UNIT_BIT: "bit", C.SANE_UNIT_MM: "mm",
	C.SANE_UNIT_DPI: "dpi", C.SANE_UNIT_PERCENT: "%", C.SANE_UNIT_MICROSECOND: "µs"}

// setting describes one option; the caller holds the libsane lock.
func (d *device) setting(o option) Setting {
	s := Setting{Name: o.name(), Unit: units[o.desc.unit], Active: o.active(), Choices: o.strings()}
	div := 1.0
	if o.desc._type == C.SANE_TYPE_FIXED {
		div = 65536
	}
	switch o.desc.constraint_type {
	case C.SANE_CONSTRAINT_RANGE:
		r := C.range_of(o.desc)
		s.Min, s.Max = float64(r.min)/div, float64(r.max)/div
	case C.SANE_CONSTRAINT_WORD_LIST:
		for i := 1; i <= int(C.word_at(o.desc, 0)); i++ {
			s.Choices = append(s.Choices, strconv.FormatFloat(float64(C.word_at(o.desc, C.int(i)))/div, 'f', -1, 64))
		}
	}
	if !s.Active {
		return s
	}
	switch o.desc._type {
	case C.SANE_TYPE_INT, C.SANE_TYPE_FIXED:
		if v, err := d.number(o); err == nil {
			s.Value = strconv.FormatFloat(v, 'f', -1, 64)
		}
	case C.SANE_TYPE_BOOL:
		var w C.SANE_Word
		if C.sane_control_option(d.h, o.index, C.SANE_ACTION_GET_VALUE, unsafe.Pointer(&w), nil) == C.SANE_STATUS_GOOD {
			s.Value = strconv.FormatBool(w == C.SANE_TRUE)
		}
	case C.SANE_TYPE_STRING:
		buf := C.calloc(C.size_t(max(o.desc.size, 1)), 1)
		defer C.free(buf)
		if C.sane_control_option(d.h, o.index, C.SANE_ACTION_GET_VALUE, buf, nil) == C.SANE_STATUS_GOOD {
			s.Value = strings.Clone(C.GoString((*C.char)(buf)))
		}
	}
	return s
}
