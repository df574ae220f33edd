package web

// #cgo pkg-config: webkit2gtk-4.1
// #include <stdlib.h>
// #include <webkit2/webkit2.h>
//
// static void borne_web_set_zoom(GtkWidget *view, double level) {
// 	WebKitWebView *v = WEBKIT_WEB_VIEW(view);
// 	// The whole page scales (boxes, pictures, text), so it reflows
// 	// into the view instead of only its text growing out of its boxes.
// 	webkit_settings_set_zoom_text_only(webkit_web_view_get_settings(v), FALSE);
// 	webkit_web_view_set_zoom_level(v, level);
// }
// static double borne_web_zoom(GtkWidget *view) { return webkit_web_view_get_zoom_level(WEBKIT_WEB_VIEW(view)); }
// static void borne_web_set_languages(GtkWidget *view, const char *const *tags) {
// 	webkit_web_context_set_preferred_languages(webkit_web_view_get_context(WEBKIT_WEB_VIEW(view)), tags);
// }
import "C"

import (
	"os"
	"unsafe"
)

// SetZoom scales the page: 1 is the site's own size, 2 twice as large.
func (v *View) SetZoom(level float64) {
	if v.native != nil {
		C.borne_web_set_zoom(v.native, C.double(level))
	}
}

// Zoom is the page's scale.
func (v *View) Zoom() float64 {
	if v.native == nil {
		return 0
	}
	return float64(C.borne_web_zoom(v.native))
}

// webLocales are, per Borne language, the tags sent to sites
// (Accept-Language, navigator.language) and the gettext names of WebKit's own
// catalogue ("Choose File", "Fill out this field"…).
var webLocales = map[string]struct {
	tags    []string
	gettext string
}{
	"fr": {[]string{"fr-FR", "fr"}, "fr"},
	"en": {[]string{"en-GB", "en"}, "en_GB:en"},
	"ar": {[]string{"ar"}, "ar"},
	"es": {[]string{"es-ES", "es"}, "es"},
	"pt": {[]string{"pt-PT", "pt"}, "pt:pt_BR"},
	"tr": {[]string{"tr-TR", "tr"}, "tr"},
	"ro": {[]string{"ro-RO", "ro"}, "ro"},
	"zh": {[]string{"zh-CN", "zh"}, "zh_CN"},
}

// PrepareLanguage makes the next page process speak lang: WebKit's own
// strings come from its gettext catalogue, read in the page process with the
// LANGUAGE it inherits when it starts, so this must run before New. Main
// loop only (it changes the process environment).
func PrepareLanguage(lang string) {
	l, ok := webLocales[lang]
	if !ok {
		return
	}
	_ = os.Setenv("LANGUAGE", l.gettext)
	// gettext ignores LANGUAGE under the "C" locale (LANG unset, as under
	// systemd): C.UTF-8, always there, lifts that for messages only.
	if messagesLocale() == "C" || messagesLocale() == "POSIX" {
		_ = os.Setenv("LC_MESSAGES", "C.UTF-8")
	}
}

// messagesLocale is the locale the page process's messages will be read in.
func messagesLocale() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return "C"
}

// SetLanguage says which language the view's sites should answer in
// (Accept-Language, navigator.language); unknown codes are passed as they are.
func (v *View) SetLanguage(lang string) {
	if v.native == nil {
		return
	}
	tags := []string{lang}
	if l, ok := webLocales[lang]; ok {
		tags = l.tags
	}
	list, free := cStrings(tags)
	defer free()
	C.borne_web_set_languages(v.native, list)
}

// cStrings makes a NULL-terminated C array of strings; free releases it.
func cStrings(list []string) (**C.char, func()) {
	cs := make([]*C.char, len(list)+1)
	for i, s := range list {
		cs[i] = C.CString(s)
	}
	return &cs[0], func() {
		for _, c := range cs[:len(list)] {
			C.free(unsafe.Pointer(c))
		}
	}
}
