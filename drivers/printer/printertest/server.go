// Package printertest is a fake IPP printer built on goipp, for what a real
// one (ippeveprinter) cannot be made to do on demand: run out of paper,
// jam, go offline, refuse jobs, answer with garbage or cut short, stall.
// The ui's tests can point the real driver at it too.
package printertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/OpenPrinting/goipp"
)

// Answer is how the fake answers a request.
type Answer int

const (
	Normal    Answer = iota
	Stall            // never answers, until the client gives up
	Truncated        // the answer stops half-way
	Garbage          // 200 OK with bytes that are not IPP
	HTTPError        // 500 Internal Server Error
)

// IPP printer-state values.
const (
	Idle       = 3
	Processing = 4
	Stopped    = 5
)

// Server is a fake IPP printer on a loopback port.
type Server struct {
	srv       *httptest.Server
	quit      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	state     int
	reasons   []string
	formats   []string
	accepting bool
	answer    Answer
	answerOps []goipp.Op // the operations answer applies to; nil: all
	jobPolls  int        // Get-Job-Attributes answers before a job ends
	jobEnd    int        // the state it ends in
	pages     int        // impressions a completed job reports
	jobs      map[int]*job
	nextID    int
	docs      [][]byte
	ops       []goipp.Op
}

type job struct {
	state, polls, pages int
	reasons             []string
}

// NewServer starts an idle printer taking PDF and PWG raster, whose jobs
// complete at the second question about them. Close it after use.
func NewServer() *Server {
	s := &Server{quit: make(chan struct{}), state: Idle, accepting: true,
		formats: []string{"application/pdf", "image/pwg-raster"}, jobPolls: 2, jobEnd: 9, pages: 1,
		jobs: map[int]*job{}, nextID: 1}
	s.srv = httptest.NewServer(s)
	return s
}

// URI is the printer's ipp:// address.
func (s *Server) URI() string {
	return "ipp://" + strings.TrimPrefix(s.srv.URL, "http://") + "/ipp/print"
}

// Close stops the server, releasing stalled requests. It may be called
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.srv.Close()
	})
}

// SetState sets printer-state (Idle, Processing, Stopped) and the
// printer-state-reasons, such as "media-empty-error". While the printer is
// Stopped, its jobs stand still in processing-stopped.
func (s *Server) SetState(state int, reasons ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state, s.reasons = state, reasons
}

// SetFormats sets document-format-supported.
func (s *Server) SetFormats(formats ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.formats = formats
}

// SetAccepting sets printer-is-accepting-jobs.
func (s *Server) SetAccepting(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepting = on
}

// SetAnswer makes requests for ops (all, when none is given) go as a says.
func (s *Server) SetAnswer(a Answer, ops ...goipp.Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer, s.answerOps = a, ops
}

// SetJobs says how jobs go: they end after polls questions about them (0:
// never by themselves), in state end (9 completed, 8 aborted, 7 canceled),
// having printed pages.
func (s *Server) SetJobs(polls, end, pages int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobPolls, s.jobEnd, s.pages = polls, end, pages
}

// Documents returns the documents received, in order.
func (s *Server) Documents() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.docs...)
}

// JobState is the state of job id, 0 if there is none.
func (s *Server) JobState(id int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[id]; ok {
		return j.state
	}
	return 0
}

// Ops returns the operations received, in order.
func (s *Server) Ops() []goipp.Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]goipp.Op(nil), s.ops...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req goipp.Message
	if err := req.Decode(r.Body); err != nil {
		http.Error(w, "not IPP", http.StatusBadRequest)
		return
	}
	op := goipp.Op(req.Code)
	s.mu.Lock()
	s.ops = append(s.ops, op)
	answer := s.answer
	if s.answerOps != nil && !slices.Contains(s.answerOps, op) {
		answer = Normal
	}
	s.mu.Unlock()
	switch answer {
	case Stall:
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
		return
	case HTTPError:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case Garbage:
		w.Header().Set("Content-Type", goipp.ContentType)
		w.Write([]byte("<html><body>Printer web page</body></html>"))
		return
	}
	data, err := s.respond(&req, op, r.Body).EncodeBytes()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", goipp.ContentType)
	if answer == Truncated {
		// A Content-Length the body never reaches: the client sees the
		// connection close half-way.
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:len(data)/2])
		return
	}
	w.Write(data)
}

// respond builds the answer to req.
func (s *Server) respond(req *goipp.Message, op goipp.Op, doc io.Reader) *goipp.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := func(st goipp.Status, msg string) *goipp.Message {
		m := goipp.NewResponse(req.Version, st, req.RequestID)
		m.Operation.Add(goipp.MakeAttr("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
		m.Operation.Add(goipp.MakeAttr("attributes-natural-language", goipp.TagLanguage, goipp.String("en")))
		if msg != "" {
			m.Operation.Add(goipp.MakeAttr("status-message", goipp.TagText, goipp.String(msg)))
		}
		return m
	}
	switch op {
	case goipp.OpGetPrinterAttributes:
		m := resp(goipp.StatusOk, "")
		s.printerAttrs(&m.Printer)
		return m
	case goipp.OpValidateJob, goipp.OpPrintJob:
		format := text(req.Operation, "document-format")
		switch {
		case !s.accepting:
			return resp(goipp.StatusErrorNotAcceptingJobs, "not accepting jobs")
		case !slices.Contains(s.formats, format):
			return resp(goipp.StatusErrorDocumentFormatNotSupported, "unsupported format "+format)
		case op == goipp.OpValidateJob:
			return resp(goipp.StatusOk, "")
		}
		data, _ := io.ReadAll(doc)
		s.docs = append(s.docs, data)
		id := s.nextID
		s.nextID++
		j := &job{state: 5}
		if s.state == Stopped {
			j.state, j.reasons = 6, []string{"printer-stopped"}
		}
		s.jobs[id] = j
		m := resp(goipp.StatusOk, "")
		s.jobAttrs(&m.Job, id, j)
		return m
	case goipp.OpGetJobAttributes:
		id := integer(req.Operation, "job-id")
		j, ok := s.jobs[id]
		if !ok {
			return resp(goipp.StatusErrorNotFound, "no such job")
		}
		if j.state < 7 {
			if s.state == Stopped {
				j.state, j.reasons = 6, []string{"printer-stopped"}
			} else {
				j.state, j.reasons = 5, []string{"job-printing"}
				j.polls++
				if s.jobPolls > 0 && j.polls >= s.jobPolls {
					j.state, j.reasons = s.jobEnd, []string{"job-completed-successfully"}
					if s.jobEnd == 9 {
						j.pages = s.pages
					} else {
						j.reasons = []string{"aborted-by-system"}
					}
				}
			}
		}
		m := resp(goipp.StatusOk, "")
		s.jobAttrs(&m.Job, id, j)
		return m
	case goipp.OpCancelJob:
		j, ok := s.jobs[integer(req.Operation, "job-id")]
		switch {
		case !ok:
			return resp(goipp.StatusErrorNotFound, "no such job")
		case j.state >= 7:
			return resp(goipp.StatusErrorNotPossible, "job already ended")
		}
		j.state, j.reasons = 7, []string{"job-canceled-by-user"}
		return resp(goipp.StatusOk, "")
	}
	return resp(goipp.StatusErrorOperationNotSupported, "")
}

func (s *Server) printerAttrs(a *goipp.Attributes) {
	reasons := s.reasons
	if len(reasons) == 0 {
		reasons = []string{"none"}
	}
	a.Add(goipp.MakeAttr("printer-make-and-model", goipp.TagText, goipp.String("Borne test printer")))
	a.Add(goipp.MakeAttr("printer-state", goipp.TagEnum, goipp.Integer(s.state)))
	a.Add(keywords("printer-state-reasons", reasons))
	a.Add(goipp.MakeAttr("printer-is-accepting-jobs", goipp.TagBoolean, goipp.Boolean(s.accepting)))
	a.Add(mimeTypes("document-format-supported", s.formats))
	a.Add(keywords("media-supported", []string{"iso_a4_210x297mm", "na_letter_8.5x11in"}))
	a.Add(keywords("media-ready", []string{"iso_a4_210x297mm"}))
	a.Add(goipp.MakeAttr("media-default", goipp.TagKeyword, goipp.String("iso_a4_210x297mm")))
	a.Add(goipp.MakeAttr("marker-names", goipp.TagName, goipp.String("Black toner")))
	a.Add(goipp.MakeAttr("marker-types", goipp.TagKeyword, goipp.String("toner")))
	a.Add(goipp.MakeAttr("marker-levels", goipp.TagInteger, goipp.Integer(40)))
	a.Add(goipp.MakeAttr("pwg-raster-document-resolution-supported", goipp.TagResolution,
		goipp.Resolution{Xres: 300, Yres: 300, Units: goipp.UnitsDpi}))
	a.Add(keywords("pwg-raster-document-type-supported", []string{"sgray_8"}))
	// What it answers, so that a CUPS queue in front of it follows its
	// jobs (and relays its state) instead of taking a job as done once sent.
	ops := goipp.Attribute{Name: "operations-supported"}
	for _, op := range []goipp.Op{goipp.OpPrintJob, goipp.OpValidateJob, goipp.OpCancelJob, goipp.OpGetJobAttributes, goipp.OpGetPrinterAttributes} {
		ops.Values.Add(goipp.TagEnum, goipp.Integer(op))
	}
	a.Add(ops)
}

func (s *Server) jobAttrs(a *goipp.Attributes, id int, j *job) {
	reasons := j.reasons
	if len(reasons) == 0 {
		reasons = []string{"none"}
	}
	a.Add(goipp.MakeAttr("job-id", goipp.TagInteger, goipp.Integer(id)))
	a.Add(goipp.MakeAttr("job-uri", goipp.TagURI, goipp.String(fmt.Sprintf("%s/%d", s.URI(), id))))
	a.Add(goipp.MakeAttr("job-state", goipp.TagEnum, goipp.Integer(j.state)))
	a.Add(keywords("job-state-reasons", reasons))
	a.Add(goipp.MakeAttr("job-impressions-completed", goipp.TagInteger, goipp.Integer(j.pages)))
}

func keywords(name string, kws []string) goipp.Attribute {
	return values(name, goipp.TagKeyword, kws)
}

func mimeTypes(name string, types []string) goipp.Attribute {
	return values(name, goipp.TagMimeType, types)
}

func values(name string, tag goipp.Tag, vs []string) goipp.Attribute {
	a := goipp.Attribute{Name: name}
	for _, v := range vs {
		a.Values.Add(tag, goipp.String(v))
	}
	return a
}

func text(attrs goipp.Attributes, name string) string {
	for _, a := range attrs {
		if a.Name == name && len(a.Values) > 0 {
			return a.Values[0].V.String()
		}
	}
	return ""
}

func integer(attrs goipp.Attributes, name string) int {
	for _, a := range attrs {
		if a.Name == name && len(a.Values) > 0 {
			if i, ok := a.Values[0].V.(goipp.Integer); ok {
				return int(i)
			}
		}
	}
	return 0
}
