package selftest

import (
	"image"
	"image/color"
	"testing"
)

func TestCheckImage(t *testing.T) {
	grid := func(w, h int) *image.Gray {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Pix[y*w+x] = byte(255 * ((x/20 + y/20) % 2))
			}
		}
		return img
	}
	// A letter: white margins (constant columns, like their neighbours)
	// and grey lines of text.
	letter := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range letter.Pix {
		letter.Pix[i] = 250
	}
	for y := 40; y < 360; y += 12 {
		for x := 30; x < 270; x++ {
			if x%7 != 0 {
				letter.SetGray(x, y, color.Gray{40})
			}
		}
	}
	stuckCol := grid(300, 400)
	for y := range 400 {
		stuckCol.SetGray(150, y, color.Gray{128})
	}
	stuckRow := grid(300, 400)
	for x := range 300 {
		stuckRow.SetGray(x, 201, color.Gray{128})
	}
	flat := image.NewGray(image.Rect(0, 0, 300, 400))
	for _, tc := range []struct {
		name         string
		img          image.Image
		wantW, wantH int
		code         string
	}{
		{"grid", grid(300, 400), 300, 400, ""},
		{"letter, size unknown", letter, 0, 0, ""},
		{"black", flat, 0, 0, "blank-image"},
		{"stuck column", stuckCol, 0, 0, "stuck-stripe"},
		{"stuck row", stuckRow, 0, 0, "stuck-stripe"},
		{"wrong size", grid(300, 400), 600, 800, "wrong-size"},
		{"nothing", image.NewGray(image.Rect(0, 0, 0, 0)), 0, 0, "empty-image"},
	} {
		if c := CheckImage(tc.img, 150, tc.wantW, tc.wantH); c.Code != tc.code {
			t.Errorf("%s: %q (%s), want %q", tc.name, c.Code, c.Detail, tc.code)
		}
	}
}
