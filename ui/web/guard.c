#include "guard.h"
#include "_cgo_export.h"

// A native color picker would be a new top-level window outside Borne's
// screens: refused (public-service forms do not ask for colours).
static gboolean on_color_chooser(WebKitWebView *v, WebKitColorChooserRequest *req, gpointer h) {
	webkit_color_chooser_request_cancel(req);
	return TRUE;
}

// A <select> list opens in Borne's own panel, never as a GTK popup menu.
static gboolean on_option_menu(WebKitWebView *v, WebKitOptionMenu *menu, GdkEvent *ev, GdkRectangle *r, gpointer h) {
	guint n = webkit_option_menu_get_n_items(menu);
	GString *labels = g_string_new("");
	GString *flags = g_string_new("");
	for (guint i = 0; i < n; i++) {
		WebKitOptionMenuItem *it = webkit_option_menu_get_item(menu, i);
		const char *l = webkit_option_menu_item_get_label(it);
		g_string_append(labels, l ? l : "");
		g_string_append_c(labels, '\n');
		g_string_append_c(flags, webkit_option_menu_item_is_group_label(it) ? 'g' :
			!webkit_option_menu_item_is_enabled(it) ? 'd' :
			webkit_option_menu_item_is_selected(it) ? 's' : 'o');
	}
	g_object_ref(menu);
	borneWebOptionMenu((uintptr_t)h, menu, labels->str, flags->str);
	g_string_free(labels, TRUE);
	g_string_free(flags, TRUE);
	return TRUE;
}

void borne_web_option_choose(WebKitOptionMenu *menu, int index) {
	if (index >= 0 && (guint)index < webkit_option_menu_get_n_items(menu))
		webkit_option_menu_activate_item(menu, index);
	webkit_option_menu_close(menu);
	g_object_unref(menu);
}

// Camera, microphone, location, notifications, pointer lock, storage access:
// a public terminal grants none of them, and asks nobody.
static gboolean on_permission(WebKitWebView *v, WebKitPermissionRequest *req, gpointer h) {
	webkit_permission_request_deny(req);
	return TRUE;
}

static gboolean on_permission_query(WebKitWebView *v, WebKitPermissionStateQuery *q, gpointer h) {
	webkit_permission_state_query_finish(q, WEBKIT_PERMISSION_STATE_DENIED);
	return TRUE;
}

// HTTP authentication would draw WebKit's own login box: public sites log in
// through their pages.
static gboolean on_authenticate(WebKitWebView *v, WebKitAuthenticationRequest *req, gpointer h) {
	webkit_authentication_request_cancel(req);
	return TRUE;
}

// Full screen would cover Borne's bar, and with it "J'ai fini" and the
// mediator call. Notifications would pop up outside the window.
static gboolean refuse(WebKitWebView *v, gpointer h) { return TRUE; }
static gboolean refuse_notification(WebKitWebView *v, WebKitNotification *n, gpointer h) { return TRUE; }

// A download is stopped as soon as it passes the limit, announced or not:
// the session directory lives in RAM.
static void too_big(WebKitDownload *dl, gpointer h) {
	const char *dest = webkit_download_get_destination(dl);
	gchar *path = dest ? g_filename_from_uri(dest, NULL, NULL) : NULL;
	webkit_download_cancel(dl); // "failed" comes with CANCELLED_BY_USER, which the shim ignores
	borneWebDownloadTooBig((uintptr_t)h, path);
	g_free(path);
}

static gint64 download_limit(WebKitDownload *dl) {
	WebKitWebView *v = webkit_download_get_web_view(dl);
	return v ? GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(v), "borne-max-download")) : 0;
}

static void on_received(WebKitDownload *dl, guint64 len, gpointer h) {
	gint64 max = download_limit(dl);
	if (max > 0 && webkit_download_get_received_data_length(dl) > (guint64)max) {
		g_signal_handlers_disconnect_by_func(dl, on_received, h);
		too_big(dl, h);
	}
}

static void on_created_destination(WebKitDownload *dl, gchar *dest, gpointer h) {
	gint64 max = download_limit(dl);
	WebKitURIResponse *resp = webkit_download_get_response(dl);
	if (max > 0 && resp && webkit_uri_response_get_content_length(resp) > (guint64)max) {
		g_signal_handlers_disconnect_by_func(dl, on_received, h);
		too_big(dl, h);
	}
}

static void on_download_started(WebKitWebContext *ctx, WebKitDownload *dl, gpointer h) {
	g_signal_connect(dl, "created-destination", G_CALLBACK(on_created_destination), h);
	g_signal_connect(dl, "received-data", G_CALLBACK(on_received), h);
}

void borne_web_limit_downloads(GtkWidget *view, gint64 max_bytes) {
	g_object_set_data(G_OBJECT(view), "borne-max-download", GSIZE_TO_POINTER(max_bytes));
}

void borne_web_guard(GtkWidget *w, uintptr_t h) {
	WebKitWebView *view = WEBKIT_WEB_VIEW(w);
	// Hyperlink auditing (<a ping>) cannot be turned off in WebKit 2.50
	// ("deprecated and does nothing"): the content rules block every ping.
	g_signal_connect(webkit_web_view_get_context(view), "download-started", G_CALLBACK(on_download_started), (gpointer)h);
	g_signal_connect(view, "run-color-chooser", G_CALLBACK(on_color_chooser), (gpointer)h);
	g_signal_connect(view, "show-option-menu", G_CALLBACK(on_option_menu), (gpointer)h);
	g_signal_connect(view, "permission-request", G_CALLBACK(on_permission), (gpointer)h);
	g_signal_connect(view, "query-permission-state", G_CALLBACK(on_permission_query), (gpointer)h);
	g_signal_connect(view, "authenticate", G_CALLBACK(on_authenticate), (gpointer)h);
	g_signal_connect(view, "enter-fullscreen", G_CALLBACK(refuse), (gpointer)h);
	g_signal_connect(view, "show-notification", G_CALLBACK(refuse_notification), (gpointer)h);
}

// Content rules are compiled once per service by WebKit itself; the compiled
// filter is then handed to each view that opens the service.
static void on_filter_saved(GObject *src, GAsyncResult *res, gpointer data) {
	GError *err = NULL;
	WebKitUserContentFilter *f = webkit_user_content_filter_store_save_finish(WEBKIT_USER_CONTENT_FILTER_STORE(src), res, &err);
	borneWebFilterDone((uintptr_t)data, f, err ? err->message : NULL);
	if (err) g_error_free(err);
	g_object_unref(src);
}

void borne_web_filter_compile(const char *dir, const char *id, const char *rules, uintptr_t call) {
	WebKitUserContentFilterStore *store = webkit_user_content_filter_store_new(dir);
	GBytes *b = g_bytes_new(rules, strlen(rules));
	webkit_user_content_filter_store_save(store, id, b, NULL, on_filter_saved, (gpointer)call);
	g_bytes_unref(b);
}

void borne_web_filter_apply(GtkWidget *view, WebKitUserContentFilter *filter) {
	WebKitUserContentManager *ucm = webkit_web_view_get_user_content_manager(WEBKIT_WEB_VIEW(view));
	webkit_user_content_manager_remove_all_filters(ucm);
	webkit_user_content_manager_add_filter(ucm, filter);
}

static void on_context_finalized(gpointer flag, GObject *gone) { *(int *)flag = 1; }

// WebKitGTK (GTK 3) reads key bindings through a GtkTextView of its own,
// parented to the view as an internal child. Destroying the view destroys
// only its public children, and its dispose forgets that one without
// unparenting it: each view left it behind (its buffer, style, pango context
// and signal handlers, some 14 KiB a visit). Destroyed first, it is removed
// from the view the ordinary way.
static void destroy_internal(GtkWidget *child, gpointer data) {
	if (GTK_IS_TEXT_VIEW(child)) gtk_widget_destroy(child);
}

// Ends the page's process and destroys the view; the caller then drops its
// own reference, so that the view, its ephemeral context and with it the
// network process go now, not when a garbage collector gets round to it.
// The returned flag (g_free it) turns 1 once the context is finalized.
int *borne_web_release(GtkWidget *w) {
	WebKitWebView *view = WEBKIT_WEB_VIEW(w);
	int *flag = g_new0(int, 1);
	g_object_weak_ref(G_OBJECT(webkit_web_view_get_context(view)), on_context_finalized, flag);
	webkit_web_view_stop_loading(view);
	webkit_web_view_terminate_web_process(view);
	gtk_container_forall(GTK_CONTAINER(w), destroy_internal, NULL);
	gtk_widget_destroy(w);
	return flag;
}
