package gpio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	borne "borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"
)

// changes collects an input's reports.
type changes chan bool

func (c changes) next(t *testing.T, want bool) {
	t.Helper()
	select {
	case got := <-c:
		if got != want {
			t.Fatalf("input reported %v; want %v", got, want)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("no report; want %v", want)
	}
}

func (c changes) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case got := <-c:
		t.Fatalf("input reported %v; want nothing", got)
	case <-time.After(within):
	}
}

func serve(t *testing.T, f func(context.Context) error) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestInputDebounce(t *testing.T) {
	for _, edges := range []bool{true, false} {
		name := "edges"
		if !edges {
			name = "sampled"
		}
		t.Run(name, func(t *testing.T) {
			pin := gpiotest.NewPin("HELP")
			pin.Set(gpio.High) // released, pulled up
			if !edges {
				pin.NoEdges()
			}
			c := make(changes, 10)
			in := borne.NewInput(pin, borne.InputOptions{ActiveLow: true, Debounce: 40 * time.Millisecond, OnChange: func(on bool) { c <- on }})
			serve(t, in.Serve)
			c.next(t, false) // the state at start

			pin.Bounce(2*time.Millisecond, gpio.Low, gpio.High, gpio.Low, gpio.High, gpio.Low) // a press, bouncing
			c.next(t, true)
			c.none(t, 150*time.Millisecond)
			if !in.On() {
				t.Error("On() false while pressed")
			}
			if pin.Pull() != gpio.PullUp {
				t.Errorf("pull %v; want the pull-up of an active-low input", pin.Pull())
			}
			pin.Set(gpio.High)
			c.next(t, false)

			pin.Bounce(2*time.Millisecond, gpio.Low, gpio.High) // a 2 ms glitch
			c.none(t, 150*time.Millisecond)
		})
	}
}

func TestInputFault(t *testing.T) {
	pin := gpiotest.NewPin("KEY")
	pin.FailIn(errors.New("line busy"))
	err := borne.NewInput(pin, borne.InputOptions{}).Serve(context.Background())
	if err == nil || !errors.Is(err, err) || err.Error() != "gpio: input KEY: line busy" {
		t.Errorf("Serve: %v", err)
	}
}

func TestBeacon(t *testing.T) {
	pin := gpiotest.NewPin("BEACON")
	b := borne.NewBeacon(pin)
	stop := serve(t, b.Serve)
	waitFor := func(what string, ok func([]gpio.Level) bool) {
		t.Helper()
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if ok(pin.Changes()) {
				return
			}
		}
		t.Fatalf("%s: pin wrote %v", what, pin.Changes())
	}
	b.Show(borne.Steady)
	waitFor("steady", func(ls []gpio.Level) bool { return len(ls) > 0 && ls[len(ls)-1] == gpio.High })
	n := len(pin.Changes())
	b.Show(borne.FastBlink)
	waitFor("fast blink", func(ls []gpio.Level) bool {
		ls = ls[n:]
		if len(ls) < 4 {
			return false
		}
		for i := 1; i < len(ls); i++ {
			if ls[i] == ls[i-1] {
				t.Fatalf("blink wrote the same level twice: %v", ls)
			}
		}
		return true
	})
	b.Show(borne.Off)
	waitFor("off", func(ls []gpio.Level) bool { return ls[len(ls)-1] == gpio.Low })
	b.Show(borne.Steady)
	waitFor("steady again", func(ls []gpio.Level) bool { return ls[len(ls)-1] == gpio.High })
	if err := stop(); err != context.Canceled {
		t.Errorf("Serve returned %v", err)
	}
	if pin.Level() != gpio.Low {
		t.Error("beacon left lit after Serve")
	}

	broken := gpiotest.NewPin("BEACON")
	broken.FailOut(errors.New("gone"))
	if err := borne.NewBeacon(broken).Serve(context.Background()); err == nil {
		t.Error("Serve on a broken pin: no error")
	}
}

func TestRelay(t *testing.T) {
	for _, activeLow := range []bool{false, true} {
		pin := gpiotest.NewPin("RELAY")
		r, err := borne.NewRelay(pin, activeLow, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		powered, cut := gpio.Level(activeLow), gpio.Level(!activeLow)
		done := make(chan error)
		go func() { done <- r.PowerCycle(context.Background()) }()
		time.Sleep(10 * time.Millisecond)
		if err := r.PowerCycle(context.Background()); !errors.Is(err, borne.ErrCycling) {
			t.Errorf("second cycle meanwhile: %v; want ErrCycling", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got, want := pin.Changes(), []gpio.Level{powered, cut, powered}; !slices.Equal(got, want) {
			t.Errorf("active low %v: pin wrote %v; want %v", activeLow, got, want)
		}

		// Cancelled mid-way, the power still comes back.
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		if err := r.PowerCycle(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled cycle: %v", err)
		}
		if pin.Level() != powered {
			t.Error("power left cut after a cancelled cycle")
		}
	}
	pin := gpiotest.NewPin("RELAY")
	pin.FailOut(errors.New("gone"))
	if _, err := borne.NewRelay(pin, false, 0); err == nil {
		t.Error("NewRelay on a broken pin: no error")
	}
}

func TestOpen(t *testing.T) {
	_, err := borne.Open(borne.Pins{HelpButton: "NO_SUCH_PIN"}, borne.Options{}, borne.Handlers{})
	if err == nil {
		t.Fatal("Open with an unknown pin name: no error")
	}
	t.Log(err)
	if chips, _ := filepath.Glob("/dev/gpiochip*"); len(chips) == 0 {
		t.Skip("no /dev/gpiochip* on this machine: the real-pin smoke test needs a bench")
	}
	// On a bench: every pin named in $BORNE_GPIO_SMOKE_BEACON lights for a second.
	name := os.Getenv("BORNE_GPIO_SMOKE_BEACON")
	if name == "" {
		t.Skip("set BORNE_GPIO_SMOKE_BEACON to a free output pin's name to run the smoke test")
	}
	d, err := borne.Open(borne.Pins{Beacon: name}, borne.Options{}, borne.Handlers{})
	if err != nil {
		t.Fatal(err)
	}
	stop := serve(t, d.Serve)
	d.Beacon.Show(borne.Steady)
	time.Sleep(time.Second)
	stop()
}
