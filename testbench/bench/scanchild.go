package bench

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"borne/drivers/scanner"
)

// scanChildEnv carries a child's request (JSON) from childScanner to
// ServeScanChild.
const scanChildEnv = "BORNE_BENCH_SCAN_CHILD"

// childGrace is how much earlier than the parent's deadline a child ends
// its own work: a child still running at the deadline is stuck in libsane,
// and is killed.
const childGrace = 5 * time.Second

// childRequest is what a child does: read a scanner's options back, or scan.
type childRequest struct {
	Device   string
	Settings bool
	Opt      scanner.Options
	Timeout  time.Duration
}

// childAnswer is what the child sends back on its file descriptor 3.
type childAnswer struct {
	Settings []scanner.Setting
	Pages    []childPage
	// Code is scanner.Describe's code of the child's error, Err its text;
	// both empty when it succeeded.
	Code, Err string
}

type childPage struct {
	PNG []byte
	DPI int
}

// ServeScanChild makes a process the bench started as a scan child (see
// childScanner) do what it was asked, send the answer back and exit; in any
// other process it returns at once. A binary that runs the scanner suite on
// the simulated lobby calls it first in main (a test binary, in TestMain).
func ServeScanChild() {
	spec, ok := os.LookupEnv(scanChildEnv)
	if !ok {
		return
	}
	// The test backend's reader thread may write to the pipe its cancel
	// closed: ignored, SIGPIPE fails that write instead of killing the
	// child before it answers.
	signal.Ignore(syscall.SIGPIPE)
	status := 0
	if err := gob.NewEncoder(os.NewFile(3, "answer")).Encode(serveChild(spec)); err != nil {
		fmt.Fprintf(os.Stderr, "bench: scan child: answer: %v\n", err)
		status = 1
	}
	// Exit with the scanner open, as closing could wait for ever on the
	// test backend's cancel; and through syscall.Exit, as os.Exit in a
	// race-detector build first finalises the race runtime, which can
	// wait for ever on a lock the backend's dying thread held.
	syscall.Exit(status)
}

func serveChild(spec string) childAnswer {
	var req childRequest
	if err := json.Unmarshal([]byte(spec), &req); err != nil {
		return failed(fmt.Errorf("bench: scan child: request: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), req.Timeout)
	defer cancel()
	d, err := scanner.Open(ctx, req.Device)
	if err != nil {
		return failed(err)
	}
	if req.Settings {
		list, err := scanner.Settings(ctx, d)
		if err != nil {
			return failed(err)
		}
		return childAnswer{Settings: list}
	}
	pages, err := d.Scan(ctx, req.Opt, nil)
	var a childAnswer
	for i, p := range pages {
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, p.Image); err != nil {
			return failed(fmt.Errorf("bench: scan child: page %d: %w", i+1, err))
		}
		a.Pages = append(a.Pages, childPage{PNG: buf.Bytes(), DPI: p.DPI})
	}
	if err != nil {
		a.Code, a.Err = scanner.Describe(err).Code, err.Error()
	}
	return a
}

func failed(err error) childAnswer {
	return childAnswer{Code: scanner.Describe(err).Code, Err: err.Error()}
}

// childScanner is a scanner.Device whose every operation runs in a child
// process, a re-run of this binary (see ServeScanChild). It is how the
// simulated lobby drives SANE's test backend, whose reader thread now and
// then dies holding a lock or raises SIGPIPE when a scan ends early: that
// hangs or kills the process it runs in, here the child, which the parent
// kills at the deadline and reports as a timeout.
type childScanner struct {
	name string
	env  []string // SANE's, for the child's libsane
	log  *slog.Logger
}

// Scan scans in a child. progress is never called: the pages come back
// at the end.
func (c *childScanner) Scan(ctx context.Context, opt scanner.Options, _ func(done, total int64)) ([]scanner.Page, error) {
	a, err := c.ask(ctx, childRequest{Device: c.name, Opt: opt})
	if err != nil {
		return nil, err
	}
	pages := make([]scanner.Page, 0, len(a.Pages))
	for i, p := range a.Pages {
		img, err := png.Decode(bytes.NewReader(p.PNG))
		if err != nil {
			return pages, fmt.Errorf("bench: scan child for %s: page %d: %w", c.name, i+1, err)
		}
		pages = append(pages, scanner.Page{Image: img, DPI: p.DPI})
	}
	return pages, a.err()
}

// Close has nothing to release: each child closes its scanner by exiting.
func (c *childScanner) Close() error { return nil }

// settings reads the scanner's options back in a child.
func (c *childScanner) settings(ctx context.Context) ([]scanner.Setting, error) {
	a, err := c.ask(ctx, childRequest{Device: c.name, Settings: true})
	if err != nil {
		return nil, err
	}
	return a.Settings, a.err()
}

// ask runs one child for req and reads its answer. The child's output goes
// to the log, not to the terminal the bench prints on.
func (c *childScanner) ask(ctx context.Context, req childRequest) (childAnswer, error) {
	if _, child := os.LookupEnv(scanChildEnv); child {
		// This binary ran on as a child: another child would do the same.
		return childAnswer{}, errors.New("bench: scan child: this binary does not serve scan children (bench.ServeScanChild is not called first in its main or TestMain)")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, scanTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	req.Timeout = time.Until(deadline) - childGrace
	spec, err := json.Marshal(req)
	if err != nil {
		return childAnswer{}, fmt.Errorf("bench: scan child for %s: request: %w", c.name, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return childAnswer{}, fmt.Errorf("bench: scan child for %s: %w", c.name, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return childAnswer{}, fmt.Errorf("bench: scan child for %s: answer pipe: %w", c.name, err)
	}
	defer r.Close()
	var out tail
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(append(os.Environ(), c.env...), scanChildEnv+"="+string(spec))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{w}
	cmd.WaitDelay = time.Second
	start := time.Now()
	err = cmd.Start()
	w.Close()
	if err != nil {
		return childAnswer{}, fmt.Errorf("bench: scan child for %s: %w", c.name, err)
	}
	type answer struct {
		a   childAnswer
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		var a childAnswer
		err := gob.NewDecoder(r).Decode(&a)
		answered <- answer{a, err}
	}()
	waitErr := cmd.Wait()
	var got answer
	select {
	case got = <-answered:
	case <-time.After(time.Second): // something the child started holds the pipe open
		r.Close()
		got = <-answered
	}
	c.log.Debug("bench: scan child", "device", c.name, "settings", req.Settings, "took", time.Since(start).Round(time.Millisecond),
		"exit", waitErr, "code", got.a.Code, "output", out.String())
	switch {
	case got.err == nil:
		return got.a, nil
	case ctx.Err() != nil: // the deadline (a timeout), or the run was stopped
		return childAnswer{}, fmt.Errorf("bench: scan child for %s: no answer in %v, killed: %w", c.name, time.Since(start).Round(time.Millisecond), ctx.Err())
	}
	return childAnswer{}, fmt.Errorf("bench: scan child for %s: no answer (%v; its last words: %q): %w", c.name, waitErr, out.last(), got.err)
}

// err rebuilds the child's error, matching the driver's sentinel for its
// code, so that errors.Is and scanner.Describe work on it as in the child.
func (a childAnswer) err() error {
	if a.Code == "" {
		return nil
	}
	e := &childError{msg: a.Err}
	for _, s := range scanSentinels {
		if scanner.Describe(s).Code == a.Code {
			e.sentinel = s
		}
	}
	return e
}

// scanSentinels are the driver's errors, for childAnswer.err.
var scanSentinels = []error{scanner.ErrJammed, scanner.ErrNoDocuments, scanner.ErrCoverOpen, scanner.ErrBusy, scanner.ErrIO,
	scanner.ErrGone, scanner.ErrTimeout, scanner.ErrCancelled, scanner.ErrLocked, scanner.ErrNoMemory, scanner.ErrDenied,
	scanner.ErrUnsupported, scanner.ErrInvalid, scanner.ErrTooLarge, scanner.ErrBadFrame, scanner.ErrClosed}

// childError is an error a child reported: its text, and the sentinel it
// matched there (nil for an unknown error).
type childError struct {
	msg      string
	sentinel error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.sentinel }

// tail keeps the last 4 kB a child printed.
type tail struct{ buf []byte }

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }

// last is the last line printed.
func (t *tail) last() string {
	s := strings.TrimSpace(string(t.buf))
	return s[strings.LastIndexByte(s, '\n')+1:]
}
