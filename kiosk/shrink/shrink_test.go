package shrink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"borne/internal/legibility"
	"borne/kiosk/shrink/shrinktest"
)

// TestShrinkCorpusLegible shrinks corpus letters and checks the promise:
// under the limit, a valid PDF, and OCR reads as many words as on the scan
// (the corpus's measure, within 0.01). Two pages keep Tesseract's time down;
// the benchmark reads them all.
func TestShrinkCorpusLegible(t *testing.T) {
	dir := corpus(t)
	var wg sync.WaitGroup
	for _, name := range []string{"scan-00", "scan-02"} {
		wg.Go(func() {
			t.Run(name, func(t *testing.T) {
				scan := filepath.Join(dir, name+".jpg")
				truth, err := os.ReadFile(filepath.Join(dir, name+".txt"))
				if err != nil {
					t.Fatal(err)
				}
				const limit = 30_000 // the target for an A4 letter
				res := assertLegible(t, scan, string(truth), Target{MaxBytes: limit, Formats: []string{PDF}}, 0.01)
				if c := res.PerPage[0]; c.Kind != KindColour && c.Kind != KindMixed {
					t.Errorf("page seen as %s, want colour kept (letterhead, stamp)", c)
				}
			})
		})
	}
	wg.Wait()
}

// assertLegible shrinks a scan for target and checks the promise: a valid
// PDF within the limit, which OCR reads as well as the scan, within slack.
func assertLegible(t *testing.T, scan, truth string, target Target, slack float64) Result {
	t.Helper()
	name := strings.TrimSuffix(filepath.Base(scan), filepath.Ext(scan))
	out := filepath.Join(t.TempDir(), name+".pdf")
	res, err := Shrink(context.Background(), []Page{{Path: scan}}, target, out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() != res.Bytes || res.Bytes > target.MaxBytes {
		t.Fatalf("%s: %d bytes reported, file %v (%v); limit %d", name, res.Bytes, fi, err, target.MaxBytes)
	}
	shrinktest.CheckPDF(t, out)
	ctx := context.Background()
	got, err := legibility.PDFRecall(ctx, out, truth)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := legibility.PDFRecall(ctx, wrapJPEG(t, scan), truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s; OCR recall %.3f (scan %.3f)", name, res.PerPage[0], got, orig)
	if got < orig-slack {
		t.Errorf("OCR recall %.3f, scan's %.3f: lost words (%s)", got, orig, res.PerPage[0])
	}
	return res
}

// wrapJPEG puts a JPEG scan as it is in a one-page PDF, for the measure.
func wrapJPEG(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, dpi, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	b := p.y.rect()
	pt := 72 / dpi
	page := &pdfPage{w: float64(b.Dx()) * pt, h: float64(b.Dy()) * pt,
		content: fmt.Appendf(nil, "q %s 0 0 %s 0 0 cm /X0 Do Q", num(float64(b.Dx())*pt), num(float64(b.Dy())*pt)),
		xobjs:   []xobject{{dict: fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", b.Dx(), b.Dy()), data: data}}}
	out := filepath.Join(t.TempDir(), "scan.pdf")
	if err := os.WriteFile(out, writePDF([]*pdfPage{page}), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInksRenderWhereDrawn checks the G4 masks and their placement through an
// independent reader: pdftoppm's rendering of a synthetic page must match
// the page's own ink, with its colour.
func TestInksRenderWhereDrawn(t *testing.T) {
	dir := t.TempDir()
	src := shrinktest.TextPage(300, 235, color.RGBA{10, 10, 10, 255})
	in := writeImage(t, dir, "page.png", src)
	out := filepath.Join(dir, "page.pdf")
	res, err := Shrink(context.Background(), []Page{{Path: in, DPI: 300}}, Target{}, out)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.PerPage[0]; c.Inks != 2 || c.Photos != 0 || c.Skew != 0 {
		t.Errorf("choice %s, want black ink and the letterhead's blue, straight", c)
	}
	shrinktest.CheckPDF(t, out)
	if data, _ := os.ReadFile(out); !bytes.Contains(data, []byte("/JBIG2Decode")) || !bytes.Contains(data, []byte("/CCITTFaxDecode")) {
		t.Error("want the text in JBIG2 and the small letterhead in G4")
	}
	// Two readers with decoders of their own: poppler and Ghostscript
	// (jbig2dec). Ghostscript places image pixels exactly; poppler's
	// smoothing moves some edges.
	for _, r := range []struct {
		name      string
		got       *image.Gray
		tolerance float64
	}{
		{"pdftoppm", render(t, out, 300), 0.002},
		{"gs", renderGS(t, out), 0.0001},
	} {
		got := r.got
		size := got.Bounds().Intersect(src.Bounds()).Size() // the page rounds to whole pixels
		if d := got.Bounds().Size().Sub(src.Bounds().Size()); abs(d.X) > 1 || abs(d.Y) > 1 {
			t.Fatalf("%s rendered %v, page is %v", r.name, got.Bounds().Size(), src.Bounds().Size())
		}
		var wrong, inked int
		for y := 0; y < size.Y; y++ {
			for x := 0; x < size.X; x++ {
				ink := src.RGBAAt(x, y).R < 120
				if ink {
					inked++
				}
				if ink != (got.GrayAt(x, y).Y < 128) {
					wrong++
				}
			}
		}
		if inked == 0 || float64(wrong) > r.tolerance*float64(size.X*size.Y) {
			t.Errorf("%s: %d of %d pixels differ (%d inked)", r.name, wrong, size.X*size.Y, inked)
		}
	}
	// The letterhead keeps its blue: render in colour and look.
	ppm := filepath.Join(dir, "colour")
	if out, err := execOutput("pdftoppm", "-r", "75", "-singlefile", out, ppm); err != nil {
		t.Fatal(err, out)
	}
	data, err := os.ReadFile(ppm + ".ppm")
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodePNM(data)
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(100, 60).RGBA() // inside the block at 75 dpi
	if b>>8 < 100 || r>>8 > 60 || g>>8 > 80 {
		t.Errorf("letterhead rendered as %d,%d,%d; want its blue", r>>8, g>>8, b>>8)
	}
}

// TestShrinkFitsOrSaysWhy walks the quality levels down to the floor.
func TestShrinkFitsOrSaysWhy(t *testing.T) {
	page := Page{Path: "../../testdata/pages/letter.jpg"}
	two := []Page{page, page}
	ctx := context.Background()
	free, err := Shrink(ctx, two, Target{}, filepath.Join(t.TempDir(), "free.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pages   []Page
		target  Target
		err     error
		format  string
		reduced bool // below the first level
	}{
		{"no limit", two, Target{}, nil, PDF, false},
		{"tight limit", two, Target{MaxBytes: free.Bytes - 1}, nil, PDF, true},
		{"impossible limit", two, Target{MaxBytes: 2000}, ErrTooBig, "", false},
		{"jpeg only", []Page{page}, Target{Formats: []string{"image/jpeg"}}, nil, JPEG, false},
		{"jpeg only, two pages", two, Target{Formats: []string{"jpg"}}, ErrOnePageOnly, "", false},
		{"pdf preferred", []Page{page}, Target{Formats: []string{"jpeg", "pdf"}}, nil, PDF, false},
		{"unknown format", []Page{page}, Target{Formats: []string{"docx"}}, ErrFormat, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			res, err := Shrink(ctx, tt.pages, tt.target, out)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				if _, serr := os.Stat(out); serr == nil {
					t.Error("a refused shrink left a file")
				}
				if errors.Is(err, ErrTooBig) && !strings.Contains(err.Error(), "KB") {
					t.Errorf("refusal without figures: %v", err)
				}
				return
			}
			if res.Format != tt.format || (tt.target.MaxBytes > 0 && res.Bytes > tt.target.MaxBytes) {
				t.Errorf("%s of %d bytes, want %s within %d", res.Format, res.Bytes, tt.format, tt.target.MaxBytes)
			}
			if tt.format == JPEG {
				data, _ := os.ReadFile(out)
				p, dpi, err := decode(data)
				if err != nil {
					t.Fatalf("JPEG output: %v", err)
				}
				if dpi < 150 || p.y.w < 1000 {
					t.Errorf("JPEG output: %v at %v dpi", p.y.rect(), dpi)
				}
				return
			}
			shrinktest.CheckPDF(t, out)
			c := res.PerPage[0]
			if reduced := c.PhotoDPI < 150 || c.MaskDPI < 300; reduced != tt.reduced {
				t.Errorf("%s: reduced %v, want %v", c, reduced, tt.reduced)
			}
		})
	}
}

// TestShrinkIsDeterministic: the same pages give the same bytes.
func TestShrinkIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	page := Page{Path: writeImage(t, dir, "page.jpg", shrinktest.TextPage(200, 225, color.RGBA{0, 0, 90, 255}))}
	var outs [][]byte
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprint(i))
		if _, err := Shrink(context.Background(), []Page{page, page, page}, Target{}, out); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(out)
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two shrinks of the same pages differ")
	}
}

// TestBadInput: each refusal says why, nothing is left behind, and memory
// stays bounded (sizes are checked before pixels are decoded).
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	var scan bytes.Buffer
	jpeg.Encode(&scan, shrinktest.TextPage(100, 230, color.RGBA{A: 255}), nil)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyPDF := write("empty.pdf", writePDF([]*pdfPage{{w: 595, h: 842, content: []byte("q Q")}}))
	tests := []struct {
		name string
		path string
		err  error
		say  string
	}{
		{"truncated JPEG", write("cut.jpg", scan.Bytes()[:scan.Len()/2]), ErrBadImage, "not a readable image"},
		{"not an image", write("note.png", []byte("hello")), ErrBadImage, "not a readable image"},
		{"empty file", write("empty.jpg", nil), ErrBadImage, "not a readable image"},
		{"zero size", write("zero.pgm", []byte("P5 0 0 255\n")), ErrBadImage, "too small"},
		{"absurd size", write("huge.pgm", []byte("P5 100000 100000 255\n")), ErrTooLarge, "megapixels"},
		{"2400 dpi A4", write("2400.pgm", []byte("P5 19843 28063 255\n")), ErrTooLarge, "scan at 300 dpi"},
		{"truncated PNM", write("cut.pgm", append([]byte("P5 100 100 255\n"), make([]byte, 500)...)), ErrBadImage, "5 of 100 rows"},
		{"missing", filepath.Join(dir, "nope.jpg"), os.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pdf")
			_, err := Shrink(context.Background(), []Page{{Path: tt.path}}, Target{}, out)
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.say) {
				t.Fatalf("error %v, want %v saying %q", err, tt.err, tt.say)
			}
			if left := listDir(t, filepath.Dir(out)); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
	t.Run("PDF without images", func(t *testing.T) {
		tmp := t.TempDir()
		_, err := RasterizePDF(context.Background(), emptyPDF, tmp)
		if !errors.Is(err, ErrNoImages) {
			t.Errorf("error %v, want ErrNoImages", err)
		}
		if left := listDir(t, tmp); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})
}

// TestBlankAndDark: an empty glass and an all-white page give a blank page
// and a warning, not an error.
func TestBlankAndDark(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		grey uint8
		warn string
	}{
		{"all black", 5, WarnDark},
		{"all white", 250, WarnBlank},
	}
	for _, tt := range tests {
		img := image.NewGray(image.Rect(0, 0, 1240, 1754))
		for i := range img.Pix {
			img.Pix[i] = tt.grey
		}
		out := filepath.Join(dir, tt.name+".pdf")
		res, err := Shrink(context.Background(), []Page{{Path: writeImage(t, dir, tt.name+".png", img), DPI: 150}}, Target{}, out)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c := res.PerPage[0]; c.Kind != KindBlank || c.Warning != tt.warn || res.Bytes > 2000 {
			t.Errorf("%s: %s in %d bytes, want a blank page warning %s", tt.name, c, res.Bytes, tt.warn)
		}
		shrinktest.CheckPDF(t, out)
	}
}

// TestPDFInput: a scanned PDF (the corpus's gray 300 dpi one) is rasterized
// at its images' resolution and shrunk.
func TestPDFInput(t *testing.T) {
	tmp := t.TempDir()
	pages, err := RasterizePDF(context.Background(), filepath.Join(corpus(t), "francais.pdf"), tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages[0].DPI != 300 || filepath.Ext(pages[0].Path) != ".pgm" {
		t.Fatalf("pages %+v, want one grey page at 300 dpi", pages)
	}
	out := filepath.Join(tmp, "out.pdf")
	res, err := Shrink(context.Background(), pages, Target{MaxBytes: 20_000}, out)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.PerPage[0]; c.Kind != KindText {
		t.Errorf("page seen as %s, want text", c)
	}
	shrinktest.CheckPDF(t, out)
}

// TestSkewFound tilts a page by known angles: the analysis must find them.
func TestSkewFound(t *testing.T) {
	p := toPlanes(shrinktest.TextPage(150, 235, color.RGBA{20, 20, 20, 255}))
	for _, deg := range []float64{-2.5, -0.8, 0, 1.3, 4} {
		tilted := &planes{y: rotatePlane(p.y, -deg, 235)}
		l := analyse(tilted, 150)
		if math.Abs(l.skew-deg) > 0.15 {
			t.Errorf("tilted by %v°, found %v°", deg, l.skew)
		}
	}
}

// TestCropToPaper: a page on a dark background (lid open) is cut to the paper.
func TestCropToPaper(t *testing.T) {
	page := shrinktest.TextPage(100, 235, color.RGBA{20, 20, 20, 255})
	glass := image.NewRGBA(image.Rect(0, 0, 1100, 1400))
	shrinktest.Fill(glass, glass.Bounds(), color.RGBA{12, 12, 12, 255})
	at := image.Pt(150, 200)
	for y := range page.Rect.Dy() {
		for x := range page.Rect.Dx() {
			glass.SetRGBA(at.X+x, at.Y+y, page.RGBAAt(x, y))
		}
	}
	l := analyse(toPlanes(glass), 100)
	want := page.Bounds().Add(at)
	if d := l.crop.Min.Sub(want.Min); abs(d.X) > 40 || abs(d.Y) > 40 || abs(l.crop.Dx()-want.Dx()) > 80 || abs(l.crop.Dy()-want.Dy()) > 80 {
		t.Errorf("cropped to %v, paper is %v", l.crop, want)
	}
	if len(l.masks) == 0 || l.masks[0].box.Dx() > want.Dx() {
		t.Errorf("ink %v: the dark glass must not be ink", l.masks)
	}
}

func abs(v int) int { return max(v, -v) }

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// FuzzDecode feeds arbitrary bytes to the page decoder: refuse or decode,
// never panic, never allocate beyond MaxPixels.
func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 20, 20)), nil)
	f.Add(b.Bytes())
	f.Add([]byte("P5 16 16 255\n" + strings.Repeat("\x80", 256)))
	f.Add([]byte("P4\n# comment\n16 16\n" + strings.Repeat("\xAA", 32)))
	f.Add([]byte("P6 16 16 65535\n" + strings.Repeat("\x01\x02", 768)))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add(linePNG(19, 17, 3, []byte{0, 0, 0, 255, 255, 255}, func(x, y int) bool { return (x+y)%3 == 0 }))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := decode(data)
		if err != nil {
			return
		}
		// Line art decoded by Borne's own PNG reader reads as image/png
		// reads it (which also checks the zlib checksum, left out here).
		if fast, ok, err := decodeBilevelPNG(data); ok && err == nil {
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				return
			}
			want := toPlanes(img)
			for y := range want.y.h {
				if !bytes.Equal(fast.y.row(y), want.y.row(y)) {
					t.Fatalf("row %d: % x, image/png % x", y, fast.y.row(y), want.y.row(y))
				}
			}
		}
		if p.y.w*p.y.h > MaxPixels {
			t.Fatalf("decoded %v", p.y.rect())
		}
		// Whatever decodes must analyse, and be looked for on the glass.
		analyse(p, 150)
		if box, deg, ok := findOnGlass(p, 150); ok {
			straightCut(p, box, deg)
		}
	})
}
