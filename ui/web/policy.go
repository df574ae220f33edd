package web

// #cgo pkg-config: webkit2gtk-4.1
// #include <stdlib.h>
// #include "guard.h"
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"unsafe"
)

// ErrTooBig is what Downloaded reports for a download stopped at the limit
// set with LimitDownloads.
var ErrTooBig = errors.New("web: download over the size limit, stopped")

// LimitDownloads stops any download of this view as soon as it passes max
// bytes (announced by the server or not); 0: no limit.
func (v *View) LimitDownloads(max int64) {
	C.borne_web_limit_downloads(v.native, C.gint64(max))
}

//export borneWebDownloadTooBig
func borneWebDownloadTooBig(h C.uintptr_t, path *C.char) {
	view(h).handler.Downloaded(C.GoString(path), ErrTooBig)
}

// Compiled content filters by rules, for the life of the process: each
// service's rules are compiled once, not at every visit.
var (
	filters       = map[string]*C.WebKitUserContentFilter{}
	filterWaiting = map[string][]func(*C.WebKitUserContentFilter, error){}
	filterCalls   = map[uintptr]filterCall{}
	lastFilter    uintptr
)

type filterCall struct{ dir, key string }

// Restrict has WebKit itself refuse every request of the page that rules
// (WebKit content-blocker JSON) block: images, scripts, XHR, fetch, web
// sockets, beacons, style sheets, media, frames. done gets nil once the rules
// are in force, before which nothing should be loaded.
func (v *View) Restrict(rules string, done func(error)) {
	sum := sha256.Sum256([]byte(rules))
	key := hex.EncodeToString(sum[:16])
	apply := func(f *C.WebKitUserContentFilter, err error) {
		if err == nil && v.native != nil {
			C.borne_web_filter_apply(v.native, f)
		} else if err == nil {
			err = errors.New("web: view destroyed")
		}
		done(err)
	}
	if f, ok := filters[key]; ok {
		apply(f, nil)
		return
	}
	filterWaiting[key] = append(filterWaiting[key], apply)
	if len(filterWaiting[key]) > 1 {
		return // being compiled
	}
	// WebKit compiles into a store on disk; the filter is kept in memory, so
	// the store goes as soon as it is read back.
	dir, err := os.MkdirTemp("", "borne-web-rules-")
	if err != nil {
		delete(filterWaiting, key)
		done(fmt.Errorf("web: content rules: %w", err))
		return
	}
	lastFilter++
	filterCalls[lastFilter] = filterCall{dir, key}
	cdir, cid, crules := C.CString(dir), C.CString("r"+key), C.CString(rules)
	defer C.free(unsafe.Pointer(cdir))
	defer C.free(unsafe.Pointer(cid))
	defer C.free(unsafe.Pointer(crules))
	C.borne_web_filter_compile(cdir, cid, crules, C.uintptr_t(lastFilter))
}

//export borneWebFilterDone
func borneWebFilterDone(call C.uintptr_t, f *C.WebKitUserContentFilter, msg *C.char) {
	c := filterCalls[uintptr(call)]
	delete(filterCalls, uintptr(call))
	key := c.key
	_ = os.RemoveAll(c.dir)
	var err error
	if msg != nil {
		err = fmt.Errorf("web: content rules refused by WebKit: %s", C.GoString(msg))
	} else {
		filters[key] = f
	}
	waiting := filterWaiting[key]
	delete(filterWaiting, key)
	for _, w := range waiting {
		w(f, err)
	}
}
