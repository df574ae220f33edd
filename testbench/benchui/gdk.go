package benchui

// What gotk3 v0.6.3 lacks: where a widget sits on the screen, the screen's
// size, every motion event (not GDK's one-per-frame compression, which would
// hide the cells a fast stroke crossed), and the pixels a window shows.

// #cgo pkg-config: gtk+-3.0
// #include <string.h>
// #include <gtk/gtk.h>
//
// static gboolean bench_root_point(GtkWidget *w, int x, int y, int *rx, int *ry) {
// 	GtkWidget *top = gtk_widget_get_toplevel(w);
// 	int tx, ty, ox, oy;
// 	if (!gtk_widget_translate_coordinates(w, top, x, y, &tx, &ty)) return FALSE;
// 	GdkWindow *gw = gtk_widget_get_window(top);
// 	if (gw == NULL) return FALSE;
// 	gdk_window_get_origin(gw, &ox, &oy);
// 	*rx = ox + tx; *ry = oy + ty;
// 	return TRUE;
// }
//
// static void bench_root_size(int *w, int *h) {
// 	GdkWindow *root = gdk_get_default_root_window();
// 	*w = gdk_window_get_width(root); *h = gdk_window_get_height(root);
// }
//
// static void bench_no_compression(GtkWidget *w) {
// 	GdkWindow *gw = gtk_widget_get_window(w);
// 	if (gw != NULL) gdk_window_set_event_compression(gw, FALSE);
// 	gw = gtk_widget_get_window(gtk_widget_get_toplevel(w));
// 	if (gw != NULL) gdk_window_set_event_compression(gw, FALSE);
// }
//
// // bench_capture copies what the widget's window shows as packed RGB rows.
// static guchar *bench_capture(GtkWidget *w, int *width, int *height) {
// 	GdkWindow *gw = gtk_widget_get_window(w);
// 	if (gw == NULL) return NULL;
// 	*width = gdk_window_get_width(gw); *height = gdk_window_get_height(gw);
// 	GdkPixbuf *pb = gdk_pixbuf_get_from_window(gw, 0, 0, *width, *height);
// 	if (pb == NULL) return NULL;
// 	int n = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
// 	const guchar *src = gdk_pixbuf_read_pixels(pb);
// 	guchar *out = g_malloc((gsize)(*width) * (gsize)(*height) * 3);
// 	for (int y = 0; y < *height; y++)
// 		for (int x = 0; x < *width; x++)
// 			memcpy(out + ((gsize)y * *width + x) * 3, src + (gsize)y * stride + (gsize)x * n, 3);
// 	g_object_unref(pb);
// 	return out;
// }
import "C"

import (
	"errors"
	"image"
	"unsafe"

	"github.com/gotk3/gotk3/gtk"
)

func cWidget(w *gtk.Widget) *C.GtkWidget { return (*C.GtkWidget)(unsafe.Pointer(w.GObject)) }

// rootPoint is where a point of a widget is on the screen, in pixels.
// Main loop only.
func rootPoint(w *gtk.Widget, x, y int) (int, int, bool) {
	var rx, ry C.int
	ok := C.bench_root_point(cWidget(w), C.int(x), C.int(y), &rx, &ry) != C.FALSE
	return int(rx), int(ry), ok
}

// rootSize is the size of the whole screen, which a touch panel maps onto.
// Main loop only.
func rootSize() (int, int) {
	var w, h C.int
	C.bench_root_size(&w, &h)
	return int(w), int(h)
}

// keepEveryMotion turns off motion compression for the widget and its
// window. Main loop only, after the widget is realised.
func keepEveryMotion(w *gtk.Widget) { C.bench_no_compression(cWidget(w)) }

// capture reads back what the widget's window shows. Main loop only.
func capture(w *gtk.Widget) (*image.RGBA, error) {
	var cw, ch C.int
	px := C.bench_capture(cWidget(w), &cw, &ch)
	if px == nil {
		return nil, errors.New("capture: could not read the window's pixels")
	}
	defer C.g_free(C.gpointer(px))
	width, height := int(cw), int(ch)
	src := unsafe.Slice((*byte)(unsafe.Pointer(px)), width*height*3)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for i := range width * height {
		copy(img.Pix[i*4:i*4+3], src[i*3:i*3+3])
		img.Pix[i*4+3] = 0xff
	}
	return img, nil
}
