package usage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes this test binary as a writer: with crashDBEnv
// set, TestMain runs crashWriter instead of the tests.
const (
	crashDBEnv   = "BORNE_USAGE_CRASH_DB"
	crashBaseEnv = "BORNE_USAGE_CRASH_BASE"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashDBEnv); path != "" {
		os.Exit(crashWriter(path, os.Getenv(crashBaseEnv)))
	}
	os.Exit(m.Run())
}

// crashWriter appends numbered events in transactions of varying sizes and
// prints each number only after its transaction has committed, until killed.
func crashWriter(path, base string) int {
	seq, err := strconv.Atoi(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash writer: base:", err)
		return 2
	}
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash writer:", err)
		return 1
	}
	fmt.Println("ready")
	// The parent kills us long before; the limit only guards against an orphan.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		evs := make([]Event, 1+rand.IntN(64))
		var out strings.Builder
		for i := range evs {
			evs[i] = Event{At: time.Now(), Session: uint32(seq), Kind: HelpPressed, Screen: "s-" + strconv.Itoa(seq)}
			fmt.Fprintf(&out, "%d\n", seq)
			seq++
		}
		if err := s.Append(context.Background(), "crash", time.UTC, evs...); err != nil {
			fmt.Fprintln(os.Stderr, "crash writer:", err)
			return 1
		}
		// One write below PIPE_BUF: the parent never sees half a batch's line.
		os.Stdout.WriteString(out.String())
	}
	return 0
}

func TestCrashLosesNoCommittedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("kills writer processes for a few seconds")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "usage.db")
	reported := map[int]bool{}
	const runs = 30
	start := time.Now()
	for run := range runs {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashBaseEnv+"="+strconv.Itoa(run*10_000_000))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(stdout)
		if line, err := r.ReadString('\n'); line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("run %d: writer did not start: %q, %v; stderr: %s", run, line, err, stderr.String())
		}
		// Kill at a random moment of the writing, mid-transaction or not.
		kill := time.AfterFunc(10*time.Millisecond+rand.N(140*time.Millisecond), func() { cmd.Process.Signal(syscall.SIGKILL) })
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				break // EOF after the kill; a line without '\n' was never whole
			}
			n, err := strconv.Atoi(strings.TrimSuffix(line, "\n"))
			if err != nil {
				t.Fatalf("run %d: writer printed %q", run, line)
			}
			reported[n] = true
		}
		kill.Stop()
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: writer ended with %v, not killed; stderr: %s", run, err, stderr.String())
		}
	}
	t.Logf("%d runs, %d committed events reported, %v", runs, len(reported), time.Since(start))
	if len(reported) == 0 {
		t.Fatal("no writer committed anything before being killed: the test proves nothing")
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	var check []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		check = append(check, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(check) != 1 || check[0] != "ok" {
		t.Fatalf("integrity_check: %q", check)
	}

	stored := map[int]bool{}
	srows, err := s.db.Query("SELECT screen FROM events")
	if err != nil {
		t.Fatal(err)
	}
	defer srows.Close()
	for srows.Next() {
		var screen string
		if err := srows.Scan(&screen); err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(screen, "s-"))
		if err != nil {
			t.Fatalf("stored screen %q", screen)
		}
		stored[n] = true
	}
	if err := srows.Err(); err != nil {
		t.Fatal(err)
	}
	var lost []int
	for n := range reported {
		if !stored[n] {
			lost = append(lost, n)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d committed events lost, e.g. %v", len(lost), lost[:min(len(lost), 10)])
	}
	// Committed but killed before printing: stored and unreported is fine.
	t.Logf("%d events stored", len(stored))
}
