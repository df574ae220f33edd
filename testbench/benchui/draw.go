package benchui

import (
	"fmt"
	"math"

	"github.com/gotk3/gotk3/cairo"
)

// view maps normalised screen coordinates onto the canvas, which may not
// start at the screen's corner (a window manager's panel, dev mode).
type view struct {
	ox, oy float64 // the canvas's top-left corner on the screen
	sw, sh float64 // the screen's size
}

func (w *window) view() view {
	ox, oy, _ := rootPoint(&w.canvas.Widget, 0, 0)
	return view{float64(ox), float64(oy), float64(w.width), float64(w.height)}
}

func (v view) at(p Point) (float64, float64) { return p.X*v.sw - v.ox, p.Y*v.sh - v.oy }

type rgb struct{ r, g, b uint8 }

func (c rgb) set(cr *cairo.Context) {
	cr.SetSourceRGB(float64(c.r)/255, float64(c.g)/255, float64(c.b)/255)
}

var (
	ink     = rgb{0x1d, 0x35, 0x57}
	pending = rgb{0xa8, 0xb3, 0xc4}
	active  = rgb{0xd6, 0x28, 0x28}
	landing = rgb{0xe7, 0x6f, 0x51}
	good    = rgb{0x8f, 0xd1, 0x9e}
	bad     = rgb{0xe7, 0x6f, 0x51}
)

// targetsScene shows the tap targets, the one to tap now, and where the
// taps landed; with offsets, it is the picture kept as evidence.
type targetsScene struct {
	targets []target
	current int       // the target to tap, -1 when none
	landed  []*Point  // per target, nil until tapped
	offsets []float64 // per target in mm, shown once known
	caption string
}

func (s targetsScene) draw(cr *cairo.Context, w *window, _, height float64) {
	v := w.view()
	cr.SelectFontFace("DejaVu Sans", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
	cr.SetFontSize(22)
	for i, t := range s.targets {
		x, y := v.at(t.at)
		c := ink
		switch {
		case i == s.current:
			c = active
		case s.landed[i] == nil:
			c = pending
		}
		c.set(cr)
		cr.SetLineWidth(3)
		if i == s.current {
			cr.SetLineWidth(6)
		}
		cr.MoveTo(x-40, y)
		cr.LineTo(x+40, y)
		cr.MoveTo(x, y-40)
		cr.LineTo(x, y+40)
		cr.Stroke()
		cr.Arc(x, y, 24, 0, 2*math.Pi)
		cr.Stroke()
		if p := s.landed[i]; p != nil {
			lx, ly := v.at(*p)
			landing.set(cr)
			cr.SetLineWidth(3)
			cr.MoveTo(x, y)
			cr.LineTo(lx, ly)
			cr.Stroke()
			cr.Arc(lx, ly, 9, 0, 2*math.Pi)
			cr.Fill()
			// Numbered, so a tap that landed on another target (a turned
			// panel) still says which target it was aimed at.
			cr.MoveTo(lx+12, ly-12)
			cr.ShowText(fmt.Sprint(i + 1))
		}
		if i < len(s.offsets) && s.landed[i] != nil {
			ink.set(cr)
			label := fmt.Sprintf("%d: %.1f mm", i+1, s.offsets[i])
			ext := cr.TextExtents(label)
			tx := min(max(x-ext.Width/2, 8), v.sw-v.ox-ext.Width-8)
			ty := y + 70
			if t.at.Y > 0.5 {
				ty = y - 56
			}
			cr.MoveTo(tx, ty)
			cr.ShowText(label)
		}
	}
	if s.caption != "" {
		ink.set(cr)
		cr.SetFontSize(20)
		ext := cr.TextExtents(s.caption)
		cr.MoveTo((v.sw-ext.Width)/2-v.ox, height*0.68)
		cr.ShowText(s.caption)
	}
}

// gridScene is the drawing test: cells turn green when touched, and red
// when the test ends without a touch in them.
type gridScene struct {
	cols, rows int
	hit        []bool
	finished   bool
}

func (s gridScene) draw(cr *cairo.Context, w *window, _, _ float64) {
	v := w.view()
	cw, ch := v.sw/float64(s.cols), v.sh/float64(s.rows)
	for i, h := range s.hit {
		x, y := float64(i%s.cols)*cw-v.ox, float64(i/s.cols)*ch-v.oy
		switch {
		case h:
			good.set(cr)
		case s.finished:
			bad.set(cr)
		default:
			continue
		}
		cr.Rectangle(x, y, cw, ch)
		cr.Fill()
	}
	pending.set(cr)
	cr.SetLineWidth(2)
	for c := 1; c < s.cols; c++ {
		cr.MoveTo(float64(c)*cw-v.ox, -v.oy)
		cr.LineTo(float64(c)*cw-v.ox, v.sh-v.oy)
	}
	for r := 1; r < s.rows; r++ {
		cr.MoveTo(-v.ox, float64(r)*ch-v.oy)
		cr.LineTo(v.sw-v.ox, float64(r)*ch-v.oy)
	}
	cr.Stroke()
}

// patternScene is the display test pattern.
type patternScene struct{}

func (patternScene) draw(cr *cairo.Context, _ *window, width, height float64) {
	for _, p := range displayLayout(int(width), int(height)) {
		p.want.set(cr)
		r := p.rect
		cr.Rectangle(float64(r.Min.X), float64(r.Min.Y), float64(r.Dx()), float64(r.Dy()))
		cr.Fill()
	}
}
