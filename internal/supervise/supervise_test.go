package supervise_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	borne "borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"
	"borne/internal/supervise"
)

// logBuf is a log the test reads while services write it.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func quick(log *logBuf) supervise.Options {
	return supervise.Options{Log: slog.New(slog.NewTextHandler(log, nil)), MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond}, {10, 51200 * time.Millisecond}, {11, time.Minute}, {1000, time.Minute}} {
		if got := supervise.Backoff(c.n, 100*time.Millisecond, time.Minute); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// TestRestart: a service that fails, or panics, is logged under its name
// and run again; one that returns nil is not.
func TestRestart(t *testing.T) {
	boom := errors.New("port taken")
	for _, c := range []struct {
		name   string
		fail   func(run int) error // what run number run (from 1) does before the last
		runs   int                 // runs expected before it settles
		inLog  []string
		notLog []string
	}{
		{name: "error", fail: func(int) error { return boom }, runs: 3,
			inLog: []string{`service=metrics`, `err="port taken"`, `msg="supervise: service failed; restarting"`, "failures=2"}},
		{name: "panic", fail: func(int) error { panic("Jean Dupont, 12 rue des Lilas") }, runs: 2,
			inLog:  []string{`service=metrics`, "panic=string", "supervise_test.TestRestart"},
			notLog: []string{"Dupont", "Lilas"}},
		{name: "runtime panic", fail: func(int) error { var m map[string]int; m["x"]++; return nil }, runs: 2,
			inLog: []string{"assignment to entry in nil map", "supervise_test.go:"}},
		{name: "done", fail: nil, runs: 1, notLog: []string{"restarting"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log logBuf
			sup := supervise.New(t.Context(), quick(&log))
			settled := make(chan int, 1)
			run := 0
			sup.Go("metrics", func(ctx context.Context) error {
				run++
				if c.fail != nil && run < c.runs {
					return c.fail(run)
				}
				settled <- run
				if c.fail == nil {
					return nil
				}
				<-ctx.Done()
				return ctx.Err()
			})
			if got := <-settled; got != c.runs {
				t.Errorf("settled on run %d, want %d", got, c.runs)
			}
			if err := sup.Stop(); err != nil {
				t.Fatal(err)
			}
			out := log.String()
			for _, s := range c.inLog {
				if !strings.Contains(out, s) {
					t.Errorf("log lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.notLog {
				if strings.Contains(out, s) {
					t.Errorf("log has %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestStopWaits: Stop returns once every service has returned, and names
// those that overstay the bound.
func TestStopWaits(t *testing.T) {
	var log logBuf
	opt := quick(&log)
	opt.StopTimeout = 50 * time.Millisecond
	sup := supervise.New(context.Background(), opt)
	var mu sync.Mutex
	var returned []string
	started := make(chan struct{}, 3)
	for _, name := range []string{"a", "b"} {
		sup.Go(name, func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			mu.Lock()
			returned = append(returned, name)
			mu.Unlock()
			return ctx.Err()
		})
	}
	stuck := make(chan struct{})
	defer close(stuck)
	sup.Go("stuck", func(ctx context.Context) error { started <- struct{}{}; <-stuck; return nil })
	for range 3 {
		<-started
	}
	err := sup.Stop()
	if err == nil || !strings.Contains(err.Error(), "stuck") || strings.Contains(err.Error(), "a,") {
		t.Errorf("Stop = %v, want it to name only the stuck service", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(returned) != 2 {
		t.Errorf("returned before Stop's end: %v, want a and b", returned)
	}
	sup.Go("late", func(context.Context) error { t.Error("started after Stop"); return nil })
}

// TestGPIOInputRestarts: the help button's input fails to set up (as a GPIO
// line taken by another process does); the failure is logged under the
// service's name, and once the line is free again the button works.
func TestGPIOInputRestarts(t *testing.T) {
	board := gpiotest.NewBoard()
	board.HelpButton.FailIn(errors.New("line busy"))
	pressed := make(chan struct{}, 1)
	dev, err := borne.New(borne.Lines{HelpButton: board.HelpButton}, borne.Options{InputsActiveLow: true}, borne.Handlers{
		Help: func(on bool) {
			if on {
				select {
				case pressed <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var log logBuf
	sup := supervise.New(t.Context(), quick(&log))
	defer sup.Stop()
	failed := make(chan struct{})
	var once sync.Once
	sup.Go("gpio", func(ctx context.Context) error {
		err := dev.Serve(ctx)
		if err != nil && ctx.Err() == nil {
			once.Do(func() { close(failed) })
		}
		return err
	})
	<-failed
	board.HelpButton.FailIn(nil)
	// The button is pressed until the restarted input reports it.
	board.HelpButton.Set(gpio.Low)
	<-pressed
	if err := sup.Stop(); err != nil {
		t.Fatal(err)
	}
	if out := log.String(); !strings.Contains(out, "service=gpio") || !strings.Contains(out, "line busy") {
		t.Errorf("the failure is not logged under the service's name:\n%s", out)
	}
}

func ExampleSupervisor() {
	sup := supervise.New(context.Background(), supervise.Options{})
	sup.Go("metrics", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	fmt.Println(sup.Stop())
	// Output: <nil>
}
