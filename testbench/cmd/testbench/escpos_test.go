package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"borne/internal/escpos"
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
	for _, args := range [][]string{{in}, {"--width", "x", in, out}, {"--max-paper", "0", in, out}} {
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

// 2 MB of 8× text once took escpos-render past 23 GB: it now stops at its
// paper bound (10 m by default, 1 m here) with a clear error, and keeps
// what it drew.
func TestESCPOSRenderBound(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.png")
	os.WriteFile(in, append([]byte("\x1d!\x77"), bytes.Repeat([]byte("W"), 2<<20)...), 0o600)
	err := renderStream(in, out, 576, 1)
	if !errors.Is(err, escpos.ErrRollEnd) || !strings.Contains(err.Error(), "draws 1 m at most") {
		t.Errorf("error %v", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Errorf("nothing drawn: %v", err)
	}
}
