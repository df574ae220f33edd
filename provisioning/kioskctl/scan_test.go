package kioskctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"borne/testbench/lobby"
)

const (
	samplePage = "../../testdata/pages/letter.jpg"
	idFront    = "../../testdata/hard/idcard-front.jpg"
	idBack     = "../../testdata/hard/idcard-back.jpg"
)

func TestShrinkCmd(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "letter.pdf")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"fits", []string{"--max-bytes", "60000", "-o", pdf, samplePage}, 0,
			[]string{"letter.pdf: PDF", "(limit 60.0 KB), 1 page(s)", "page 1: ", "ink(s) ", " 300 dpi"}, ""}, // JBIG2 or G4, whichever is smaller
		{"flags after inputs", []string{samplePage, "-o", filepath.Join(dir, "again.pdf"), "--format", "pdf"}, 0, []string{"1 page(s)"}, ""},
		{"the PDF again", []string{"-o", filepath.Join(dir, "twice.pdf"), pdf}, 0, []string{"twice.pdf: PDF", "page 1: "}, ""},
		{"jpeg", []string{"-o", filepath.Join(dir, "letter.jpg"), samplePage}, 0, []string{"letter.jpg: JPEG", "photo(s) JPEG 200 dpi"}, ""},
		{"too small a limit", []string{"--max-bytes", "3000", "-o", filepath.Join(dir, "no.pdf"), samplePage}, 1, nil, "cannot fit the size limit"},
		{"not an image", []string{"-o", filepath.Join(dir, "no.pdf"), "scan_test.go"}, 1, nil, "not a readable image"},
		{"no output", []string{samplePage}, 2, nil, "-o is required"},
		{"no input", []string{"-o", pdf}, 2, nil, "give at least one image or PDF"},
		{"bad format", []string{"--format", "tiff", "-o", pdf, samplePage}, 2, nil, `--format "tiff": want pdf, jpeg or png`},
		{"id card, recto and verso", []string{"--kind", "id", "-o", filepath.Join(dir, "id.jpg"), idFront, idBack}, 0,
			[]string{"id.jpg: JPEG", "2 page(s)", "page 1: id-card, 1 photo(s) JPEG 300 dpi", "straightened 2.50°", "straightened -1.50°"}, ""},
		{"id card as PNG", []string{"--kind", "id", "-o", filepath.Join(dir, "id.png"), idFront}, 0, []string{"id.png: PNG", "picture(s) PNG 300 dpi"}, ""},
		{"photo", []string{"--kind", "photo", "--max-bytes", "150000", "-o", filepath.Join(dir, "photo.pdf"), "../../testdata/hard/photo-print.jpg"}, 0,
			[]string{"photo.pdf: PDF", "page 1: photo, 1 photo(s) JPEG"}, ""},
		{"bad kind", []string{"--kind", "passport", "-o", pdf, samplePage}, 2, nil, `--kind "passport": want letter, id, photo`},
		{"negative limit", []string{"--max-bytes", "-1", "-o", pdf, samplePage}, 2, nil, "--max-bytes -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(append([]string{"shrink"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "no.pdf")); err == nil {
		t.Error("a failed shrink left its output")
	}
}

// TestScanCmd scans through libsane into PDFs: the simulated lobby's page
// (pnm backend) and a test pattern (test backend).
func TestScanCmd(t *testing.T) {
	env, err := lobby.SANEConfig(t.TempDir(), []string{samplePage})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"pdf", []string{"--device", "pnm:0", "-o", filepath.Join(dir, "scan.pdf"), "--max-bytes", "100000"}, 0,
			[]string{"scanned 1 page(s) from pnm:0", "scan.pdf: PDF", "page 1: "}, ""},
		{"raw", []string{"--device", "pnm:1", "-o", filepath.Join(dir, "scan.png")}, 0, []string{"scanned 1 page(s)"}, ""},
		{"no such scanner", []string{"--device", "nosuch:0", "-o", filepath.Join(dir, "x.pdf")}, 1, nil, "plug it in and switch it on"},
		{"no feeder", []string{"--device", "pnm:0", "--source", "adf", "-o", filepath.Join(dir, "x.pdf")}, 1, nil, "no document feeder"},
		{"no device", []string{"-o", filepath.Join(dir, "x.pdf")}, 2, nil, "--device is required"},
		{"bad mode", []string{"--device", "pnm:0", "--mode", "sepia", "-o", "x.pdf"}, 2, nil, `--mode "sepia"`},
		{"bad option", []string{"--device", "pnm:0", "--option", "novalue", "-o", "x.pdf"}, 2, nil, "want NAME=VALUE"},
		// Last: the test backend may leave libsane busy (see drivers/scanner's tests).
		{"test backend", []string{"--device", "test:0", "--resolution", "100", "--option", "test-picture=Grid", "-o", filepath.Join(dir, "grid.pdf")}, 0,
			[]string{"scanned 1 page(s) from test:0", "grid.pdf: PDF"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(append([]string{"scan"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, tt.code, tt.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(dir, "scan.png")); err != nil || fi.Size() < 1000 {
		t.Errorf("raw scan: %v, %v", fi, err)
	}
}
