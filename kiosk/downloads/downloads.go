// Package downloads receives what a website hands the resident: only PDFs
// (attestations, receipts) are kept, in the session directory, after a check
// that they really are PDFs a printer can take.
package downloads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// MaxBytes bounds a download: attestations are small; a huge file is an error or an attack.
const MaxBytes = 50 << 20

// ErrNotPDF says a download is not a PDF: it is refused.
var ErrNotPDF = errors.New("downloads: not a PDF")

// ErrTooBig says a download is over MaxBytes: it is refused.
var ErrTooBig = errors.New("downloads: over the size limit")

// Wanted tells whether a download of this type and name should be kept.
func Wanted(mime, suggested string) bool {
	mime, _, _ = strings.Cut(mime, ";")
	switch strings.TrimSpace(strings.ToLower(mime)) {
	case "application/pdf", "application/x-pdf":
		return true
	case "application/octet-stream", "binary/octet-stream", "":
		return strings.EqualFold(filepath.Ext(suggested), ".pdf") // servers that do not say
	}
	return false
}

// Path gives the place of a download in dir: a safe name (no path, no
// hidden file, no odd characters), made unique. dir is made if its parent
// exists: a wiped session directory is never made again.
func Path(dir, suggested string) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("downloads: %w", err)
	}
	base := safeName(suggested)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("downloads: too many files named %q", base)
}

func safeName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if strings.EqualFold(filepath.Ext(s), ".pdf") {
		s = s[:len(s)-len(".pdf")]
	}
	if r := []rune(s); len(r) > 76 { // 80 with the extension, whole letters only
		s = string(r[:76])
	}
	if s == "" || s == "_" {
		s = "document"
	}
	return s + ".pdf"
}

// Info is what the resident is shown about a downloaded PDF.
type Info struct {
	Name  string
	Bytes int64
	Pages int
}

// Inspect checks that a file is a readable PDF of reasonable size and counts
// its pages, in a child process bounded in time and memory (it takes up to
// InspectTimeout: never on the GTK main loop). A file that fails is removed:
// nothing doubtful stays behind.
func Inspect(ctx context.Context, path string) (Info, error) {
	info, err := check(ctx, path)
	if err != nil {
		_ = os.Remove(path)
	}
	return info, err
}

func inspect(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("downloads: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("downloads: %w", err)
	}
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	if !bytes.Contains(head[:n], []byte("%PDF-")) {
		return Info{}, ErrNotPDF
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("downloads: %w", err)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	pages, err := api.PageCount(f, conf)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrNotPDF, err)
	}
	if pages < 1 {
		return Info{}, fmt.Errorf("%w: no page", ErrNotPDF)
	}
	return Info{Name: filepath.Base(path), Bytes: st.Size(), Pages: pages}, nil
}
