// A thin C layer over webkit2gtk-4.1: only what Borne needs. Every decision
// is made in Go (web.go); this file only wires signals to it.
#ifndef BORNE_WEB_SHIM_H
#define BORNE_WEB_SHIM_H

#include <stdint.h>
#include <webkit2/webkit2.h>

// Answers of borneWebDecide.
enum { BORNE_IGNORE = 0, BORNE_USE = 1, BORNE_DOWNLOAD = 2 };
// What borneWebDecide is asked about.
enum { BORNE_NAVIGATION = 0, BORNE_NEW_WINDOW = 1, BORNE_RESPONSE = 2 };

GtkWidget *borne_web_new(uintptr_t handle, const char *user_script);
void borne_web_load(GtkWidget *view, const char *uri);
void borne_web_reload(GtkWidget *view);
void borne_web_retry(GtkWidget *view);
void borne_web_go_back(GtkWidget *view);
void borne_web_eval(GtkWidget *view, const char *script, uintptr_t handle, uintptr_t id);
void borne_web_terminate(GtkWidget *view);
void borne_web_file_choice(WebKitFileChooserRequest *req, const char *const *files);
void borne_web_print_to_pdf(WebKitPrintOperation *op, const char *uri);
gboolean borne_web_is_ephemeral(GtkWidget *view);

#endif
