package shrink

import (
	"slices"
	"testing"
)

// TestFitJPEG: the quality chosen for a picture is the lowest that keeps
// its drawn parts as alike to the scan as asked: the next one down is not.
// A card's text needs more than a smooth photo.
func TestFitJPEG(t *testing.T) {
	tests := []struct {
		file    string
		minSSIM float64
	}{
		{"idcard-front.jpg", keepSSIM},
		{"idcard-back.jpg", keepSSIM},
		{"idcard-front.jpg", floorSSIM},
		{"photo-print.jpg", keepSSIM},
	}
	chosen := map[string]int{}
	for _, tt := range tests {
		c, err := findCutout(Page{Path: hard + tt.file}, 300)
		if err != nil {
			t.Fatal(err)
		}
		q, enc, err := fitJPEG(c.p, c.dpi, tt.minSSIM)
		if err != nil {
			t.Fatal(err)
		}
		ssimAt := func(q int) float64 {
			data, err := encodeJPEG(c.p, q, c.dpi)
			if err != nil {
				t.Fatal(err)
			}
			d, _, err := decodeJPEG(data)
			if err != nil {
				t.Fatal(err)
			}
			return busySSIM(c.p.y, d.y)
		}
		d, _, err := decodeJPEG(enc)
		if err != nil || !d.colour() {
			t.Fatalf("%s: the JPEG written: %v, colour %v", tt.file, err, err == nil && d.colour())
		}
		if got := busySSIM(c.p.y, d.y); got < tt.minSSIM {
			t.Errorf("%s q%d: SSIM %.4f, want ≥ %.4f", tt.file, q, got, tt.minSSIM)
		}
		if i := slices.Index(jpegQualities, q); i+1 < len(jpegQualities) {
			if below := ssimAt(jpegQualities[i+1]); below >= tt.minSSIM {
				t.Errorf("%s: q%d chosen, but q%d keeps SSIM %.4f ≥ %.4f", tt.file, q, jpegQualities[i+1], below, tt.minSSIM)
			}
		}
		t.Logf("%s at SSIM ≥ %.3f: q%d, %d bytes", tt.file, tt.minSSIM, q, len(enc))
		if tt.minSSIM == keepSSIM {
			chosen[tt.file] = q
		}
	}
	if chosen["photo-print.jpg"] >= chosen["idcard-front.jpg"] {
		t.Errorf("photo q%d, card q%d: the card's text should need more", chosen["photo-print.jpg"], chosen["idcard-front.jpg"])
	}
}

// TestBusySSIM: alike is 1, flat blocks do not count, a damaged stroke does.
func TestBusySSIM(t *testing.T) {
	flat := newPlane(64, 64, 200)
	strokes := newPlane(64, 64, 230)
	for y := range 64 {
		for x := 10; x < 13; x++ {
			strokes.row(y)[x], strokes.row(y)[x+30] = 20, 20
		}
	}
	smeared := newPlane(64, 64, 230)
	copy(smeared.pix, strokes.pix)
	for y := range 64 {
		smeared.row(y)[9], smeared.row(y)[10], smeared.row(y)[12], smeared.row(y)[13] = 120, 120, 120, 120
	}
	grey := newPlane(64, 64, 180)
	tests := []struct {
		name     string
		ref, got plane
		lo, hi   float64
	}{
		{"same strokes", strokes, strokes, 1, 1},
		{"flat only", flat, grey, 1, 1},
		{"a stroke smeared", strokes, smeared, 0.5, 0.95},
	}
	for _, tt := range tests {
		if s := busySSIM(tt.ref, tt.got); s < tt.lo-1e-9 || s > tt.hi+1e-9 {
			t.Errorf("%s: %.4f, want in [%.2f, %.2f]", tt.name, s, tt.lo, tt.hi)
		}
	}
}
