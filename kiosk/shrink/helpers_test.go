package shrink

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpus is the shared corpus, beside the repository (or, for a git
// worktree kept under a directory of its own, beside that directory).
func corpus(t testing.TB) string {
	t.Helper()
	var tried []string
	for _, rel := range []string{"../../../shared/corpus", "../../../../shared/corpus"} {
		dir, err := filepath.Abs(rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
			return dir
		}
		tried = append(tried, dir)
	}
	t.Fatalf("the shared corpus is missing: clone the shared repository beside this one (tried %s)", strings.Join(tried, ", "))
	return ""
}

// writeImage writes img as PNG or JPEG (by extension) in dir.
func writeImage(t testing.TB, dir, name string, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	if filepath.Ext(name) == ".png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// render renders a PDF's first page in grey at dpi with pdftoppm.
func render(t testing.TB, path string, dpi int) *image.Gray {
	t.Helper()
	out, err := exec.Command("pdftoppm", "-r", strconv.Itoa(dpi), "-gray", "-f", "1", "-l", "1", path).Output()
	if err != nil {
		t.Fatalf("pdftoppm %s: %v", filepath.Base(path), err)
	}
	img, err := decodePNM(out)
	if err != nil {
		t.Fatalf("pdftoppm output: %v", err)
	}
	return img.(*image.Gray)
}

// renderGS renders a PDF's first page in grey at 300 dpi with Ghostscript.
func renderGS(t testing.TB, path string) *image.Gray {
	t.Helper()
	out, err := exec.Command("gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pgmraw", "-r300", "-dFirstPage=1", "-dLastPage=1", "-sOutputFile=-", path).Output()
	if err != nil {
		t.Fatalf("gs %s: %v", filepath.Base(path), err)
	}
	img, err := decodePNM(out)
	if err != nil {
		t.Fatalf("gs output: %v", err)
	}
	return img.(*image.Gray)
}

// listDir returns the names in dir.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
