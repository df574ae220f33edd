package benchui

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Point is a position in normalised screen coordinates: (0,0) is the
// top-left corner of the screen, (1,1) the bottom-right one. libinput's
// calibration matrix works in the same space.
type Point struct{ X, Y float64 }

// Matrix is an affine map of normalised coordinates in libinput's
// "Calibration Matrix" form: the top two rows [a b c; d e f] of the 3×3
// matrix whose last row is [0 0 1], so x' = a·x + b·y + c, y' = d·x + e·y + f.
type Matrix [6]float64

// Identity leaves coordinates as they are.
var Identity = Matrix{1, 0, 0, 0, 1, 0}

// Apply maps a point.
func (m Matrix) Apply(p Point) Point {
	return Point{m[0]*p.X + m[1]*p.Y + m[2], m[3]*p.X + m[4]*p.Y + m[5]}
}

// Then is m followed by n.
func (m Matrix) Then(n Matrix) Matrix {
	return Matrix{
		n[0]*m[0] + n[1]*m[3], n[0]*m[1] + n[1]*m[4], n[0]*m[2] + n[1]*m[5] + n[2],
		n[3]*m[0] + n[4]*m[3], n[3]*m[1] + n[4]*m[4], n[3]*m[2] + n[4]*m[5] + n[5],
	}
}

// Offset moves by (dx, dy) in normalised units.
func Offset(dx, dy float64) Matrix { return Matrix{1, 0, dx, 0, 1, dy} }

// Scale scales about the centre of the screen.
func Scale(sx, sy float64) Matrix { return Matrix{sx, 0, 0.5 - 0.5*sx, 0, sy, 0.5 - 0.5*sy} }

// String is the six coefficients as libinput reads them.
func (m Matrix) String() string {
	s := make([]string, len(m))
	for i, v := range m {
		s[i] = trimFloat(v)
	}
	return strings.Join(s, " ")
}

func trimFloat(v float64) string {
	if math.Abs(v) < 5e-7 {
		v = 0 // no "-0"
	}
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", v), "0"), ".")
	return s
}

// XinputCommand applies m to a running X session (until the device is
// unplugged or the session restarts).
func (m Matrix) XinputCommand(device string) string {
	return fmt.Sprintf("xinput set-prop %q \"libinput Calibration Matrix\" %s", device, strings.ReplaceAll(m.String(), " ", ", ")+", 0, 0, 1")
}

// UdevRule applies m for good: libinput reads LIBINPUT_CALIBRATION_MATRIX
// from udev when the device appears (e.g. /etc/udev/rules.d/99-borne-touch.rules).
func (m Matrix) UdevRule() string {
	return fmt.Sprintf(`ACTION=="add|change", KERNEL=="event[0-9]*", ENV{ID_INPUT_TOUCHSCREEN}=="1", ENV{LIBINPUT_CALIBRATION_MATRIX}="%s"`, m)
}

// errTooFewPoints: an affine fit needs three taps not on one line.
var errTooFewPoints = errors.New("calibration: fewer than three taps not on one line")

// Fit finds the least-squares affine correction taking each point where a
// tap landed to the target it was aimed at: the calibration matrix to apply
// on top of the device's current one.
func Fit(landed, targets []Point) (Matrix, error) {
	if len(landed) != len(targets) || len(landed) < 3 {
		return Matrix{}, errTooFewPoints
	}
	// Normal equations AᵀA·x = Aᵀb, A's rows being [x y 1]; the same AᵀA
	// serves both output coordinates.
	var ata [3][3]float64
	var atx, aty [3]float64
	for i, q := range landed {
		row := [3]float64{q.X, q.Y, 1}
		for r := range 3 {
			for c := range 3 {
				ata[r][c] += row[r] * row[c]
			}
			atx[r] += row[r] * targets[i].X
			aty[r] += row[r] * targets[i].Y
		}
	}
	x, ok := solve3(ata, atx)
	if !ok {
		return Matrix{}, errTooFewPoints
	}
	y, _ := solve3(ata, aty)
	return Matrix{x[0], x[1], x[2], y[0], y[1], y[2]}, nil
}

// solve3 solves a 3×3 system by Cramer's rule; false when singular.
func solve3(a [3][3]float64, b [3]float64) ([3]float64, bool) {
	det := det3(a)
	if math.Abs(det) < 1e-9 {
		return [3]float64{}, false
	}
	var x [3]float64
	for c := range 3 {
		m := a
		for r := range 3 {
			m[r][c] = b[r]
		}
		x[c] = det3(m) / det
	}
	return x, true
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// Orientation is one of the eight ways a panel's axes can sit on the
// screen's: turned by a quarter, mirrored, or swapped.
type Orientation struct {
	Name   string
	Matrix Matrix // libinput's matrix that turns the touches back
}

// orientations are the signed permutations of the axes, about the centre;
// the rotations carry the names and matrices libinput's documentation uses.
var orientations = []Orientation{
	{"none", Identity},
	{"90° clockwise", Matrix{0, -1, 1, 1, 0, 0}},
	{"180°", Matrix{-1, 0, 1, 0, -1, 1}},
	{"270° clockwise", Matrix{0, 1, 0, -1, 0, 1}},
	{"x axis mirrored", Matrix{-1, 0, 1, 0, 1, 0}},
	{"y axis mirrored", Matrix{1, 0, 0, 0, -1, 1}},
	{"axes swapped", Matrix{0, 1, 0, 1, 0, 0}},
	{"axes swapped and mirrored", Matrix{0, -1, 1, -1, 0, 1}},
}

// OrientationOf names the quarter turn or mirroring closest to a correction
// (the one whose linear part agrees best with the correction's), so a
// rotated panel is told apart from one that is merely off.
func OrientationOf(correction Matrix) Orientation {
	best, score := orientations[0], math.Inf(-1)
	for _, o := range orientations {
		s := o.Matrix[0]*correction[0] + o.Matrix[1]*correction[1] + o.Matrix[3]*correction[3] + o.Matrix[4]*correction[4]
		if s > score {
			best, score = o, s
		}
	}
	return best
}
