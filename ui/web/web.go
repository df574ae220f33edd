// Package web embeds a WebKitGTK view in the kiosk window through a thin cgo
// shim (shim.c): an ephemeral context per view, every navigation, new window,
// response, file request, download and print request handed to Go, which
// decides. Everything here runs on the GTK main loop.
package web

// #cgo pkg-config: webkit2gtk-4.1
// #include <stdlib.h>
// #include "shim.h"
// #include "guard.h"
import "C"

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"
)

// Decision answers a response: show it, download it, or drop it.
type Decision int

const (
	Ignore   Decision = C.BORNE_IGNORE
	Show     Decision = C.BORNE_USE
	Download Decision = C.BORNE_DOWNLOAD
)

// Termination says why the web process went away.
type Termination int

const (
	Crashed        Termination = C.WEBKIT_WEB_PROCESS_CRASHED
	OutOfMemory    Termination = C.WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT
	TerminatedByUs Termination = C.WEBKIT_WEB_PROCESS_TERMINATED_BY_API
)

// Failure is a page that did not load.
type Failure struct {
	TLS    bool   // the site's certificate is not trusted
	Domain string // GError domain, e.g. "soup-http-error-quark" or "g-resolver-error-quark"
	Code   int
	Detail string // for logs, never for residents
}

// Handler makes Borne's decisions for a view. Calls come on the GTK main loop.
// The URIs it gets are cut to their scheme and host ("https://caf.fr/",
// "about:blank", "data:"): paths and queries can hold what the resident
// typed, and would outlive the visit in Go's freed memory.
type Handler interface {
	// Navigate says whether the view may go to uri (newWindow: a pop-up,
	// which then opens in the same view; byResident: a tap started it, or a
	// redirect that followed one, rather than the page loading a frame).
	Navigate(uri string, newWindow, byResident bool) bool
	// Response decides what to do with a response of the given type.
	Response(uri, mime string, mainResource, canShow bool) Decision
	// ChooseFiles must answer the request, now or later, with Select or Cancel.
	ChooseFiles(req *FileRequest)
	// DownloadPath says where a download goes; "" refuses it.
	DownloadPath(suggested, mime string) string
	// Downloaded reports the end of a download.
	Downloaded(path string, err error)
	// PrintPath says where the PDF of a window.print() goes; "" refuses it.
	PrintPath() string
	// Printed reports that the PDF is written (or why not).
	Printed(path string, err error)
	Terminated(reason Termination)
	LoadFailed(uri string, f Failure)
	Loaded(uri string)
	// Message is a JSON value a page script posted to window.webkit.messageHandlers.borne.
	Message(json string)
	// ChooseOption must answer a <select> list, now or later, with Choose or Cancel.
	ChooseOption(m *OptionMenu)
}

// View is one web view with its own ephemeral context.
type View struct {
	widget  *gtk.Widget
	native  *C.GtkWidget
	id      uintptr // key in views: what the C side carries
	handler Handler

	nextEval  uintptr
	evals     map[uintptr]func(json string, err error)
	printPath string
	before    map[int]bool // WebKit helpers alive before this view: not its own
}

// New creates a view; userScript (may be empty) runs in every top-level
// page before its own scripts. Main loop only.
func New(h Handler, userScript string) (*View, error) {
	lastID++
	v := &View{handler: h, id: lastID, evals: map[uintptr]func(string, error){}, before: map[int]bool{}}
	for _, p := range Helpers() {
		v.before[p] = true
	}
	cs := C.CString(userScript)
	defer C.free(unsafe.Pointer(cs))
	v.native = C.borne_web_new(C.uintptr_t(v.id), cs)
	if v.native == nil {
		return nil, errors.New("web: could not create a WebKit view")
	}
	C.borne_web_guard(v.native, C.uintptr_t(v.id))
	views[v.id] = v
	obj := glib.Take(unsafe.Pointer(v.native))
	v.widget = &gtk.Widget{InitiallyUnowned: glib.InitiallyUnowned{Object: obj}}
	return v, nil
}

// Widget is the view, to pack into a container.
func (v *View) Widget() *gtk.Widget { return v.widget }

// Load opens a URI.
func (v *View) Load(uri string) {
	c := C.CString(uri)
	defer C.free(unsafe.Pointer(c))
	C.borne_web_load(v.native, c)
}

// Reload loads the current page again.
func (v *View) Reload() { C.borne_web_reload(v.native) }

// Retry loads again the last page that failed to load (its address stays
// on the C side, see Handler).
func (v *View) Retry() { C.borne_web_retry(v.native) }

// Back goes to the previous page.
func (v *View) Back() { C.borne_web_go_back(v.native) }

// Ephemeral tells whether the view keeps nothing on disk.
func (v *View) Ephemeral() bool { return C.borne_web_is_ephemeral(v.native) != 0 }

// KillWebProcess ends the page's process (tests; a stuck page).
func (v *View) KillWebProcess() { C.borne_web_terminate(v.native) }

// Eval runs a script in the page; done gets its result as JSON.
func (v *View) Eval(script string, done func(json string, err error)) {
	v.nextEval++
	v.evals[v.nextEval] = done
	c := C.CString(script)
	defer C.free(unsafe.Pointer(c))
	C.borne_web_eval(v.native, c, C.uintptr_t(v.id), C.uintptr_t(v.nextEval))
}

// Destroy ends the view and its context: cookies, storage, cache, history go
// with it, and its WebKit processes have exited when it returns (they are
// killed past ReleaseWithin). Pending evaluations are answered with an error.
func (v *View) Destroy() Release {
	if v.native == nil {
		return Release{}
	}
	delete(views, v.id) // late signals (a download, a script) find no view and are dropped
	r := v.release()
	v.native = nil
	for id, done := range v.evals {
		delete(v.evals, id)
		done("", errors.New("web: view destroyed"))
	}
	return r
}

// FileRequest is a page's request for files; answer it exactly once.
type FileRequest struct {
	Accept   []string // MIME types or extensions from the input's accept attribute
	Multiple bool
	req      *C.WebKitFileChooserRequest
}

// Select hands files to the page.
func (r *FileRequest) Select(paths []string) {
	if r.req == nil {
		return
	}
	list, free := cStrings(paths)
	defer free()
	C.borne_web_file_choice(r.req, list)
	r.req = nil
}

// Cancel tells the page no file was chosen.
func (r *FileRequest) Cancel() {
	if r.req == nil {
		return
	}
	C.borne_web_file_choice(r.req, nil)
	r.req = nil
}

// views maps the ids the C side carries to live views (main loop only).
var (
	views  = map[uintptr]*View{}
	lastID uintptr
)

// nowhere answers for a view that is gone: refuse, cancel, ignore.
type nowhere struct{}

func (nowhere) Navigate(string, bool, bool) bool             { return false }
func (nowhere) Response(string, string, bool, bool) Decision { return Ignore }
func (nowhere) ChooseFiles(r *FileRequest)                   { r.Cancel() }
func (nowhere) DownloadPath(string, string) string           { return "" }
func (nowhere) Downloaded(string, error)                     {}
func (nowhere) PrintPath() string                            { return "" }
func (nowhere) Printed(string, error)                        {}
func (nowhere) Terminated(Termination)                       {}
func (nowhere) LoadFailed(string, Failure)                   {}
func (nowhere) Loaded(string)                                {}
func (nowhere) Message(string)                               {}
func (nowhere) ChooseOption(m *OptionMenu)                   { m.Cancel() }

var gone = &View{handler: nowhere{}, evals: map[uintptr]func(string, error){}}

func view(id C.uintptr_t) *View {
	if v, ok := views[uintptr(id)]; ok {
		return v
	}
	return gone
}

// borneWebDecide answers the shim's policy questions. For a response, a is
// "main resource" and b "the view can show it"; for a navigation, a is "the
// resident started it".
//
//export borneWebDecide
func borneWebDecide(h C.uintptr_t, kind C.int, uri, mime *C.char, a, b C.gboolean) C.int {
	v := view(h)
	switch kind {
	case C.BORNE_RESPONSE:
		return C.int(v.handler.Response(C.GoString(uri), C.GoString(mime), a != 0, b != 0))
	default:
		if v.handler.Navigate(C.GoString(uri), kind == C.BORNE_NEW_WINDOW, a != 0) {
			return C.BORNE_USE
		}
		return C.BORNE_IGNORE
	}
}

//export borneWebFileChooser
func borneWebFileChooser(h C.uintptr_t, req *C.WebKitFileChooserRequest, mimes *C.char, multiple C.gboolean) {
	r := &FileRequest{Multiple: multiple != 0, req: req}
	if m := C.GoString(mimes); m != "" {
		r.Accept = strings.Split(m, ",")
	}
	view(h).handler.ChooseFiles(r)
}

//export borneWebDownloadDest
func borneWebDownloadDest(h C.uintptr_t, suggested, mime *C.char) *C.char {
	path := view(h).handler.DownloadPath(C.GoString(suggested), C.GoString(mime))
	if path == "" {
		return nil
	}
	return C.CString(path) // freed by the shim
}

//export borneWebDownloadDone
func borneWebDownloadDone(h C.uintptr_t, path, msg *C.char) {
	var err error
	if msg != nil {
		err = fmt.Errorf("web: download failed: %s", C.GoString(msg))
	}
	view(h).handler.Downloaded(C.GoString(path), err)
}

//export borneWebPrintRequested
func borneWebPrintRequested(h C.uintptr_t, op *C.WebKitPrintOperation) {
	v := view(h)
	path := v.handler.PrintPath()
	if path == "" {
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		v.handler.Printed("", fmt.Errorf("web: print: %w", err))
		return
	}
	v.printPath = abs
	u := C.CString((&url.URL{Scheme: "file", Path: abs}).String())
	defer C.free(unsafe.Pointer(u))
	C.borne_web_print_to_pdf(op, u)
}

//export borneWebPrintDone
func borneWebPrintDone(h C.uintptr_t, msg *C.char) {
	v := view(h)
	if v.printPath == "" { // "finished" after a reported failure
		return
	}
	path := v.printPath
	v.printPath = ""
	if msg != nil {
		v.handler.Printed("", fmt.Errorf("web: print to PDF: %s", C.GoString(msg)))
		return
	}
	v.handler.Printed(path, nil)
}

//export borneWebTerminated
func borneWebTerminated(h C.uintptr_t, reason C.int) {
	view(h).handler.Terminated(Termination(reason))
}

//export borneWebLoadFailed
func borneWebLoadFailed(h C.uintptr_t, uri *C.char, code C.int, domain, msg *C.char, tls C.gboolean) {
	view(h).handler.LoadFailed(C.GoString(uri), Failure{TLS: tls != 0, Domain: C.GoString(domain), Code: int(code), Detail: C.GoString(msg)})
}

//export borneWebLoaded
func borneWebLoaded(h C.uintptr_t, uri *C.char) { view(h).handler.Loaded(C.GoString(uri)) }

//export borneWebMessage
func borneWebMessage(h C.uintptr_t, json *C.char) { view(h).handler.Message(C.GoString(json)) }

//export borneWebEvalDone
func borneWebEvalDone(h C.uintptr_t, id C.uintptr_t, json, msg *C.char) {
	v := view(h)
	done, ok := v.evals[uintptr(id)]
	if !ok {
		return
	}
	delete(v.evals, uintptr(id))
	if msg != nil {
		done("", fmt.Errorf("web: script: %s", C.GoString(msg)))
		return
	}
	done(C.GoString(json), nil)
}
