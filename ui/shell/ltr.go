package shell

// #cgo pkg-config: gtk+-3.0
// #include <gtk/gtk.h>
import "C"

import (
	"unsafe"

	"github.com/gotk3/gotk3/gtk"
)

// keepLTR lays a box out left to right in every language: a time such as
// 14:30 and its hour and minute buttons read in that order in Arabic too.
// (gotk3 v0.6.3 has no gtk_widget_set_direction.)
func keepLTR(w *gtk.Widget) {
	C.gtk_widget_set_direction((*C.GtkWidget)(unsafe.Pointer(w.GObject)), C.GTK_TEXT_DIR_LTR)
}
