package benchui

import (
	"errors"
	"image"
	"image/png"
	"io"
	"time"

	"borne/testbench/bench"
)

// writeEvidence saves a file beside the report and returns its name there;
// "" when the run keeps no evidence (no OutDir).
func writeEvidence(env *bench.Env, name string, data []byte) (string, error) {
	return env.WriteEvidence(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func writePNG(env *bench.Env, name string, img image.Image) (string, error) {
	return env.WriteEvidence(name, func(w io.Writer) error { return png.Encode(w, img) })
}

// captureScene shows a scene and reads back the canvas once it is drawn.
func (w *window) captureScene(s scene) (*image.RGBA, error) {
	var gen int
	onUI(func() {
		w.scene = s
		w.drawGen++
		gen = w.drawGen
		w.canvas.QueueDraw()
	})
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for drawn := false; !drawn; {
		select {
		case g := <-w.drawn:
			drawn = g >= gen
		case <-deadline.C:
			return nil, errors.New("capture: the window never drew the scene (is it shown?)")
		}
	}
	// Idle callbacks run after the frame that drew, so its pixels are there.
	var img *image.RGBA
	var err error
	onUI(func() { img, err = capture(&w.canvas.Widget) })
	return img, err
}
