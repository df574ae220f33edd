package shell

// What gotk3 v0.6.3 lacks, in a few lines of C: a global event filter (so
// lockdown and idle detection see every input before any widget, the web
// view included), the default text direction, and a screenshot of the screen.

// #cgo pkg-config: gtk+-3.0
// #include <stdlib.h>
// #include <gtk/gtk.h>
//
// extern gboolean borneKeyBlocked(guint keyval, guint state);
// extern void borneActivity(void);
// extern gboolean borneTap(gdouble x, gdouble y, gboolean press);
//
// static void borne_filter(GdkEvent *ev, gpointer data) {
// 	switch (ev->type) {
// 	case GDK_BUTTON_PRESS: case GDK_2BUTTON_PRESS: case GDK_3BUTTON_PRESS: case GDK_BUTTON_RELEASE:
// 		if (ev->button.button != GDK_BUTTON_PRIMARY) return; // right, middle, side buttons reach nothing
// 		if (borneTap(ev->button.x_root, ev->button.y_root, ev->type == GDK_BUTTON_PRESS)) return;
// 		if (ev->type == GDK_BUTTON_PRESS) borneActivity();
// 		break;
// 	case GDK_TOUCH_BEGIN: case GDK_TOUCH_END:
// 		if (borneTap(ev->touch.x_root, ev->touch.y_root, ev->type == GDK_TOUCH_BEGIN)) return;
// 		if (ev->type == GDK_TOUCH_BEGIN) borneActivity();
// 		break;
// 	case GDK_KEY_PRESS: case GDK_KEY_RELEASE:
// 		if (borneKeyBlocked(ev->key.keyval, ev->key.state)) return;
// 		if (ev->type == GDK_KEY_PRESS) borneActivity();
// 		break;
// 	case GDK_SCROLL:
// 		borneActivity();
// 		break;
// 	default:
// 		break;
// 	}
// 	gtk_main_do_event(ev);
// }
// static void borne_install_filter(void) { gdk_event_handler_set(borne_filter, NULL, NULL); }
//
// static void borne_set_accessible(GtkWidget *w, const char *name, const char *desc) {
// 	AtkObject *a = gtk_widget_get_accessible(w);
// 	atk_object_set_name(a, name);
// 	if (desc[0]) atk_object_set_description(a, desc);
// }
//
// static gboolean borne_save_screen(const char *path, char **msg) {
// 	GdkWindow *root = gdk_get_default_root_window();
// 	GdkPixbuf *pb = gdk_pixbuf_get_from_window(root, 0, 0, gdk_window_get_width(root), gdk_window_get_height(root));
// 	if (pb == NULL) { *msg = g_strdup("could not read the screen"); return FALSE; }
// 	GError *err = NULL;
// 	gboolean ok = gdk_pixbuf_save(pb, path, "png", &err, NULL);
// 	g_object_unref(pb);
// 	if (!ok) { *msg = g_strdup(err->message); g_error_free(err); }
// 	return ok;
// }
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/gotk3/gotk3/gtk"
)

// activityHook is called on every tap, key and touch (from the GTK main loop).
var activityHook atomic.Pointer[func()]

// tapHook sees every primary press (press true) and release at root
// coordinates before any widget; true swallows the event.
var tapHook atomic.Pointer[func(x, y float64, press bool) bool]

//export borneTap
func borneTap(x, y C.gdouble, press C.gboolean) C.gboolean {
	if f := tapHook.Load(); f != nil && (*f)(float64(x), float64(y), press != 0) {
		return C.TRUE
	}
	return C.FALSE
}

//export borneActivity
func borneActivity() {
	if f := activityHook.Load(); f != nil {
		(*f)()
	}
}

//export borneKeyBlocked
func borneKeyBlocked(keyval, state C.guint) C.gboolean {
	if blockedKey(uint(keyval), uint(state)) {
		return C.TRUE
	}
	return C.FALSE
}

// installFilter routes every GDK event through the lockdown filter; onInput
// runs for every input that gets through, onTap first sees every tap.
func installFilter(onInput func(), onTap func(x, y float64, press bool) bool) {
	activityHook.Store(&onInput)
	tapHook.Store(&onTap)
	C.borne_install_filter()
}

// setDirection mirrors the whole layout: widgets left at "no direction"
// (all of ours) follow the default and are re-laid out at once.
func setDirection(rtl bool) {
	dir := C.GTK_TEXT_DIR_LTR
	if rtl {
		dir = C.GTK_TEXT_DIR_RTL
	}
	C.gtk_widget_set_default_direction(C.GtkTextDirection(dir))
}

// setAccessible gives a widget the name (and description) a screen reader
// says, in the session's language.
func setAccessible(w *gtk.Widget, name, desc string) {
	cname, cdesc := C.CString(name), C.CString(desc)
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cdesc))
	C.borne_set_accessible((*C.GtkWidget)(unsafe.Pointer(w.GObject)), cname, cdesc)
}

// SaveScreen writes what the screen shows to a PNG file. Main loop only.
func SaveScreen(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var msg *C.char
	if C.borne_save_screen(cpath, &msg) == C.FALSE {
		defer C.g_free(C.gpointer(msg))
		return fmt.Errorf("screenshot %s: %s", path, C.GoString(msg))
	}
	return nil
}
