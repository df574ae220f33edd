package system

import (
	"fmt"
	"strings"
)

// The screen's rotation is set twice, by "kioskctl system screen" at each
// start of the unit: cage turns the picture (-r, a quarter turn clockwise
// each), and libinput turns the touch screen's coordinates the same way.
// cage maps a touch's 0..1 coordinates onto the turned picture as they are,
// so without the second half a tap on a portrait totem lands elsewhere.

// CageRotationArgs are cage's flags for a rotation in degrees clockwise.
func CageRotationArgs(degrees int) ([]string, error) {
	if err := checkRotation(degrees); err != nil {
		return nil, err
	}
	return strings.Fields(strings.Repeat("-r ", degrees/90)), nil
}

// TouchMatrix is libinput's calibration matrix (its first two rows, as
// LIBINPUT_CALIBRATION_MATRIX takes them) that turns a touch screen's
// normalised coordinates with a picture turned degrees clockwise: the point
// the finger presses is mapped to the point of the turned picture shown
// there. cage's -r sets wl_output transforms 90, 180, 270, which turn the
// picture counter-clockwise into the panel's own frame (see
// pictureToPanel in the tests for the geometry).
func TouchMatrix(degrees int) (string, error) {
	if err := checkRotation(degrees); err != nil {
		return "", err
	}
	return map[int]string{
		0:   "1 0 0 0 1 0",
		90:  "0 -1 1 1 0 0",
		180: "-1 0 1 0 -1 1",
		270: "0 1 0 -1 0 1",
	}[degrees], nil
}

func checkRotation(degrees int) error {
	if degrees%90 != 0 || degrees < 0 || degrees > 270 {
		return fmt.Errorf("system: rotation %d: want 0, 90, 180 or 270", degrees)
	}
	return nil
}

// ScreenFiles are what the unit reads at start for a rotation: the
// environment file giving cage its flags, and the udev rule calibrating
// every touch screen (nil for no rotation: libinput's identity).
func ScreenFiles(degrees int) (env, touchRule []byte, err error) {
	args, err := CageRotationArgs(degrees)
	if err != nil {
		return nil, nil, err
	}
	env = fmt.Appendf(nil, "# %s\n# screen.rotation = %d\n%s=%q\n", header, degrees, cageRotationVar, strings.Join(args, " "))
	if degrees == 0 {
		return env, nil, nil
	}
	m, _ := TouchMatrix(degrees)
	touchRule = fmt.Appendf(nil, "# %s\n# screen.rotation = %d: touch screens turn with the picture.\n"+
		"ENV{ID_INPUT_TOUCHSCREEN}==\"1\", ENV{LIBINPUT_CALIBRATION_MATRIX}=\"%s\"\n", header, degrees, m)
	return env, touchRule, nil
}
