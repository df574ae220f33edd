package downloads

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"syscall"
	"time"
)

// Bounds of one inspection: a PDF is outside bytes, and pdfcpu can spend
// minutes and gigabytes on a hostile one (a page tree a million levels deep).
const (
	InspectTimeout = 15 * time.Second
	InspectMemory  = 768 << 20 // address space the checker may add to what it starts with
)

// ErrUncheckable says a file could not be checked within the bounds: it is
// refused like a file that is not a PDF.
var ErrUncheckable = errors.New("downloads: the document could not be checked within the time and memory allowed")

// checkerEnv makes this program, started again, the checker of one file.
const checkerEnv = "BORNE_DOWNLOADS_CHECK"

// The checker is this same executable (the kiosk, or a test binary) run
// again: a process of its own is the only bound on memory that holds, and
// the only way to stop pdfcpu mid-parse.
func init() {
	if path, ok := os.LookupEnv(checkerEnv); ok {
		os.Exit(runChecker(path))
	}
}

type verdict struct {
	Pages  int    `json:"pages,omitempty"`
	NotPDF string `json:"not_pdf,omitempty"`
}

func runChecker(path string) int {
	limitChecker()
	info, err := inspect(path)
	var v verdict
	switch {
	case errors.Is(err, ErrNotPDF):
		v.NotPDF = err.Error()
		if len(v.NotPDF) > 300 { // pdfcpu can name every level of a deep tree
			v.NotPDF = v.NotPDF[:300] + "…"
		}
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	default:
		v.Pages = info.Pages
	}
	_ = json.NewEncoder(os.Stdout).Encode(v)
	return 0
}

// limitChecker caps the checker's memory: past InspectMemory more than it
// started with, allocations fail and it dies.
func limitChecker() {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil {
		if size := addressSpace(); size > 0 {
			rl.Cur = min(rl.Max, size+InspectMemory)
			_ = syscall.Setrlimit(syscall.RLIMIT_AS, &rl)
		}
	}
	debug.SetMemoryLimit(InspectMemory / 2) // the collector works hard before the hard limit is hit
}

// addressSpace is this process's virtual size in bytes (0: unknown).
func addressSpace() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(status, []byte("VmSize:"))
	if !ok {
		return 0
	}
	var kb uint64
	if _, err := fmt.Sscan(string(rest), &kb); err != nil {
		return 0
	}
	return kb << 10
}

// check runs inspect in a child process bounded by InspectTimeout and
// InspectMemory.
func check(ctx context.Context, path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("downloads: %w", err)
	}
	if st.Size() > MaxBytes {
		return Info{}, fmt.Errorf("%w: %d bytes, over %d", ErrTooBig, st.Size(), MaxBytes)
	}
	exe, err := os.Executable()
	if err != nil {
		return Info{}, fmt.Errorf("downloads: checker: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, InspectTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), checkerEnv+"="+path)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tail := errOut.Bytes()
		if len(tail) > 300 {
			tail = tail[len(tail)-300:]
		}
		return Info{}, fmt.Errorf("%w (%v after %v): %s", ErrUncheckable, err, time.Since(start).Round(time.Millisecond), bytes.TrimSpace(tail))
	}
	var v verdict
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		return Info{}, fmt.Errorf("%w: checker answered %q", ErrUncheckable, out.Bytes())
	}
	if v.NotPDF != "" {
		return Info{}, fmt.Errorf("%w (%s)", ErrNotPDF, v.NotPDF)
	}
	return Info{Name: st.Name(), Bytes: st.Size(), Pages: v.Pages}, nil
}
