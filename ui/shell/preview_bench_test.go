package shell

import (
	"context"
	"testing"
)

// BenchmarkRenderPreview measures what a resident waits for before the print
// panel shows a three-page attestation: poppler drawing the pages in a
// child process, and the pictures loaded.
func BenchmarkRenderPreview(b *testing.B) {
	pdf, info := threePages(b)
	dir := b.TempDir()
	for b.Loop() {
		thumbs, err := renderPreview(context.Background(), dir, pdf, info.Pages)
		if err != nil || len(thumbs) != info.Pages {
			b.Fatalf("%d pages drawn: %v", len(thumbs), err)
		}
	}
}
