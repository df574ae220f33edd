package shell

import (
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"
)

// shrinkToFit makes rows of pictures fit on screen, whatever the text size,
// language and window: once w (the pictures' grid) is laid out, when its
// bottom passes limit (in window coordinates) the pictures' height *h shrinks
// by the overflow shared among the rows, down to floor, and redraw shows
// them again. It only ever shrinks, so it settles.
func (s *Shell) shrinkToFit(w *gtk.Widget, rows int, h *int, floor int, limit func() (int, bool), redraw func()) {
	w.Connect("size-allocate", func() {
		_, y, err := w.TranslateCoordinates(s.win, 0, 0)
		bottom, ok := limit()
		if err != nil || !ok || *h <= floor {
			return
		}
		if over := y + w.GetAllocatedHeight() - bottom; over > 0 {
			*h = max(*h-(over+rows-1)/rows-2, floor)
			glib.IdleAdd(redraw) // not while GTK is laying out
		}
	})
}

// barTop is where the bar starts: the page's content must end above it.
func (s *Shell) barTop() (int, bool) {
	_, y, err := s.bar.TranslateCoordinates(s.win, 0, 0)
	return y - 8, err == nil
}

// scrolledBottom is the bottom of the scrolled area around w: a panel's
// body, which must not need scrolling to show its pictures.
func (s *Shell) scrolledBottom(w *gtk.Widget) (int, bool) {
	scrolled := glib.TypeFromName("GtkScrolledWindow")
	for cur := w; ; {
		parent, err := cur.GetParent()
		if err != nil || parent == nil {
			return 0, false
		}
		cur = parent.ToWidget()
		if cur.IsA(scrolled) {
			_, y, err := cur.TranslateCoordinates(s.win, 0, 0)
			return y + cur.GetAllocatedHeight(), err == nil
		}
	}
}
