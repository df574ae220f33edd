package shell

// #cgo pkg-config: gtk+-3.0
// #include <gtk/gtk.h>
//
// static void borne_clear_clipboards(void) {
// 	gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_CLIPBOARD), "", 0);
// 	gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_PRIMARY), "", 0);
// }
import "C"

// clearClipboards empties the X CLIPBOARD and PRIMARY selections (which is
// what WebKit's copy and text selection fill): the next resident's Ctrl+V or
// middle click pastes nothing. Borne takes both selections with empty text,
// so a selection another program owned is emptied too. In C: gotk3's
// ClipboardGet turns the selection's atom (a small integer) into a Go
// pointer, which the race detector's pointer checks stop as invalid.
func clearClipboards() { C.borne_clear_clipboards() }
