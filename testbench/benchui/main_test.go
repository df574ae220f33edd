package benchui

import (
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"borne/internal/xvfb"
	"borne/kiosk/config"
	"borne/testbench/bench"
)

// The package runs its own GTK main loop; the tests give it a virtual
// display and drive it with real X input (XTEST).
func TestMain(m *testing.M) {
	if os.Getenv("DISPLAY") == "" {
		d, err := xvfb.Start(virtualWidth, virtualHeight)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("DISPLAY", d.Name)
		// Never stopped by hand: GTK exits the process, failing the run, when
		// its display goes first. Xvfb ends with the process (Pdeathsig).
	}
	os.Exit(m.Run())
}

// artefacts is where evidence and screenshots go (artefacts/ at the
// repository root), to look at what a person sees.
func artefacts(t testing.TB, parts ...string) string {
	dir := os.Getenv("BORNE_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artefacts")
	}
	dir = filepath.Join(append([]string{dir}, parts...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testEnv is a headless run on the simulated lobby whose evidence lands in
// artefacts/bench/NAME.
func testEnv(t testing.TB, name string) *bench.Env {
	return &bench.Env{Config: config.Default(), OutDir: artefacts(t, "bench", name), Guide: bench.Headless, Log: slog.Default(), Sim: &bench.Sim{}}
}

func testWindow(t testing.TB) *window {
	t.Helper()
	w, err := open(slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// screenshot saves the whole window as a person sees it, in artefacts/shots.
func screenshot(t testing.TB, w *window, name string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // the last change drawn
	var err error
	onUI(func() {
		img, cerr := capture(&w.win.Widget)
		if cerr != nil {
			err = cerr
			return
		}
		f, ferr := os.Create(filepath.Join(artefacts(t, "shots"), "bench-"+name+".png"))
		if ferr != nil {
			err = ferr
			return
		}
		defer f.Close()
		err = png.Encode(f, img)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stepNamed finds a step of a run.
func stepNamed(t testing.TB, steps []bench.Step, name string) bench.Step {
	t.Helper()
	for _, s := range steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q in %+v", name, steps)
	return bench.Step{}
}

// tapAnswer taps an answer button of the question on screen, as a person
// would, once it is shown.
func tapAnswer(t testing.TB, w *window, p *pointer, i int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var x, y int
		var ok bool
		onUI(func() {
			if i < len(w.buttons) && w.buttons[i].GetMapped() {
				b := w.buttons[i]
				x, y, ok = rootPoint(&b.Widget, b.GetAllocatedWidth()/2, b.GetAllocatedHeight()/2)
			}
		})
		if ok {
			p.tap(x, y)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("answer %d never showed", i)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
