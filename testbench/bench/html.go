package bench

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"measure": formatMeasure,
	"image":   func(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".png") },
	"ms":      func(st Step) string { return seconds(st.Duration) },
}).Parse(htmlSource))

// WriteHTML writes the report for a technician: the verdict per device
// first, then each suite's steps with their figures and evidence (scans,
// tickets and pictures shown, other files linked).
func (r *Report) WriteHTML(w io.Writer) error {
	return htmlReport.Execute(w, struct {
		*Report
		Devices []DeviceVerdict
	}{r, r.Devices()})
}
