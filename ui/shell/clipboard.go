package shell

// #cgo pkg-config: gtk+-3.0 x11
// #include <string.h>
// #include <gtk/gtk.h>
// #include <gdk/gdkx.h>
// #include <X11/Xlibint.h>
//
// static void borne_clear_clipboards(void) {
// 	gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_CLIPBOARD), "", 0);
// 	gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_PRIMARY), "", 0);
// 	GdkDisplay *gd = gdk_display_get_default();
// 	if (gd == NULL || !GDK_IS_X11_DISPLAY(gd)) {
// 		return;
// 	}
// 	Display *d = GDK_DISPLAY_XDISPLAY(gd);
// 	XFlush(d);
// 	LockDisplay(d);
// 	memset(d->bufptr, 0, d->bufmax - d->bufptr);
// 	UnlockDisplay(d);
// }
import "C"

// clearClipboards empties the X CLIPBOARD and PRIMARY selections (which is
// what WebKit's copy and text selection fill): the next resident's Ctrl+V or
// middle click pastes nothing. Borne takes both selections with empty text,
// so a selection another program owned is emptied too. On X11 it then
// zeroes Xlib's output buffer, which is allocated once and reused: the
// copied text it sent to a pasting program stayed there, past the visit,
// wherever later requests did not reach. In C: gotk3's ClipboardGet turns
// the selection's atom (a small integer) into a Go pointer, which the race
// detector's pointer checks stop as invalid.
func clearClipboards() { C.borne_clear_clipboards() }
