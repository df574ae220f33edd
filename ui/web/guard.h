// The kiosk's guards around a WebKit view, apart from the base shim: native
// dialogs refused or handed to Borne's screens, downloads cut at a size,
// sub-resources filtered by WebKit itself, and a view torn down at once.
#ifndef BORNE_WEB_GUARD_H
#define BORNE_WEB_GUARD_H

#include <stdint.h>
#include <webkit2/webkit2.h>

void borne_web_guard(GtkWidget *view, uintptr_t handle);
void borne_web_limit_downloads(GtkWidget *view, gint64 max_bytes);
void borne_web_option_choose(WebKitOptionMenu *menu, int index);
void borne_web_filter_compile(const char *dir, const char *id, const char *rules, uintptr_t call);
void borne_web_filter_apply(GtkWidget *view, WebKitUserContentFilter *filter);
int *borne_web_release(GtkWidget *view);

#endif
