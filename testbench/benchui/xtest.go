package benchui

// Synthetic touches: real X input events through the XTEST extension, on a
// connection of their own so the simulation never waits on the GTK loop.

// #cgo pkg-config: x11 xtst
// #include <stdlib.h>
// #include <X11/Xlib.h>
// #include <X11/extensions/XTest.h>
//
// static Display *bench_open(const char *name) {
// 	Display *d = XOpenDisplay(name);
// 	int ev, err, maj, min;
// 	if (d != NULL && !XTestQueryExtension(d, &ev, &err, &maj, &min)) { XCloseDisplay(d); return NULL; }
// 	return d;
// }
// static void bench_move(Display *d, int x, int y) { XTestFakeMotionEvent(d, -1, x, y, CurrentTime); XSync(d, False); }
// static void bench_button(Display *d, int press) { XTestFakeButtonEvent(d, 1, press, CurrentTime); XSync(d, False); }
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

// pointer injects touches as pointer events (what a touch panel's first
// finger becomes for GTK). One goroutine at a time.
type pointer struct{ d *C.Display }

func openPointer() (*pointer, error) {
	name := C.CString(os.Getenv("DISPLAY"))
	defer C.free(unsafe.Pointer(name))
	d := C.bench_open(name)
	if d == nil {
		return nil, fmt.Errorf("xtest: cannot open display %q with the XTEST extension", os.Getenv("DISPLAY"))
	}
	return &pointer{d}, nil
}

func (p *pointer) move(x, y int) { C.bench_move(p.d, C.int(x), C.int(y)) }
func (p *pointer) press()        { C.bench_button(p.d, 1) }
func (p *pointer) release()      { C.bench_button(p.d, 0) }

// tap touches and lifts at (x, y), in screen pixels.
func (p *pointer) tap(x, y int) {
	p.move(x, y)
	p.press()
	p.release()
}

func (p *pointer) close() { C.XCloseDisplay(p.d) }
