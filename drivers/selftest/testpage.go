package selftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// TestPage writes the A4 printer's test page as a PDF: alignment marks
// 10 mm from each edge and a cross in the centre (a page printed off
// centre, skewed or cropped shows it), a grey ramp in eleven steps (toner,
// banding, the darkest and lightest greys told apart), and text from 6 to
// 24 points. Drawn with pdfcpu's page description.
func TestPage(w io.Writer, title string) error {
	const (
		pageW, pageH = 595.0, 842.0 // A4 in points
		mm           = 72 / 25.4
	)
	var boxes []map[string]any
	var texts []map[string]any
	box := func(x, y, w, h float64, fill string) {
		boxes = append(boxes, map[string]any{"pos": []float64{x, y}, "width": w, "height": h, "fillCol": fill})
	}
	text := func(x, y float64, size int, s string) {
		texts = append(texts, map[string]any{"pos": []float64{x, y}, "value": s, "font": map[string]any{"name": "Helvetica", "size": size}})
	}
	// Corner marks: an L of two bars 10 mm long, 10 mm in from each edge.
	for _, c := range [][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		x := 10*mm + c[0]*(pageW-40*mm)
		y := 10*mm + c[1]*(pageH-40*mm)
		box(x, y+c[1]*19.5*mm, 20*mm, 0.5*mm, "#000000")
		box(x+c[0]*19.5*mm, y, 0.5*mm, 20*mm, "#000000")
	}
	box(pageW/2-10*mm, pageH/2, 20*mm, 0.3*mm, "#000000")
	box(pageW/2, pageH/2-10*mm, 0.3*mm, 20*mm, "#000000")
	// The grey ramp, 0 % to 100 % black in 10 % steps.
	for i := range 11 {
		v := 255 - i*255/10
		box(30*mm+float64(i)*13*mm, 200*mm, 13*mm, 20*mm, fmt.Sprintf("#%02X%02X%02X", v, v, v))
		text(31*mm+float64(i)*13*mm, 195*mm, 7, fmt.Sprint(i*10))
	}
	text(30*mm, 190*mm, 7, "black, per cent")
	text(30*mm, 250*mm, 16, title)
	y := 130 * mm
	for _, size := range []int{6, 8, 10, 12, 16, 24} {
		text(30*mm, y, size, fmt.Sprintf("%d pt — Démarches en ligne : àâçéèêëîïôûù €", size))
		y -= float64(size)*1.6 + 4
	}
	desc := map[string]any{
		"paper":  "A4P",
		"origin": "LowerLeft",
		"pages":  map[string]any{"1": map[string]any{"content": map[string]any{"box": boxes, "text": texts}}},
	}
	js, err := json.Marshal(desc)
	if err != nil {
		return fmt.Errorf("test page: %w", err)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.Create(nil, bytes.NewReader(js), w, conf); err != nil {
		return fmt.Errorf("test page: %w", err)
	}
	return nil
}

// WriteTestPage writes the test page into the file path.
func WriteTestPage(path, title string) error {
	var b bytes.Buffer
	if err := TestPage(&b, title); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("test page: %w", err)
	}
	return nil
}
