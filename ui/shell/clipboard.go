package shell

import (
	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/gtk"
)

// clearClipboards empties the X CLIPBOARD and PRIMARY selections (which is
// what WebKit's copy and text selection fill): the next resident's Ctrl+V or
// middle click pastes nothing. Borne takes both selections with empty text,
// so a selection another program owned is emptied too.
func clearClipboards() {
	for _, sel := range []gdk.Atom{gdk.SELECTION_CLIPBOARD, gdk.SELECTION_PRIMARY} {
		if cb, err := gtk.ClipboardGet(sel); err == nil {
			cb.SetText("")
		}
	}
}
