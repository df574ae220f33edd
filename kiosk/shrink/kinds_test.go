package shrink

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"borne/kiosk/shrink/shrinktest"
)

const hard = "../../testdata/hard/"

// TestHardPagesLegible shrinks the hard pages as a resident would pick
// their kind and checks the promise on each: under the limit, a valid PDF,
// and OCR reads as many words as on the scan, within 0.02. An identity card
// squeezed to its floor (a limit only the last quality at 300 dpi fits)
// keeps its words too.
func TestHardPagesLegible(t *testing.T) {
	tests := []struct {
		name, kind string
		limit      int64
	}{
		{"faded", DocLetter, 100_000},
		{"lowcontrast", DocLetter, 100_000},
		{"colourpaper", DocLetter, 100_000},
		{"uneven", DocLetter, 100_000},
		{"payslip", DocLetter, 100_000},
		{"handwritten-form", DocLetter, 100_000},
		{"photo-leaflet", DocLetter, 100_000},
		{"idcard-front", DocID, 150_000},
		{"idcard-back", DocID, 150_000},
		{"idcard-front", DocID, 33_000},
	}
	sem := make(chan struct{}, 2) // Tesseract is the slow part: one per core
	var wg sync.WaitGroup
	for _, tt := range tests {
		wg.Go(func() {
			t.Run(fmt.Sprintf("%s/%s/%d", tt.name, tt.kind, tt.limit), func(t *testing.T) {
				sem <- struct{}{}
				defer func() { <-sem }()
				scan := hard + tt.name + ".jpg"
				truth, err := os.ReadFile(hard + tt.name + ".txt")
				if err != nil {
					t.Fatal(err)
				}
				res := assertLegible(t, scan, string(truth), Target{MaxBytes: tt.limit, Kind: tt.kind}, 0.02)
				if c := res.PerPage[0]; tt.kind == DocID && c.PhotoDPI < 300 {
					t.Errorf("%s: want the card at 300 dpi", c)
				}
			})
		})
	}
	wg.Wait()
}

// TestFaintInkStepsUp: the legibility check sees what a plain threshold
// loses on faint print, and steps up until the strokes are kept; a dark
// print passes as it is.
func TestFaintInkStepsUp(t *testing.T) {
	tests := []struct {
		name      string
		paper     uint8
		ink       uint8
		noise     int
		wantSteps []string
	}{
		{"laser print", 235, 20, 4, []string{""}},
		{"faded photocopy", 225, 160, 4, []string{StepContrast}},
		{"ink barely there, grainy paper", 215, 185, 24, []string{StepContrast, StepGrey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := shrinktest.TextPage(300, tt.paper, color.RGBA{tt.ink, tt.ink, tt.ink, 255})
			grain(img, tt.noise)
			l := analyse(toPlanes(img), 300)
			if !strings.Contains(strings.Join(tt.wantSteps, " "), l.step) || (l.step == "") != (tt.wantSteps[0] == "") {
				t.Fatalf("step %q (lost %.3f, broken %.2f), want one of %q", l.step, l.check.Lost, l.check.Broken, tt.wantSteps)
			}
			if l.step == StepGrey {
				return // the strokes are in the grey layer
			}
			// What the inks keep, checked afresh: few strokes lost, none broken.
			var inked int
			for _, m := range l.masks {
				for y := range m.bits.Height {
					for x := range m.bits.Width {
						if m.bits.At(x, y) {
							inked++
						}
					}
				}
			}
			// textPage prints 25 × 9 × 5 bars of 1.8 mm by 2.5 or 3.5 mm.
			want := 25 * 9 * (3*mmPx(2.5) + 2*mmPx(3.5)) * mmPx(1.8)
			if math.Abs(float64(inked-want)) > 0.1*float64(want) {
				t.Errorf("inks hold %d pixels, the page prints about %d", inked, want)
			}
		})
	}
}

func mmPx(mm float64) int { return int(mm * 300 / 25.4) }

// grain adds a deterministic sensor noise of ±amp/2.
func grain(img *image.RGBA, amp int) {
	seed := uint32(1)
	for i := 0; i < len(img.Pix); i += 4 {
		seed = seed*1664525 + 1013904223
		d := int(seed>>24)%(amp+1) - amp/2
		for c := range 3 {
			img.Pix[i+c] = uint8(clamp(int(img.Pix[i+c])+d, 0, 255))
		}
	}
}

// TestIDCard: recto and verso alone on the glass become one picture: each
// card found, cut out straight at 300 dpi, in colour inside the card, under
// 150 KB; in a PDF (one page) or as the JPEG or PNG the site asks for.
func TestIDCard(t *testing.T) {
	front, back := Page{Path: hard + "idcard-front.jpg"}, Page{Path: hard + "idcard-back.jpg"}
	src, _, err := decodeFile(front.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The card's centre on the glass (make-pages.sh puts it at 180,240, 1011×638).
	wantChroma := meanChroma(src, image.Rect(600, 500, 800, 650))
	tests := []struct {
		formats []string
		format  string
	}{
		{[]string{"application/pdf", "image/jpeg"}, PDF},
		{[]string{"image/jpeg", "image/png"}, JPEG},
		{[]string{"image/png"}, PNG},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "id")
			res, err := Shrink(context.Background(), []Page{front, back}, Target{MaxBytes: 150_000, Formats: tt.formats, Kind: DocID}, out)
			if tt.format == PNG {
				// Lossless, a noisy card takes more: the limit says so.
				if err == nil || !strings.Contains(err.Error(), "cannot fit") {
					t.Fatalf("PNG under 150 KB: %v", err)
				}
				res, err = Shrink(context.Background(), []Page{front, back}, Target{Formats: tt.formats, Kind: DocID}, out)
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tt.format || len(res.PerPage) != 2 {
				t.Fatalf("%s with %d pages, want %s with 2", res.Format, len(res.PerPage), tt.format)
			}
			for i, want := range []float64{2.5, -1.5} {
				if c := res.PerPage[i]; c.Kind != KindCard || math.Abs(c.Skew-want) > 0.2 || c.PhotoDPI < 300 {
					t.Errorf("side %d: %s, want a card straightened by %v° at 300 dpi", i+1, c, want)
				}
			}
			var pic *planes
			if tt.format == PDF {
				shrinktest.CheckPDF(t, out)
				if n := pdfPages(t, out); n != 1 {
					t.Errorf("%d PDF pages, want recto and verso on one", n)
				}
				pages, err := RasterizePDF(context.Background(), out, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				if pages[0].DPI < 300 {
					t.Errorf("picture at %v dpi in the PDF", pages[0].DPI)
				}
				pic, _, err = decodeFile(pages[0].Path)
				if err != nil {
					t.Fatal(err)
				}
			} else if pic, _, err = decodeFile(out); err != nil {
				t.Fatal(err)
			}
			// Two cards of 1011 × 638 pixels (85.6 × 54 mm at 300 dpi), 5 mm
			// apart, each with its shadow and a millimetre or two of the lid.
			if w, h := pic.y.w, pic.y.h; w < 1011 || w > 1011+60 || h < 2*638+59 || h > 2*638+59+120 {
				t.Errorf("picture %d×%d, want two cards of 1011×638 stacked", w, h)
			}
			if tt.format != PNG && res.Bytes > 150_000 {
				t.Errorf("%d bytes, want ≤ 150 KB", res.Bytes)
			}
			// The card's colours, inside the card: its centre's chroma.
			got := meanChroma(pic, image.Rect(pic.y.w/2-100, 260, pic.y.w/2+100, 410))
			if got < 0.7*wantChroma || wantChroma < 8 {
				t.Errorf("chroma inside the card %.1f, on the glass %.1f: colour lost", got, wantChroma)
			}
		})
	}
}

// meanChroma is the mean |Cb−128| + |Cr−128| over r (in luma pixels).
func meanChroma(p *planes, r image.Rectangle) float64 {
	if !p.colour() {
		return 0
	}
	c := chromaRect(r)
	sum, n := 0, 0
	for y := c.Min.Y; y < c.Max.Y; y++ {
		for x := c.Min.X; x < c.Max.X; x++ {
			sum += abs8(p.cb.row(y)[x]) + abs8(p.cr.row(y)[x])
			n++
		}
	}
	return float64(sum) / float64(n)
}

func pdfPages(t *testing.T, path string) int {
	t.Helper()
	out, err := execOutput("qpdf", "--show-npages", path)
	if err != nil {
		t.Fatal(err, out)
	}
	var n int
	if _, err := fmt.Sscan(strings.TrimSpace(out), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPhotoKind: a photo print on the glass is cut out in colour, at
// photoPixels along its long side (a 15 × 10 cm print: 200 dpi).
func TestPhotoKind(t *testing.T) {
	out := filepath.Join(t.TempDir(), "photo.jpg")
	res, err := Shrink(context.Background(), []Page{{Path: hard + "photo-print.jpg"}}, Target{MaxBytes: 500_000, Formats: []string{"image/jpeg"}, Kind: DocPhoto}, out)
	if err != nil {
		t.Fatal(err)
	}
	p, dpi, err := decodeFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The print is 15 × 10 cm: 1772 × 1181 at 300 dpi, 1181 × 787 at 200,
	// with a millimetre of the lid around it.
	if c := res.PerPage[0]; c.Kind != KindPhoto || c.Quality < jpegQualities[len(jpegQualities)-1] || dpi != 200 ||
		math.Abs(float64(p.y.w)-1197) > 20 || math.Abs(float64(p.y.h)-803) > 20 || !p.colourful() {
		t.Errorf("%s: %d×%d at %v dpi, colour %v; want the 15 × 10 cm print in colour at 200 dpi", c, p.y.w, p.y.h, dpi, p.colourful())
	}
	// Several photos need a PDF.
	_, err = Shrink(context.Background(), []Page{{Path: hard + "photo-print.jpg"}, {Path: hard + "photo-print.jpg"}},
		Target{Formats: []string{"image/jpeg"}, Kind: DocPhoto}, out)
	if !errors.Is(err, ErrOnePageOnly) {
		t.Errorf("two photos as one JPEG: %v", err)
	}
}

// TestFeederDocument: ten pages from the feeder, letters, faint pages, a
// payslip and a leaflet with a photo, go in one PDF under the site's limit,
// with what was done to each page.
func TestFeederDocument(t *testing.T) {
	names := []string{"faded", "lowcontrast", "photo-leaflet", "payslip", "colourpaper", "uneven", "handwritten-form", "faded", "payslip", "lowcontrast"}
	var pages []Page
	for _, n := range names {
		pages = append(pages, Page{Path: hard + n + ".jpg"})
	}
	const limit = 1_000_000 // a CAF upload
	out := filepath.Join(t.TempDir(), "feeder.pdf")
	res, err := Shrink(context.Background(), pages, Target{MaxBytes: limit}, out)
	if err != nil {
		t.Fatal(err)
	}
	shrinktest.CheckPDF(t, out)
	if n := pdfPages(t, out); n != 10 || len(res.PerPage) != 10 || res.Bytes > limit {
		t.Fatalf("%d pages (%d told) in %d bytes, want 10 within %d", n, len(res.PerPage), res.Bytes, limit)
	}
	for i, c := range res.PerPage {
		t.Log(c)
		switch {
		case c.Page != i+1:
			t.Errorf("choice %d is about page %d", i, c.Page)
		case names[i] == "faded" && c.Step == "":
			t.Errorf("%s: the faded page was not stepped up", c)
		case names[i] == "photo-leaflet" && (c.Kind != KindMixed || c.Photos == 0):
			t.Errorf("%s: the leaflet's photo was not kept", c)
		}
	}
}

// BenchmarkShrinkKind shrinks one page (a card's two sides for id) of each
// kind of the bench, as kioskctl does: per-kind time and memory for
// profiling (make bench's shrinkbench has the peers side by side).
func BenchmarkShrinkKind(b *testing.B) {
	dir, err := filepath.Abs(corpus(b))
	if err != nil {
		b.Fatal(err)
	}
	tests := []struct {
		kind, doc string
		pages     []string
	}{
		{"letter", DocLetter, []string{dir + "/scan-00.jpg"}},
		{"hard", DocLetter, []string{hard + "faded.jpg"}},
		{"id", DocID, []string{hard + "idcard-front.jpg", hard + "idcard-back.jpg"}},
		{"photo", DocPhoto, []string{hard + "photo-print.jpg"}},
		{"other-linn", DocLetter, []string{dir + "/linn.png"}},
		{"other-typewriter", DocLetter, []string{dir + "/typewriter.png"}},
	}
	for _, tt := range tests {
		b.Run(tt.kind, func(b *testing.B) {
			var pages []Page
			for _, p := range tt.pages {
				pages = append(pages, Page{Path: p})
			}
			out := filepath.Join(b.TempDir(), "out")
			for b.Loop() {
				if _, err := Shrink(context.Background(), pages, Target{Kind: tt.doc}, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
