package web

// #cgo pkg-config: webkit2gtk-4.1
// #include "guard.h"
import "C"

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// ReleaseWithin bounds the wait for an ended view's context to be
// finalized and its WebKit processes to exit; exitGrace is how long they get
// to exit by themselves once the context is gone. WebKit keeps an idle
// network process around for reuse: past the grace it is killed.
const (
	ReleaseWithin = 3 * time.Second
	exitGrace     = 250 * time.Millisecond
)

// Release is what Destroy did to end the view's processes.
type Release struct {
	Took   time.Duration
	Killed []int // helpers that had not exited by themselves, killed
}

// release ends the view's web process, drops the last reference to the view
// (so its ephemeral context goes with it, now rather than when Go's
// collector finalizes the wrapper) and waits until every WebKit helper
// started for it has exited, killing those that linger.
func (v *View) release() Release {
	start := time.Now()
	flag := C.borne_web_release(v.native)
	defer func() {
		if *flag != 0 { // else the context, finalized later, still writes to it
			C.g_free(C.gpointer(unsafe.Pointer(flag)))
		}
	}()
	runtime.SetFinalizer(v.widget.Object, nil)
	v.widget.Object.Unref()
	v.widget = nil

	// With another view alive, its helpers cannot be told from this one's:
	// only this view's context is waited for.
	mine := func() []int {
		if len(views) > 0 {
			return nil
		}
		var pids []int
		for _, p := range Helpers() {
			if !v.before[p] {
				pids = append(pids, p)
			}
		}
		return pids
	}
	deadline := start.Add(ReleaseWithin)
	var finalized time.Time
	var r Release
	for time.Now().Before(deadline) {
		left := mine()
		if *flag != 0 && finalized.IsZero() {
			finalized = time.Now()
		}
		if *flag != 0 && len(left) == 0 {
			break
		}
		if !finalized.IsZero() && time.Since(finalized) > exitGrace {
			for _, p := range left {
				if started(p) && !slices.Contains(r.Killed, p) {
					r.Killed = append(r.Killed, p)
					_ = syscall.Kill(p, syscall.SIGKILL)
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	// The context outlived the bound: its processes do not. One still
	// starting gets another bound to send its pid, as killing it sooner
	// aborts the kiosk.
	late := time.Now().Add(ReleaseWithin)
	for left := mine(); len(left) > 0; left = mine() {
		waiting := false
		for _, p := range left {
			if !started(p) && time.Now().Before(late) {
				waiting = true
				continue
			}
			if !slices.Contains(r.Killed, p) {
				r.Killed = append(r.Killed, p)
			}
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		if !waiting {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.Took = time.Since(start)
	return r
}

// started tells whether a helper is past its first steps: WebKit reads a
// new helper's pid from the helper itself, on the main loop, and aborts the
// whole kiosk ("readPIDFromPeer: Unexpected short read") when the helper
// dies before sending it, which a slow start under load made likely within
// exitGrace. A helper sends its pid before it starts any thread of its own,
// so one with a second thread is safe to kill.
func started(pid int) bool {
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return true // gone already
	}
	for line := range strings.Lines(string(status)) {
		if n, ok := strings.CutPrefix(line, "Threads:"); ok {
			threads, _ := strconv.Atoi(strings.TrimSpace(n))
			return threads > 1
		}
	}
	return true
}

// Helpers lists the live WebKit helper processes (web, network, GPU)
// started by this process or its children.
func Helpers() []int {
	var pids []int
	for _, pid := range Descendants(os.Getpid()) {
		cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmd, []byte{0})
		if strings.HasPrefix(filepath.Base(string(argv0)), "WebKit") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Descendants lists the live processes below root. Zombies, which hold no
// memory, are not counted.
func Descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		parent[pid], _ = strconv.Atoi(f[1])
	}
	var pids []int
	for pid := range parent {
		for p, n := parent[pid], 0; n < 64 && p > 1; p, n = parent[p], n+1 {
			if p == root {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
