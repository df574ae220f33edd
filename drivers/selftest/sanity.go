package selftest

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// ImageCheck is what the sanity check of a scan found.
type ImageCheck struct {
	Mean, StdDev float64 // of the luminance, 0–255
	Code, Detail string  // "" when the image is sane
}

// CheckImage tells whether a scan looks like a scan: not one flat level
// (lamp off, cover open on nothing, a backend sending zeros), no stuck
// stripe (a column or row of one level across the whole page that stands
// out from its neighbours: a dead sensor element, a feed that stalled),
// and the size the resolution and area make (want 0: unknown).
func CheckImage(img image.Image, dpi int, wantW, wantH int) ImageCheck {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return ImageCheck{Code: "empty-image", Detail: "the scanner sent no pixels"}
	}
	var c ImageCheck
	if wantW > 0 && wantH > 0 && (!near(w, wantW) || !near(h, wantH)) {
		c.Code, c.Detail = "wrong-size", fmt.Sprintf("%d×%d px at %d dpi, want %d×%d (±2%%)", w, h, dpi, wantW, wantH)
		return c
	}
	lum := func(x, y int) float64 {
		return float64(color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y)
	}
	// A sample grid keeps a 600-dpi page quick; stripes are checked on
	// every column and row with a sample of their pixels.
	const grid = 200
	var sum, sq float64
	n := 0
	for y := 0; y < h; y += max(1, h/grid) {
		for x := 0; x < w; x += max(1, w/grid) {
			v := lum(x, y)
			sum += v
			sq += v * v
			n++
		}
	}
	c.Mean = sum / float64(n)
	c.StdDev = math.Sqrt(max(0, sq/float64(n)-c.Mean*c.Mean))
	if c.StdDev < 2 {
		c.Code, c.Detail = "blank-image", fmt.Sprintf("one flat level everywhere (mean %.0f, deviation %.1f)", c.Mean, c.StdDev)
		return c
	}
	if at, v, ok := stripe(w, h, func(i, j int) float64 { return lum(i, j) }); ok {
		c.Code, c.Detail = "stuck-stripe", fmt.Sprintf("column %d is %.0f from top to bottom, unlike its neighbours", at, v)
	} else if at, v, ok := stripe(h, w, func(i, j int) float64 { return lum(j, i) }); ok {
		c.Code, c.Detail = "stuck-stripe", fmt.Sprintf("row %d is %.0f from edge to edge, unlike its neighbours", at, v)
	}
	return c
}

// stripe looks for a line i (of n, each of length m, read with at(i, j))
// away from the edges that has one level along its length, differing by
// more than a quarter of the range, pixel by pixel, from the lines on
// both sides.
func stripe(n, m int, at func(i, j int) float64) (int, float64, bool) {
	const samples = 64
	margin := max(2, n/50) // page edges and the lid's shadow are often straight lines
	level := func(i int) (float64, bool) {
		first := at(i, 0)
		mean := 0.0
		k := 0
		for j := 0; j < m; j += max(1, m/samples) {
			v := at(i, j)
			if math.Abs(v-first) > 3 {
				return 0, false
			}
			mean += v
			k++
		}
		return mean / float64(k), true
	}
	// apart is the mean difference, pixel by pixel, between line i and k.
	apart := func(i, k int) float64 {
		s, n := 0.0, 0
		for j := 0; j < m; j += max(1, m/samples) {
			s += math.Abs(at(i, j) - at(k, j))
			n++
		}
		return s / float64(n)
	}
	for i := margin; i < n-margin; i++ {
		v, flat := level(i)
		if flat && apart(i, i-2) > 64 && apart(i, i+2) > 64 {
			return i, v, true
		}
	}
	return 0, 0, false
}

// near tells whether got is within 2 % (and a pixel) of want.
func near(got, want int) bool {
	return math.Abs(float64(got-want)) <= 1+0.02*float64(want)
}
