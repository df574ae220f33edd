// Package golden compares rendered pictures (tickets, pages) with the
// reviewed copies kept in a package's testdata.
package golden

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// PNG compares img with the PNG at path, dot for dot (black or white), and
// rewrites the file first when update is set. A mismatch saves what was
// drawn next to the test's files so it can be looked at.
func PNG(t testing.TB, path string, img *image.Gray, update bool) {
	t.Helper()
	if update {
		if err := write(path, img); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	diff := 0
	if want.Bounds() == img.Bounds() {
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				r, _, _, _ := want.At(x, y).RGBA()
				if (r>>8 < 128) != (img.GrayAt(x, y).Y < 128) {
					diff++
				}
			}
		}
	}
	if want.Bounds() != img.Bounds() || diff > 0 {
		out := filepath.Join(t.TempDir(), filepath.Base(path))
		_ = write(out, img)
		t.Errorf("%s: size %v (golden %v), %d dots differ; drawn: %s", path, img.Bounds(), want.Bounds(), diff, out)
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Text compares got with the file at path, rewriting it first when update is set.
func Text(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}
