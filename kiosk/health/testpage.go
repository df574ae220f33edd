package health

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"borne/kiosk/atomicfile"
)

// TestPageFont draws the test page's text.
const TestPageFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// testPageDPI: fine enough to show 6 pt text, small enough to print fast.
const testPageDPI = 150

// WriteTestPage writes the A4 page staff print to check the printer:
// alignment marks 10 mm inside each edge (a mark cut off means the paper
// or the margins are off), an 11-step grey ramp (steps that merge mean
// toner or ink is low) and text from 6 to 24 pt.
func WriteTestPage(path, kioskID string, now time.Time) error {
	mm := func(v float64) int { return int(v * testPageDPI / 25.4) }
	w, h := mm(210), mm(297)
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	fill := func(r image.Rectangle, g uint8) {
		draw.Draw(img, r, &image.Uniform{color.Gray{Y: g}}, image.Point{}, draw.Src)
	}
	// Corner marks: an L of 15 mm, 1 mm thick, 10 mm from the edges.
	for _, c := range []struct{ x, y, dx, dy int }{{mm(10), mm(10), 1, 1}, {w - mm(10), mm(10), -1, 1}, {mm(10), h - mm(10), 1, -1}, {w - mm(10), h - mm(10), -1, -1}} {
		fill(image.Rect(c.x, c.y, c.x+c.dx*mm(15), c.y+c.dy*mm(1)).Canon(), 0)
		fill(image.Rect(c.x, c.y, c.x+c.dx*mm(1), c.y+c.dy*mm(15)).Canon(), 0)
	}
	// Grey ramp: 0 %, 10 % … 100 % black.
	step := (w - 2*mm(20)) / 11
	for i := range 11 {
		x := mm(20) + i*step
		fill(image.Rect(x, mm(60), x+step, mm(90)), uint8(255-i*255/10))
	}
	fill(image.Rect(mm(20), mm(60), mm(20)+11*step, mm(60)+1), 0)
	fill(image.Rect(mm(20), mm(90)-1, mm(20)+11*step, mm(90)), 0)

	data, err := os.ReadFile(TestPageFont)
	if err != nil {
		return fmt.Errorf("test page: font: %w", err)
	}
	ttf, err := opentype.Parse(data)
	if err != nil {
		return fmt.Errorf("test page: font %s: %w", TestPageFont, err)
	}
	y := mm(30)
	write := func(pt float64, text string) error {
		face, err := opentype.NewFace(ttf, &opentype.FaceOptions{Size: pt, DPI: testPageDPI, Hinting: font.HintingFull})
		if err != nil {
			return fmt.Errorf("test page: font face: %w", err)
		}
		defer face.Close()
		y += face.Metrics().Height.Ceil()
		d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(mm(20), y)}
		d.DrawString(text)
		return nil
	}
	if err := write(20, "Borne — page de test"); err != nil {
		return err
	}
	if err := write(10, fmt.Sprintf("Borne %s, %s", kioskID, now.Format("02/01/2006 15:04"))); err != nil {
		return err
	}
	y = mm(100)
	for _, pt := range []float64{6, 8, 10, 12, 16, 24} {
		if err := write(pt, fmt.Sprintf("%g pt — Aa Éé Çç àèù ôï € 0123456789", pt)); err != nil {
			return err
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		return fmt.Errorf("test page: %w", err)
	}
	imp, err := pdfcpu.ParseImportDetails("papersize:A4, position:c, scalefactor:1.0", types.POINTS)
	if err != nil {
		return fmt.Errorf("test page: %w", err)
	}
	var pdf bytes.Buffer
	if err := api.ImportImages(nil, &pdf, []io.Reader{&pngData}, imp, nil); err != nil {
		return fmt.Errorf("test page: PDF: %w", err)
	}
	return atomicfile.WriteFile(path, pdf.Bytes(), 0o644)
}
