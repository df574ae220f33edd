// Package legibility measures how readable a document is, as the shared
// corpus defines it: render the first page at 300 dpi in grey (pdftoppm),
// read it with Tesseract in French, and count the words of the ground truth
// found (bag of words, case-folded, words of two characters or more).
package legibility

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// Words counts the words of text: runs of letters and digits, case-folded,
// of two characters or more.
func Words(text string) map[string]int {
	words := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) {
		if len([]rune(w)) >= 2 {
			words[w]++
		}
	}
	return words
}

// Recall is the share of the truth's words found in text, each counted at
// most as often as the truth has it.
func Recall(truth, text string) float64 {
	want, got := Words(truth), Words(text)
	total, found := 0, 0
	for w, n := range want {
		total += n
		found += min(n, got[w])
	}
	if total == 0 {
		return 0
	}
	return float64(found) / float64(total)
}

// Read renders the first page of a PDF at 300 dpi in grey and returns what
// Tesseract reads on it in French.
func Read(ctx context.Context, pdf string) (string, error) {
	dir, err := os.MkdirTemp("", "borne-ocr-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	base := filepath.Join(dir, "page")
	// PNG, which states its 300 dpi to Tesseract (it reads a PGM as 70 dpi).
	if out, err := exec.CommandContext(ctx, "pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, base).CombinedOutput(); err != nil {
		return "", fmt.Errorf("pdftoppm %s: %v: %s", pdf, err, out)
	}
	cmd := exec.CommandContext(ctx, "tesseract", base+".png", "-", "-l", "fra")
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1") // one page per process: parallelise across pages
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("tesseract %s: %w", pdf, err)
	}
	return string(out), nil
}

// PDFRecall reads a PDF's first page and returns its recall of truth.
func PDFRecall(ctx context.Context, pdf, truth string) (float64, error) {
	text, err := Read(ctx, pdf)
	if err != nil {
		return 0, err
	}
	return Recall(truth, text), nil
}
