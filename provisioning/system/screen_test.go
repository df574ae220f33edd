package system

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// pictureToPanel is where a point of the upright picture (0..1, x right, y
// down) appears in the panel's own frame, the frame its touch layer reports
// in, after turns quarter turns of wl_output's transform (each 90 degrees
// counter-clockwise, compensating a panel turned clockwise): cage -r.
func pictureToPanel(x, y float64, turns int) (float64, float64) {
	for range turns {
		x, y = y, 1-x
	}
	return x, y
}

func TestTouchMatrixFollowsThePicture(t *testing.T) {
	points := [][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0.25, 0.1}, {0.9, 0.6}}
	for _, deg := range []int{0, 90, 180, 270} {
		m, err := TouchMatrix(deg)
		if err != nil {
			t.Fatal(err)
		}
		var c [6]float64
		for i, f := range strings.Fields(m) {
			c[i], _ = strconv.ParseFloat(f, 64)
		}
		for _, p := range points {
			// The finger presses where the picture's point p is shown.
			u, v := pictureToPanel(p[0], p[1], deg/90)
			x, y := c[0]*u+c[1]*v+c[2], c[3]*u+c[4]*v+c[5]
			if fmt.Sprintf("%.3f %.3f", x, y) != fmt.Sprintf("%.3f %.3f", p[0], p[1]) {
				t.Errorf("rotation %d: a tap on picture point %v lands at %.3f,%.3f", deg, p, x, y)
			}
		}
	}
}

func TestScreenFiles(t *testing.T) {
	for _, tc := range []struct {
		deg       int
		env, rule string
	}{
		{0, `CAGE_ROTATION=""`, ""},
		{90, `CAGE_ROTATION="-r"`, `ENV{LIBINPUT_CALIBRATION_MATRIX}="0 -1 1 1 0 0"`},
		{270, `CAGE_ROTATION="-r -r -r"`, `ENV{LIBINPUT_CALIBRATION_MATRIX}="0 1 0 -1 0 1"`},
	} {
		env, rule, err := ScreenFiles(tc.deg)
		if err != nil || !strings.Contains(string(env), tc.env+"\n") || !strings.Contains(string(rule), tc.rule) || (tc.rule == "") != (rule == nil) {
			t.Errorf("rotation %d: %v\n%s\n%s", tc.deg, err, env, rule)
		}
	}
	for _, bad := range []int{45, -90, 360} {
		if _, _, err := ScreenFiles(bad); err == nil {
			t.Errorf("rotation %d accepted", bad)
		}
	}
}
