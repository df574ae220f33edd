package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestESCPOSRender(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.png")
	// Two tickets, the first cut: "Café €" in code page 858.
	os.WriteFile(in, []byte("\x1b@\x1bt\x13Caf\x82 \xd5\n\x1dV\x01second\n"), 0o600)
	if code := runESCPOSRender([]string{in, out}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() < 60 {
		t.Errorf("image %v", b)
	}
	for _, args := range [][]string{{in}, {"--width", "x", in, out}} {
		if code := runESCPOSRender(args); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code := runESCPOSRender([]string{filepath.Join(dir, "none.bin"), out}); code != 1 {
		t.Errorf("missing input: exit %d", code)
	}
	os.WriteFile(in, nil, 0o600)
	if code := runESCPOSRender([]string{in, out}); code != 1 {
		t.Errorf("empty stream: exit %d", code)
	}
}
