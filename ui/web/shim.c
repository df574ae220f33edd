#include "shim.h"
#include "_cgo_export.h"

// policy_uri is what Go gets of a URI: its scheme and authority, which is
// all Borne's rules and logs need. The path, query and fragment stay on this
// side: they can hold what the resident typed (a GET form, a search box),
// and a Go string outlives its use in freed heap memory, which the C
// allocators overwrite (kiosk/scrub) but Go's does not. URIs without an
// authority (about:blank, data:, javascript:) keep their scheme, and about:
// its page, which the rules tell apart. g_free the result.
static gchar *policy_uri(const char *uri) {
	if (uri == NULL) return g_strdup("");
	const char *rest = strstr(uri, "://");
	size_t n;
	if (rest != NULL) {
		rest += 3;
		n = rest - uri + strcspn(rest, "/?#");
		if (uri[n] == '/') n++;
	} else if (g_str_has_prefix(uri, "about:")) {
		n = strcspn(uri, "?#");
	} else {
		n = strcspn(uri, ":");
		if (uri[n] == ':') n++;
	}
	return g_strndup(uri, n);
}

// Where the page wants to go: our Go code decides; a new window opens in the
// same view when allowed; a document the view cannot show is downloaded.
static gboolean on_decide_policy(WebKitWebView *view, WebKitPolicyDecision *d, WebKitPolicyDecisionType type, gpointer h) {
	switch (type) {
	case WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION:
	case WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION: {
		WebKitNavigationAction *a = webkit_navigation_policy_decision_get_navigation_action(WEBKIT_NAVIGATION_POLICY_DECISION(d));
		const char *uri = webkit_uri_request_get_uri(webkit_navigation_action_get_request(a));
		int kind = type == WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION ? BORNE_NEW_WINDOW : BORNE_NAVIGATION;
		gchar *origin = policy_uri(uri);
		int verdict = borneWebDecide((uintptr_t)h, kind, origin, (char *)"",
			webkit_navigation_action_is_user_gesture(a) || webkit_navigation_action_is_redirect(a), TRUE);
		g_free(origin);
		if (verdict == BORNE_USE && kind == BORNE_NEW_WINDOW) {
			webkit_policy_decision_ignore(d);
			webkit_web_view_load_uri(view, uri);
		} else if (verdict == BORNE_USE) {
			webkit_policy_decision_use(d);
		} else {
			webkit_policy_decision_ignore(d);
		}
		return TRUE;
	}
	case WEBKIT_POLICY_DECISION_TYPE_RESPONSE: {
		WebKitResponsePolicyDecision *r = WEBKIT_RESPONSE_POLICY_DECISION(d);
		WebKitURIResponse *resp = webkit_response_policy_decision_get_response(r);
		const char *mime = webkit_uri_response_get_mime_type(resp);
		gchar *origin = policy_uri(webkit_uri_response_get_uri(resp));
		int verdict = borneWebDecide((uintptr_t)h, BORNE_RESPONSE, origin, (char *)(mime ? mime : ""),
			webkit_response_policy_decision_is_main_frame_main_resource(r),
			webkit_response_policy_decision_is_mime_type_supported(r));
		g_free(origin);
		if (verdict == BORNE_DOWNLOAD) webkit_policy_decision_download(d);
		else if (verdict == BORNE_USE) webkit_policy_decision_use(d);
		else webkit_policy_decision_ignore(d);
		return TRUE;
	}
	default:
		webkit_policy_decision_ignore(d);
		return TRUE;
	}
}

// No context menu, ever.
static gboolean on_context_menu(WebKitWebView *v, WebKitContextMenu *m, GdkEvent *e, WebKitHitTestResult *hit, gpointer h) { return TRUE; }

// Every file request goes to Borne's picker, which must answer it.
static gboolean on_file_chooser(WebKitWebView *v, WebKitFileChooserRequest *req, gpointer h) {
	g_object_ref(req);
	const gchar *const *mimes = webkit_file_chooser_request_get_mime_types(req);
	GString *joined = g_string_new("");
	for (int i = 0; mimes && mimes[i]; i++) {
		if (i) g_string_append_c(joined, ',');
		g_string_append(joined, mimes[i]);
	}
	borneWebFileChooser((uintptr_t)h, req, joined->str, webkit_file_chooser_request_get_select_multiple(req));
	g_string_free(joined, TRUE);
	return TRUE;
}

void borne_web_file_choice(WebKitFileChooserRequest *req, const char *const *files) {
	if (files) webkit_file_chooser_request_select_files(req, files);
	else webkit_file_chooser_request_cancel(req);
	g_object_unref(req);
}

// window.print(): never a dialog; Go chooses where the PDF goes.
static void on_print_finished(WebKitPrintOperation *op, gpointer h) { borneWebPrintDone((uintptr_t)h, NULL); }
static void on_print_failed(WebKitPrintOperation *op, GError *err, gpointer h) { borneWebPrintDone((uintptr_t)h, err->message); }

static gboolean on_print(WebKitWebView *v, WebKitPrintOperation *op, gpointer h) {
	g_signal_connect(op, "failed", G_CALLBACK(on_print_failed), h);
	g_signal_connect(op, "finished", G_CALLBACK(on_print_finished), h);
	borneWebPrintRequested((uintptr_t)h, op);
	return TRUE;
}

void borne_web_print_to_pdf(WebKitPrintOperation *op, const char *uri) {
	GtkPrintSettings *s = gtk_print_settings_new();
	// GTK names its file printer in the process's language (LANGUAGE follows
	// the session, see prefs.go): ask for it by that name.
	gtk_print_settings_set_printer(s, g_dgettext("gtk30", "Print to File"));
	gtk_print_settings_set(s, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT, "pdf");
	gtk_print_settings_set(s, GTK_PRINT_SETTINGS_OUTPUT_URI, uri);
	webkit_print_operation_set_print_settings(op, s);
	GtkPageSetup *page = gtk_page_setup_new();
	GtkPaperSize *a4 = gtk_paper_size_new(GTK_PAPER_NAME_A4);
	gtk_page_setup_set_paper_size_and_default_margins(page, a4);
	webkit_print_operation_set_page_setup(op, page);
	gtk_paper_size_free(a4);
	g_object_unref(page);
	g_object_unref(s);
	webkit_print_operation_print(op);
}

static void on_web_process_terminated(WebKitWebView *v, WebKitWebProcessTerminationReason reason, gpointer h) {
	borneWebTerminated((uintptr_t)h, (int)reason);
}

static gboolean on_tls_errors(WebKitWebView *v, gchar *uri, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer h) {
	gchar *origin = policy_uri(uri);
	borneWebLoadFailed((uintptr_t)h, origin, 0, (char *)"tls", (char *)"certificate not trusted", TRUE);
	g_free(origin);
	return TRUE; // handled: never "proceed anyway"
}

static gboolean on_load_failed(WebKitWebView *v, WebKitLoadEvent ev, gchar *uri, GError *err, gpointer h) {
	if (g_error_matches(err, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED) ||
	    g_error_matches(err, WEBKIT_POLICY_ERROR, WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE))
		return FALSE; // our own refusals and downloads, not failures
	// Kept here for borne_web_retry: Go only gets the origin.
	g_object_set_data_full(G_OBJECT(v), "borne-failed-uri", g_strdup(uri), g_free);
	gchar *origin = policy_uri(uri);
	borneWebLoadFailed((uintptr_t)h, origin, err->code, (char *)g_quark_to_string(err->domain), err->message, FALSE);
	g_free(origin);
	return TRUE;
}

static void on_load_changed(WebKitWebView *v, WebKitLoadEvent ev, gpointer h) {
	if (ev != WEBKIT_LOAD_FINISHED) return;
	gchar *origin = policy_uri(webkit_web_view_get_uri(v));
	borneWebLoaded((uintptr_t)h, origin);
	g_free(origin);
}

static void on_script_message(WebKitUserContentManager *m, WebKitJavascriptResult *r, gpointer h) {
	JSCValue *val = webkit_javascript_result_get_js_value(r);
	char *json = jsc_value_to_json(val, 0);
	borneWebMessage((uintptr_t)h, json);
	g_free(json);
}

// Downloads land where Go says (the session directory) or nowhere.
static gboolean on_decide_destination(WebKitDownload *dl, gchar *suggested, gpointer h) {
	WebKitURIResponse *resp = webkit_download_get_response(dl);
	const char *mime = resp ? webkit_uri_response_get_mime_type(resp) : "";
	char *dest = borneWebDownloadDest((uintptr_t)h, suggested, (char *)(mime ? mime : ""));
	if (dest == NULL) {
		webkit_download_cancel(dl);
		return TRUE;
	}
	gchar *uri = g_filename_to_uri(dest, NULL, NULL);
	webkit_download_set_destination(dl, uri);
	g_free(uri);
	free(dest);
	return TRUE;
}

static void on_download_finished(WebKitDownload *dl, gpointer h) {
	if (g_object_get_data(G_OBJECT(dl), "borne-failed")) return; // "finished" follows "failed" too
	const char *dest = webkit_download_get_destination(dl);
	gchar *path = dest ? g_filename_from_uri(dest, NULL, NULL) : NULL;
	borneWebDownloadDone((uintptr_t)h, path, NULL);
	g_free(path);
}

static void on_download_failed(WebKitDownload *dl, GError *err, gpointer h) {
	g_object_set_data(G_OBJECT(dl), "borne-failed", GINT_TO_POINTER(1));
	if (!g_error_matches(err, WEBKIT_DOWNLOAD_ERROR, WEBKIT_DOWNLOAD_ERROR_CANCELLED_BY_USER))
		borneWebDownloadDone((uintptr_t)h, NULL, err->message);
}

static void on_download_started(WebKitWebContext *ctx, WebKitDownload *dl, gpointer h) {
	g_signal_connect(dl, "decide-destination", G_CALLBACK(on_decide_destination), h);
	g_signal_connect(dl, "finished", G_CALLBACK(on_download_finished), h);
	g_signal_connect(dl, "failed", G_CALLBACK(on_download_failed), h);
}

// A new view with its own ephemeral context: cookies, storage, cache, HTTP
// auth and history exist only in memory and die with the view.
GtkWidget *borne_web_new(uintptr_t h, const char *user_script) {
	WebKitWebContext *ctx = webkit_web_context_new_ephemeral();
	webkit_web_context_set_cache_model(ctx, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
	g_signal_connect(ctx, "download-started", G_CALLBACK(on_download_started), (gpointer)h);

	WebKitUserContentManager *ucm = webkit_user_content_manager_new();
	webkit_user_content_manager_register_script_message_handler(ucm, "borne");
	g_signal_connect(ucm, "script-message-received::borne", G_CALLBACK(on_script_message), (gpointer)h);
	if (user_script && *user_script) {
		WebKitUserScript *us = webkit_user_script_new(user_script, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
			WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START, NULL, NULL);
		webkit_user_content_manager_add_script(ucm, us);
		webkit_user_script_unref(us);
	}

	WebKitSettings *s = webkit_settings_new();
	webkit_settings_set_enable_developer_extras(s, FALSE);
	webkit_settings_set_javascript_can_open_windows_automatically(s, FALSE);
	webkit_settings_set_javascript_can_access_clipboard(s, FALSE);
	webkit_settings_set_enable_page_cache(s, FALSE);
	webkit_settings_set_enable_back_forward_navigation_gestures(s, FALSE);
	webkit_settings_set_hardware_acceleration_policy(s, WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER);
	webkit_settings_set_default_charset(s, "utf-8");
	webkit_settings_set_default_font_size(s, 20);

	GtkWidget *view = GTK_WIDGET(g_object_new(WEBKIT_TYPE_WEB_VIEW, "web-context", ctx, "user-content-manager", ucm, "settings", s, NULL));
	g_object_unref(ctx);
	g_object_unref(ucm);
	g_object_unref(s);

	g_signal_connect(view, "decide-policy", G_CALLBACK(on_decide_policy), (gpointer)h);
	g_signal_connect(view, "context-menu", G_CALLBACK(on_context_menu), (gpointer)h);
	g_signal_connect(view, "run-file-chooser", G_CALLBACK(on_file_chooser), (gpointer)h);
	g_signal_connect(view, "print", G_CALLBACK(on_print), (gpointer)h);
	g_signal_connect(view, "web-process-terminated", G_CALLBACK(on_web_process_terminated), (gpointer)h);
	g_signal_connect(view, "load-failed-with-tls-errors", G_CALLBACK(on_tls_errors), (gpointer)h);
	g_signal_connect(view, "load-failed", G_CALLBACK(on_load_failed), (gpointer)h);
	g_signal_connect(view, "load-changed", G_CALLBACK(on_load_changed), (gpointer)h);
	gtk_drag_dest_unset(view); // no dropping files onto pages
	return view;
}

void borne_web_load(GtkWidget *view, const char *uri) { webkit_web_view_load_uri(WEBKIT_WEB_VIEW(view), uri); }
void borne_web_reload(GtkWidget *view) { webkit_web_view_reload(WEBKIT_WEB_VIEW(view)); }
void borne_web_retry(GtkWidget *view) {
	const char *uri = g_object_get_data(G_OBJECT(view), "borne-failed-uri");
	if (uri) webkit_web_view_load_uri(WEBKIT_WEB_VIEW(view), uri);
}
void borne_web_go_back(GtkWidget *view) { webkit_web_view_go_back(WEBKIT_WEB_VIEW(view)); }
void borne_web_terminate(GtkWidget *view) { webkit_web_view_terminate_web_process(WEBKIT_WEB_VIEW(view)); }
gboolean borne_web_is_ephemeral(GtkWidget *view) { return webkit_web_view_is_ephemeral(WEBKIT_WEB_VIEW(view)); }

typedef struct { uintptr_t h, id; } eval_call;

static void on_eval_done(GObject *src, GAsyncResult *res, gpointer data) {
	eval_call *c = data;
	GError *err = NULL;
	JSCValue *val = webkit_web_view_evaluate_javascript_finish(WEBKIT_WEB_VIEW(src), res, &err);
	if (val == NULL) {
		borneWebEvalDone(c->h, c->id, NULL, err->message);
		g_error_free(err);
	} else {
		char *json = jsc_value_to_json(val, 0);
		borneWebEvalDone(c->h, c->id, json ? json : (char *)"null", NULL);
		g_free(json);
		g_object_unref(val);
	}
	g_free(c);
}

void borne_web_eval(GtkWidget *view, const char *script, uintptr_t h, uintptr_t id) {
	eval_call *c = g_new(eval_call, 1);
	c->h = h;
	c->id = id;
	webkit_web_view_evaluate_javascript(WEBKIT_WEB_VIEW(view), script, -1, NULL, NULL, NULL, on_eval_done, c);
}
