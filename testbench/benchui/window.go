// Package benchui is the test bench's GTK window: the guided mode (an
// instruction shown big, a question with big answer buttons) and the
// touchscreen and display suites, which draw targets, grids and test
// patterns in it. The window runs its own GTK main loop on a locked OS
// thread, on a virtual display (Xvfb) when there is no screen; only that
// loop touches widgets.
package benchui

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"

	"github.com/gotk3/gotk3/cairo"
	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/internal/xvfb"
	"borne/testbench/bench"
)

// The last unref of every wrapped object is queued on the main loop: GTK
// must not be touched from the finalizer goroutine.
func init() {
	glib.FinalizerStrategy = func(f glib.Finalizer) { glib.IdleAdd(func() { f() }) }
}

//go:embed theme.css
var themeCSS string

// Screen size of the virtual display when there is no screen: the kiosks'
// most common panel.
const virtualWidth, virtualHeight = 1280, 800

// eventKind says what a finger (or the pointer standing in for it) did.
type eventKind int

const (
	down eventKind = iota
	drag
	up
)

// touchEvent is one input on the canvas, in screen pixels.
type touchEvent struct {
	kind eventKind
	x, y float64
}

// scene is what the canvas draws; scenes are values, replaced whole.
type scene interface {
	draw(cr *cairo.Context, w *window, width, height float64)
}

// window is the full-screen bench window: a canvas under an instruction
// label and a question panel.
type window struct {
	log *slog.Logger

	// Main loop only.
	win      *gtk.Window
	canvas   *gtk.DrawingArea
	instr    *gtk.Label
	ask      *gtk.Box
	question *gtk.Label
	answers  *gtk.Box
	buttons  []*gtk.Button // the current question's answers, in order
	scene    scene
	input    chan<- touchEvent // where canvas events go while a step listens
	instrTok int               // which Show the label shows
	drawGen  int               // scenes set so far
	drawn    chan int          // receives drawGen after each draw, for capture

	width, height int // the screen, in pixels

	askMu sync.Mutex // one question at a time
}

var shared struct {
	once sync.Once
	win  *window
	err  error
}

// open starts the GTK main loop (and Xvfb when there is no display) the
// first time and returns the one bench window.
func open(log *slog.Logger) (*window, error) {
	shared.once.Do(func() {
		ready := make(chan error, 1)
		w := &window{log: log, drawn: make(chan int, 1)}
		go func() {
			// gtk_init and gtk_main on one thread that never runs anything
			// else; Xvfb started from it dies with it (Pdeathsig).
			runtime.LockOSThread()
			if os.Getenv("DISPLAY") == "" {
				d, err := xvfb.Start(virtualWidth, virtualHeight)
				if err != nil {
					ready <- fmt.Errorf("benchui: no display: %w", err)
					return
				}
				os.Setenv("DISPLAY", d.Name)
				log.Info("benchui: no display, running on a virtual one", "display", d.Name)
			}
			if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
				os.Setenv("NO_AT_BRIDGE", "1") // no session bus to find the accessibility bus on
			}
			if err := gtk.InitCheck(nil); err != nil {
				ready <- fmt.Errorf("benchui: gtk: %w", err)
				return
			}
			if err := w.build(); err != nil {
				ready <- err
				return
			}
			ready <- nil
			gtk.Main()
		}()
		shared.err = <-ready
		if shared.err == nil {
			shared.win = w
		}
	})
	return shared.win, shared.err
}

// onUI runs f on the main loop and waits for it. Never from the main loop.
func onUI(f func()) {
	done := make(chan struct{})
	glib.IdleAdd(func() { f(); close(done) })
	<-done
}

func (w *window) build() error {
	css, err := gtk.CssProviderNew()
	if err != nil {
		return fmt.Errorf("benchui: theme: %w", err)
	}
	if err := css.LoadFromData(themeCSS); err != nil {
		return fmt.Errorf("benchui: theme: %w", err)
	}
	scr, err := gdk.ScreenGetDefault()
	if err != nil {
		return fmt.Errorf("benchui: screen: %w", err)
	}
	gtk.AddProviderForScreen(scr, css, gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)
	w.width, w.height = rootSize()

	if w.win, err = gtk.WindowNew(gtk.WINDOW_TOPLEVEL); err != nil {
		return fmt.Errorf("benchui: window: %w", err)
	}
	w.win.SetName("bench")
	w.win.SetTitle("Borne — test bench")
	w.win.SetDecorated(false)
	w.win.SetKeepAbove(true)
	// Also where no window manager honours full screen (a kiosk has none):
	// the canvas must cover the panel edge to edge for corner targets.
	w.win.Fullscreen()
	w.win.Move(0, 0)
	w.win.SetDefaultSize(w.width, w.height)
	w.win.Connect("delete-event", func() bool { return true })

	overlay, _ := gtk.OverlayNew()
	w.canvas, _ = gtk.DrawingAreaNew()
	w.canvas.SetName("canvas")
	w.canvas.AddEvents(int(gdk.BUTTON_PRESS_MASK | gdk.BUTTON_RELEASE_MASK | gdk.BUTTON_MOTION_MASK))
	w.canvas.Connect("draw", func(_ *gtk.DrawingArea, cr *cairo.Context) bool {
		cr.SetSourceRGB(0.965, 0.957, 0.937)
		cr.Paint()
		if w.scene != nil {
			w.scene.draw(cr, w, float64(w.canvas.GetAllocatedWidth()), float64(w.canvas.GetAllocatedHeight()))
		}
		select { // the newest generation drawn, for whoever waits to capture
		case <-w.drawn:
		default:
		}
		w.drawn <- w.drawGen
		return true
	})
	w.canvas.Connect("button-press-event", func(_ *gtk.DrawingArea, ev *gdk.Event) bool {
		x, y := gdk.EventButtonNewFromEvent(ev).MotionValRoot()
		w.send(touchEvent{down, x, y})
		return true
	})
	w.canvas.Connect("motion-notify-event", func(_ *gtk.DrawingArea, ev *gdk.Event) bool {
		x, y := gdk.EventMotionNewFromEvent(ev).MotionValRoot()
		w.send(touchEvent{drag, x, y})
		return true
	})
	w.canvas.Connect("button-release-event", func(_ *gtk.DrawingArea, ev *gdk.Event) bool {
		x, y := gdk.EventButtonNewFromEvent(ev).MotionValRoot()
		w.send(touchEvent{up, x, y})
		return true
	})
	w.canvas.Connect("realize", func() { keepEveryMotion(&w.canvas.Widget) })
	overlay.Add(w.canvas)

	// The instruction sits between the top targets and the centre one, and
	// lets touches through to the canvas.
	w.instr, _ = gtk.LabelNew("")
	w.instr.SetName("instruction")
	addClass(&w.instr.Widget, "instruction")
	w.instr.SetLineWrap(true)
	w.instr.SetMaxWidthChars(40)
	w.instr.SetJustify(gtk.JUSTIFY_CENTER)
	w.instr.SetHAlign(gtk.ALIGN_CENTER)
	w.instr.SetVAlign(gtk.ALIGN_START)
	w.instr.SetMarginTop(w.height * 20 / 100)
	w.instr.SetNoShowAll(true)
	overlay.AddOverlay(w.instr)
	overlay.SetOverlayPassThrough(w.instr, true)

	// Questions go to the bottom band, below the test patterns a person is
	// asked about.
	w.ask, _ = gtk.BoxNew(gtk.ORIENTATION_VERTICAL, 16)
	w.ask.SetName("question")
	addClass(&w.ask.Widget, "question")
	w.ask.SetHAlign(gtk.ALIGN_CENTER)
	w.ask.SetVAlign(gtk.ALIGN_END)
	w.ask.SetMarginBottom(24)
	w.question, _ = gtk.LabelNew("")
	addClass(&w.question.Widget, "question-text")
	w.question.SetLineWrap(true)
	w.question.SetMaxWidthChars(50)
	w.question.SetJustify(gtk.JUSTIFY_CENTER)
	w.answers, _ = gtk.BoxNew(gtk.ORIENTATION_HORIZONTAL, 24)
	w.answers.SetHAlign(gtk.ALIGN_CENTER)
	w.ask.PackStart(w.question, false, false, 0)
	w.ask.PackStart(w.answers, false, false, 0)
	w.ask.SetNoShowAll(true)
	overlay.AddOverlay(w.ask)

	w.win.Add(overlay)
	w.win.ShowAll()
	return nil
}

// send hands an event to the listening step; main loop only. Events with
// nobody listening, or beyond what a step can take, are dropped.
func (w *window) send(ev touchEvent) {
	if w.input == nil {
		return
	}
	select {
	case w.input <- ev:
	default:
		w.log.Warn("benchui: input event dropped: the step is not keeping up")
	}
}

// listen routes canvas events to a new channel until stop is called.
func (w *window) listen() (events <-chan touchEvent, stop func()) {
	ch := make(chan touchEvent, 8192)
	onUI(func() { w.input = ch })
	return ch, func() { onUI(func() { w.input = nil }) }
}

// show sets the scene and redraws.
func (w *window) show(s scene) {
	glib.IdleAdd(func() {
		w.scene = s
		w.drawGen++
		w.canvas.QueueDraw()
	})
}

// showInstruction displays text big until the returned func is called.
func (w *window) showInstruction(text string) (hide func()) {
	var tok int
	onUI(func() {
		w.instrTok++
		tok = w.instrTok
		w.instr.SetText(text)
		w.instr.Show()
	})
	return func() {
		glib.IdleAdd(func() {
			if w.instrTok == tok { // a later instruction stays
				w.instr.Hide()
			}
		})
	}
}

// askQuestion shows a question with one big button per answer and waits
// for a tap on one of them.
func (w *window) askQuestion(ctx context.Context, question string, answers ...string) (int, error) {
	if len(answers) == 0 {
		return -1, errors.New("benchui: a question needs answers")
	}
	w.askMu.Lock()
	defer w.askMu.Unlock()
	chosen := make(chan int, 1)
	onUI(func() {
		for _, b := range w.buttons {
			b.Destroy()
		}
		w.buttons = w.buttons[:0]
		w.question.SetText(question)
		for i, a := range answers {
			b, _ := gtk.ButtonNewWithLabel(a)
			b.SetName(fmt.Sprintf("answer-%d", i))
			addClass(&b.Widget, "answer")
			b.Connect("clicked", func() {
				select {
				case chosen <- i:
				default:
				}
			})
			w.answers.PackStart(b, false, false, 0)
			w.buttons = append(w.buttons, b)
		}
		// The panel does not follow the window's ShowAll: show its parts.
		w.question.Show()
		w.answers.ShowAll()
		w.ask.Show()
	})
	defer glib.IdleAdd(func() { w.ask.Hide() })
	select {
	case i := <-chosen:
		return i, nil
	case <-ctx.Done():
		return -1, fmt.Errorf("benchui: no answer to %q: %w", question, ctx.Err())
	}
}

func addClass(w *gtk.Widget, class string) {
	if sc, err := w.GetStyleContext(); err == nil {
		sc.AddClass(class)
	}
}

// Guide is the person at the bench, reached through the bench window.
type Guide struct{ w *window }

// OpenGuide opens the bench window for guided mode (starting the GTK main
// loop, and Xvfb when there is no display); close hides the window.
func OpenGuide(_ context.Context, log *slog.Logger) (bench.Guide, func(), error) {
	if log == nil {
		log = slog.Default()
	}
	w, err := open(log)
	if err != nil {
		return nil, nil, err
	}
	onUI(func() { w.win.Present() })
	return &Guide{w}, func() { glib.IdleAdd(func() { w.win.Hide() }) }, nil
}

// Show displays an instruction until hide is called.
func (g *Guide) Show(instruction string) (hide func()) { return g.w.showInstruction(instruction) }

// Ask shows the question and its answers as big buttons and returns the
// index of the one tapped.
func (g *Guide) Ask(ctx context.Context, question string, answers ...string) (int, error) {
	return g.w.askQuestion(ctx, question, answers...)
}

// Present is true: someone stands at the bench.
func (g *Guide) Present() bool { return true }

// windowFor is the bench window for a suite: the guide's when it is ours,
// else the shared one (opened on first use, for simulated runs).
func windowFor(env *bench.Env) (*window, error) {
	if g, ok := env.Guide.(*Guide); ok {
		return g.w, nil
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	w, err := open(log)
	if err != nil {
		return nil, err
	}
	onUI(func() { w.win.Present() })
	return w, nil
}
