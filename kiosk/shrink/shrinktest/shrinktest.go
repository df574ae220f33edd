// Package shrinktest draws test pages and checks the PDFs written from them,
// for the tests of the shrink engine and of the tray that keeps its pages.
package shrinktest

import (
	"bytes"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"testing"
)

// TextPage draws an A4 page at dpi: paper of the given grey, a coloured
// letterhead block, and rows of dark "words" (bars of several heights, so
// that they look like letters to the analysis).
func TextPage(dpi int, paper uint8, ink color.RGBA) *image.RGBA {
	mm := func(v float64) int { return int(v * float64(dpi) / 25.4) }
	img := image.NewRGBA(image.Rect(0, 0, mm(210), mm(297)))
	Fill(img, img.Bounds(), color.RGBA{paper, paper, paper - 8, 255})
	Fill(img, image.Rect(mm(20), mm(15), mm(50), mm(30)), color.RGBA{20, 40, 140, 255})
	for line := range 25 {
		y := mm(45 + 8*float64(line))
		for word := range 9 {
			x := mm(20 + 19*float64(word))
			for letter := range 5 {
				lx := x + letter*mm(3)
				h := mm(2.5)
				if letter%2 == 1 {
					h = mm(3.5)
				}
				Fill(img, image.Rect(lx, y+mm(3.5)-h, lx+mm(1.8), y+mm(3.5)), ink)
			}
		}
	}
	return img
}

// Fill paints r of img in c.
func Fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// CheckPDF runs qpdf --check on a PDF.
func CheckPDF(t testing.TB, path string) {
	t.Helper()
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors found")) {
		t.Fatalf("qpdf --check %s: %v\n%s", filepath.Base(path), err, out)
	}
}
