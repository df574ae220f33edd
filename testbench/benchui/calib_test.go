package benchui

import (
	"math"
	"strings"
	"testing"
)

func TestFitRecoversDistortion(t *testing.T) {
	tests := []struct {
		name        string
		distortion  Matrix
		orientation string
	}{
		{"perfect", Identity, "none"},
		{"offset", Offset(0.02, -0.015), "none"},
		{"scale", Scale(0.9, 1.05), "none"},
		{"sheared and offset", Matrix{1.02, 0.03, -0.01, -0.02, 0.97, 0.02}, "none"},
		{"turned 90° clockwise", orientations[1].Matrix, "270° clockwise"},
		{"turned 180°", orientations[2].Matrix, "180°"},
		{"axes swapped and offset", orientations[6].Matrix.Then(Offset(0.01, 0.01)), "axes swapped"},
		{"x mirrored", orientations[4].Matrix, "x axis mirrored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var landed, aimed []Point
			for _, tg := range targets {
				aimed = append(aimed, tg.at)
				landed = append(landed, tt.distortion.Apply(tg.at))
			}
			c, err := Fit(landed, aimed)
			if err != nil {
				t.Fatal(err)
			}
			if d := tt.distortion.Then(c).MaxDiff(Identity); d > 1e-9 {
				t.Errorf("correction %v does not undo %v (off by %g)", c, tt.distortion, d)
			}
			if inv, _ := tt.distortion.Inverse(); inv.MaxDiff(c) > 1e-9 {
				t.Errorf("correction %v, want the inverse %v", c, inv)
			}
			if o := OrientationOf(c); o.Name != tt.orientation {
				t.Errorf("orientation %q, want %q", o.Name, tt.orientation)
			}
		})
	}
}

func TestFitNeedsThreePointsOffALine(t *testing.T) {
	for _, pts := range [][]Point{
		{{0.1, 0.1}, {0.9, 0.9}},
		{{0.1, 0.1}, {0.5, 0.5}, {0.9, 0.9}},
	} {
		if _, err := Fit(pts, pts); err == nil {
			t.Errorf("Fit(%v) found a matrix", pts)
		}
	}
}

// The orientation matrices are the ones libinput documents for rotations,
// and each maps the screen onto itself.
func TestOrientationsKeepTheScreen(t *testing.T) {
	for _, o := range orientations {
		for _, corner := range []Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			p := o.Matrix.Apply(corner)
			if (math.Abs(p.X) > 1e-12 && math.Abs(p.X-1) > 1e-12) || (math.Abs(p.Y) > 1e-12 && math.Abs(p.Y-1) > 1e-12) {
				t.Errorf("%s maps corner %v to %v", o.Name, corner, p)
			}
		}
	}
	if got := orientations[1].Matrix.String(); got != "0 -1 1 1 0 0" {
		t.Errorf("90° clockwise is %q, libinput's is \"0 -1 1 1 0 0\"", got)
	}
}

func TestCommands(t *testing.T) {
	m := Matrix{1.02, 0, -0.0125, 0, 0.98, 0.01}
	if got, want := m.XinputCommand("ILITEK Touch"), `xinput set-prop "ILITEK Touch" "libinput Calibration Matrix" 1.02, 0, -0.0125, 0, 0.98, 0.01, 0, 0, 1`; got != want {
		t.Errorf("xinput:\n got %s\nwant %s", got, want)
	}
	if got := m.UdevRule(); !strings.HasSuffix(got, `ENV{LIBINPUT_CALIBRATION_MATRIX}="1.02 0 -0.0125 0 0.98 0.01"`) {
		t.Errorf("udev: %s", got)
	}
}

// Inverse undoes m; false when m flattens the plane.
func (m Matrix) Inverse() (Matrix, bool) {
	det := m[0]*m[4] - m[1]*m[3]
	if math.Abs(det) < 1e-12 {
		return Matrix{}, false
	}
	a, b, d, e := m[4]/det, -m[1]/det, -m[3]/det, m[0]/det
	return Matrix{a, b, -(a*m[2] + b*m[5]), d, e, -(d*m[2] + e*m[5])}, true
}

// MaxDiff is the largest difference between two matrices' coefficients.
func (m Matrix) MaxDiff(n Matrix) float64 {
	d := 0.0
	for i := range m {
		d = max(d, math.Abs(m[i]-n[i]))
	}
	return d
}
