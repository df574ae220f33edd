// Package printer drives the A4 printer over IPP: a CUPS queue
// (ipp://localhost:631/printers/NAME) or an IPP Everywhere printer addressed
// directly (ipp://HOST/ipp/print).
//
// It asks the printer how it is (Get-Printer-Attributes: formats, media,
// state and state reasons, supply levels), checks a job (Validate-Job),
// sends a PDF (Print-Job; printers without PDF get PWG raster made with
// Ghostscript), follows it to its end (Get-Job-Attributes) and cancels it
// (Cancel-Job). Every request has a time limit: a printer that stalls, or
// answers with garbage, gives an *Error with a Code, never a hang.
//
// printer-state-reasons become a Code the ui turns into plain words for
// residents (media-empty, media-jam…) and a precise French text for staff.
// A resident's page quota, and the jobs cancelled when their visit ends,
// are the visit's (kiosk/visit).
package printer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/OpenPrinting/goipp"
)

// Printer is what a visit needs of a printer: *Client implements it.
type Printer interface {
	Status(ctx context.Context) (State, error)
	Print(ctx context.Context, pdf string, opt PrintOptions) (*Job, error)
	Wait(ctx context.Context, job *Job, progress func(JobStatus)) (JobStatus, error)
	Cancel(ctx context.Context, job *Job) error
}

// Error is a failure with a Code the ui can explain.
type Error struct {
	Code   Code
	Op     string       // the IPP operation, e.g. "Print-Job"
	Status goipp.Status // the printer's IPP status, when it answered with one
	Err    error        // the cause, for the logs
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("printer: ")
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(string(e.Code))
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf is the Code of an error from this package, Failure for others.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failure
}

// Options configures a Client.
type Options struct {
	// Timeout bounds each request; default 10 s. Print-Job gets more
	// time to upload the document, at 100 kB/s at least.
	Timeout time.Duration
	// PollEvery is how often Wait asks about a job; default 500 ms.
	PollEvery time.Duration
	// User is the requesting-user-name; default "borne". Never a
	// resident's name.
	User string
	// Rasterizer makes PWG raster for printers that take no PDF; default
	// Ghostscript.
	Rasterizer Rasterizer
	Log        *slog.Logger
}

// Client talks IPP to one printer. Safe for concurrent use.
type Client struct {
	uri     string // the printer-uri, as configured
	url     string // where requests are posted
	http    *http.Client
	opt     Options
	version atomic.Uint32 // IPP version in use: 2.0, or 1.1 for printers that refuse 2.0
	reqID   atomic.Uint32
}

// maxResponse bounds an IPP response: attributes are a few kilobytes, so
// more is an error or an attack.
const maxResponse = 1 << 20

// Open returns a client for the printer at uri (ipp://, ipps://, http://
// or https://). Nothing is sent yet.
func Open(uri string, opt Options) (*Client, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("printer: %q is not a printer address (write e.g. ipp://localhost:631/printers/A4)", uri)
	}
	switch u.Scheme {
	case "ipp", "http":
		u.Scheme = "http"
	case "ipps", "https":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("printer: %q: the address must start with ipp:// or ipps://", uri)
	}
	if u.Port() == "" && (strings.HasPrefix(uri, "ipp") || strings.HasPrefix(uri, "IPP")) {
		u.Host = net.JoinHostPort(u.Hostname(), "631")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.PollEvery <= 0 {
		opt.PollEvery = 500 * time.Millisecond
	}
	if opt.User == "" {
		opt.User = "borne"
	}
	if opt.Rasterizer == nil {
		opt.Rasterizer = Ghostscript
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	// Its own transport: no proxy (the printer is on the lobby's network),
	// bounded dials, few idle connections.
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	c := &Client{uri: uri, url: u.String(), http: &http.Client{Transport: transport}, opt: opt}
	c.version.Store(uint32(goipp.DefaultVersion))
	return c, nil
}

// URI is the printer's address.
func (c *Client) URI() string { return c.uri }

// request is one IPP request to send.
type request struct {
	op      goipp.Op
	attrs   []goipp.Attribute // operation attributes after the four every request has
	job     []goipp.Attribute // job template attributes
	doc     io.Reader         // the document, for Print-Job
	docSize int64
}

// do sends r and returns the printer's answer, an *Error when there is no
// usable answer or the printer refused.
func (c *Client) do(ctx context.Context, r request) (*goipp.Message, error) {
	name := r.op.String()
	msg, err := c.exchange(ctx, r)
	if err == nil && goipp.Status(msg.Code) == goipp.StatusErrorVersionNotSupported && c.version.Load() != 0x0101 {
		c.version.Store(0x0101) // an old printer: speak IPP 1.1 from now on
		msg, err = c.exchange(ctx, r)
	}
	if err != nil {
		return nil, &Error{Code: transportCode(ctx, err), Op: name, Err: err}
	}
	if st := goipp.Status(msg.Code); st >= 0x0400 {
		return msg, &Error{Code: statusCode(st), Op: name, Status: st, Err: fmt.Errorf("%s%s", st, quoted(attrText(msg.Operation, "status-message")))}
	}
	return msg, nil
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", s)
}

func (c *Client) exchange(ctx context.Context, r request) (*goipp.Message, error) {
	req := goipp.NewRequest(goipp.Version(c.version.Load()), r.op, c.reqID.Add(1))
	req.Operation.Add(goipp.MakeAttr("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	req.Operation.Add(goipp.MakeAttr("attributes-natural-language", goipp.TagLanguage, goipp.String("fr")))
	req.Operation.Add(goipp.MakeAttr("printer-uri", goipp.TagURI, goipp.String(c.uri)))
	req.Operation.Add(goipp.MakeAttr("requesting-user-name", goipp.TagName, goipp.String(c.opt.User)))
	for _, a := range r.attrs {
		req.Operation.Add(a)
	}
	for _, a := range r.job {
		req.Job.Add(a)
	}
	head, err := req.EncodeBytes()
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	timeout := c.opt.Timeout + time.Duration(r.docSize/100_000)*time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader = bytes.NewReader(head)
	if r.doc != nil {
		body = io.MultiReader(body, r.doc)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, body)
	if err != nil {
		return nil, err
	}
	hreq.ContentLength = int64(len(head)) + r.docSize // printers that refuse chunked uploads exist
	hreq.Header.Set("Content-Type", goipp.ContentType)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &httpError{resp.StatusCode}
	}
	msg, err := decodeAnswer(resp.Body)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err() // the answer stalled half-way
	}
	return msg, err
}

// decodeAnswer reads an IPP answer; anything else is malformed.
func decodeAnswer(r io.Reader) (*goipp.Message, error) {
	var msg goipp.Message
	if err := msg.DecodeEx(io.LimitReader(r, maxResponse), goipp.DecoderOptions{EnableWorkarounds: true}); err != nil {
		return nil, &malformed{err}
	}
	return &msg, nil
}

// httpError is an HTTP answer other than 200.
type httpError struct{ status int }

func (e *httpError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
}

// malformed is an answer that is not IPP, or is cut short.
type malformed struct{ err error }

func (e *malformed) Error() string { return "malformed answer: " + e.err.Error() }
func (e *malformed) Unwrap() error { return e.err }

// transportCode classifies a failure to get an answer.
func transportCode(ctx context.Context, err error) Code {
	var he *httpError
	var me *malformed
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return Canceled // the caller gave up: not the printer's fault
	case errors.As(err, &he):
		if he.status == http.StatusUnauthorized || he.status == http.StatusForbidden {
			return Refused
		}
		return Protocol
	case errors.As(err, &me):
		return Protocol
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return Timeout
	}
	return Unreachable
}

// statusCode classifies an IPP error status.
func statusCode(st goipp.Status) Code {
	switch st {
	case goipp.StatusErrorDocumentFormatNotSupported, goipp.StatusErrorDocumentFormatError,
		goipp.StatusErrorDocumentUnprintable, goipp.StatusErrorDocumentPassword,
		goipp.StatusErrorDocumentPermission, goipp.StatusErrorDocumentSecurity:
		return Unprintable
	case goipp.StatusErrorNotAcceptingJobs, goipp.StatusErrorPrinterIsDeactivated:
		return NotAccepting
	case goipp.StatusErrorBusy, goipp.StatusErrorTemporary, goipp.StatusErrorServiceUnavailable, goipp.StatusErrorTooManyJobs:
		return Busy
	case goipp.StatusErrorNotFound, goipp.StatusErrorGone:
		return NotFound
	case goipp.StatusErrorDevice:
		return Offline
	}
	return Refused
}
