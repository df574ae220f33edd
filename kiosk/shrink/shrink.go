package shrink

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"borne/kiosk/atomicfile"
	"borne/kiosk/shrink/bilevel"
)

// level is one step of quality. The first is what Shrink writes when the
// limit allows it: already small, and read back by OCR as well as the scan.
// The last is the legibility floor.
type level struct {
	maskDPI  float64 // inks (and the analysis) at most at this resolution
	photoDPI float64 // photos (or a JPEG page) at most at this one
	quality  int     // JPEG quality
}

var pdfLevels = []level{
	{maskDPI: 300, photoDPI: 150, quality: 60},
	{maskDPI: 300, photoDPI: 120, quality: 45},
	{maskDPI: 200, photoDPI: 100, quality: 40},
	{maskDPI: 200, photoDPI: 75, quality: 30},
}

// jpegLevels are for a page that must be a single JPEG: the whole page is
// composed (white paper, crisp ink) and encoded at photoDPI.
var jpegLevels = []level{
	{maskDPI: 300, photoDPI: 200, quality: 60},
	{maskDPI: 300, photoDPI: 200, quality: 45},
	{maskDPI: 300, photoDPI: 150, quality: 45},
	{maskDPI: 300, photoDPI: 150, quality: 30},
}

// Shrink writes pages to out as the smallest legible file the target
// accepts: a PDF when the site takes PDF (a single-page JPEG when only that
// fits), else a single-page JPEG. out is written whole or not at all,
// readable by its owner only. The result tells what was done with each page.
// When the pages cannot fit MaxBytes even at the legibility floor, the error
// wraps ErrTooBig and says how much they need. Pages are processed in
// parallel, one per processor, each within some 100 MB at 300 dpi.
func Shrink(ctx context.Context, pages []Page, t Target, out string) (Result, error) {
	if len(pages) == 0 {
		return Result{}, errors.New("shrink: no pages")
	}
	if t.MaxBytes < 0 {
		return Result{}, fmt.Errorf("shrink: negative size limit %d", t.MaxBytes)
	}
	f, err := formats(t.Formats)
	if err != nil {
		return Result{}, fmt.Errorf("shrink: %w", err)
	}
	var data []byte
	var choices []Choice
	format := PDF
	switch t.Kind {
	case "", DocLetter:
		if f.pdf {
			data, choices, err = shrinkPDF(ctx, pages, t.MaxBytes)
		}
		if (f.jpeg || f.png) && (!f.pdf || errors.Is(err, ErrTooBig) && len(pages) == 1) {
			if len(pages) > 1 {
				return Result{}, fmt.Errorf("shrink: %w (%d pages): send them one by one", ErrOnePageOnly, len(pages))
			}
			format = JPEG
			if !f.jpeg {
				format = PNG
			}
			data, choices, err = shrinkImage(ctx, pages[0], format, t.MaxBytes)
		}
	case DocID, DocPhoto:
		data, format, choices, err = shrinkPictures(ctx, pages, t.Kind, f, t.MaxBytes)
	default:
		return Result{}, fmt.Errorf("shrink: %w: %q (want %s)", ErrKind, t.Kind, strings.Join(DocKinds, ", "))
	}
	if err != nil {
		return Result{}, fmt.Errorf("shrink: %w", err)
	}
	if err := atomicfile.WriteFile(out, data, 0o600); err != nil {
		return Result{}, fmt.Errorf("shrink: write %s: %w", out, err)
	}
	return Result{Path: out, Bytes: int64(len(data)), Format: format, PerPage: choices}, nil
}

// accepted is the formats a site takes.
type accepted struct{ pdf, jpeg, png bool }

// formats reads the accepted formats.
func formats(list []string) (accepted, error) {
	if len(list) == 0 {
		return accepted{pdf: true}, nil
	}
	var f accepted
	for _, s := range list {
		switch strings.ToLower(strings.TrimPrefix(s, ".")) {
		case "pdf", "application/pdf":
			f.pdf = true
		case "jpeg", "jpg", "image/jpeg":
			f.jpeg = true
		case "png", "image/png":
			f.png = true
		}
	}
	if f == (accepted{}) {
		return f, fmt.Errorf("%w: %s (Borne writes PDF, JPEG and PNG)", ErrFormat, strings.Join(list, ", "))
	}
	return f, nil
}

// shrinkPDF tries the levels in turn until the file fits.
func shrinkPDF(ctx context.Context, pages []Page, limit int64) ([]byte, []Choice, error) {
	var prev level
	var photos bool
	var data []byte
	var choices []Choice
	smallest := int64(math.MaxInt64)
	for i, lv := range pdfLevels {
		// A level that changes only photos changes nothing on pages without.
		if i > 0 && !photos && lv.maskDPI == prev.maskDPI {
			continue
		}
		encoded := make([]*pdfPage, len(pages))
		choices = make([]Choice, len(pages))
		err := forEach(ctx, len(pages), func(j int) error {
			p, l, err := prepare(pages[j], lv.maskDPI)
			if err != nil {
				return fmt.Errorf("page %d: %w", j+1, err)
			}
			encoded[j], choices[j], err = pdfPageOf(p, l, lv, pages[j].Turns)
			if err != nil {
				return fmt.Errorf("page %d: %w", j+1, err)
			}
			choices[j].Page = j + 1
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		data = writePDF(encoded)
		if limit == 0 || int64(len(data)) <= limit {
			return data, choices, nil
		}
		smallest = min(smallest, int64(len(data)))
		prev = lv
		photos = slices.ContainsFunc(choices, func(c Choice) bool { return c.Photos > 0 })
	}
	return nil, nil, tooBig(len(pages), smallest, limit)
}

func tooBig(pages int, need, limit int64) error {
	return fmt.Errorf("%w: %d page(s) need at least %s even at the lowest legible quality, and the limit is %s: send fewer pages at a time",
		ErrTooBig, pages, kb(need), kb(limit))
}

func kb(n int64) string { return fmt.Sprintf("%d KB", (n+999)/1000) }

// shrinkImage composes the page and encodes it (JPEG or PNG) at the first
// level that fits.
func shrinkImage(ctx context.Context, page Page, format string, limit int64) ([]byte, []Choice, error) {
	p, l, err := prepare(page, jpegLevels[0].maskDPI)
	if err != nil {
		return nil, nil, fmt.Errorf("page 1: %w", err)
	}
	var data []byte
	var composed *planes
	for i, lv := range jpegLevels {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if i > 0 && format == PNG && lv.photoDPI == jpegLevels[i-1].photoDPI {
			continue // quality means nothing to PNG
		}
		if i == 0 || lv.photoDPI != jpegLevels[i-1].photoDPI {
			composed = compose(p, l, math.Min(lv.photoDPI, l.dpi), page.Turns)
		}
		if format == PNG {
			data, err = encodePNG(composed)
		} else {
			data, err = encodeJPEG(composed, lv.quality, math.Min(lv.photoDPI, l.dpi))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("page 1: %w", err)
		}
		if limit == 0 || int64(len(data)) <= limit {
			c := choiceOf(l)
			c.Page, c.Inks, c.Photos = 1, 0, 1
			c.PhotoDPI, c.Quality, c.Bytes = int(math.Min(lv.photoDPI, l.dpi)), lv.quality, int64(len(data))
			if format == PNG {
				c.Quality = 0
			}
			return data, []Choice{c}, nil
		}
	}
	return nil, nil, tooBig(1, int64(len(data)), limit)
}

// prepare reads a page and analyses it at no more than maxDPI.
func prepare(page Page, maxDPI float64) (*planes, *layout, error) {
	p, stated, err := decodeFile(page.Path)
	if err != nil {
		return nil, nil, err
	}
	dpi := page.DPI
	if dpi <= 0 {
		dpi = pageDPI(stated, p.y.w, p.y.h)
	}
	switch {
	case dpi > maxDPI*1.05:
		p, dpi = p.scaled(maxDPI/dpi), maxDPI
	case dpi < 200 && !p.bilevel:
		// Thresholding a low-resolution scan at twice its size gives
		// smoother, more legible letters than its own coarse pixels.
		p, dpi = p.scaled(2), dpi*2
	}
	return p, analyse(p, dpi), nil
}

// pdfPageOf encodes a page's layers and places them on a PDF page.
func pdfPageOf(p *planes, l *layout, lv level, turns int) (*pdfPage, Choice, error) {
	w, h := l.size()
	pt := 72 / l.dpi // points per pixel
	page := &pdfPage{w: float64(w) * pt, h: float64(h) * pt, rotate: (turns%4 + 4) % 4 * 90}
	c := choiceOf(l)
	c.MaskDPI = int(math.Round(l.dpi))
	var content strings.Builder
	content.WriteString("q\n")
	if l.skew != 0 {
		// Straighten about the page's centre: rotate counter-clockwise.
		sin, cos := math.Sincos(l.skew * math.Pi / 180)
		cx, cy := page.w/2, page.h/2
		fmt.Fprintf(&content, "%s %s %s %s %s %s cm\n", num(cos), num(sin), num(-sin), num(cos), num(cx-cos*cx+sin*cy), num(cy-sin*cx-cos*cy))
	}
	place := func(b image.Rectangle) string {
		return fmt.Sprintf("%s 0 0 %s %s %s cm", num(float64(b.Dx())*pt), num(float64(b.Dy())*pt), num(float64(b.Min.X)*pt), num(float64(h-b.Max.Y)*pt))
	}
	for _, ph := range l.photos {
		f := math.Min(1, lv.photoDPI/l.dpi)
		if ph.flat != nil {
			f = math.Min(1, math.Max(lv.photoDPI, greyTextDPI)/l.dpi)
		}
		src := l.source(p, ph).scaled(f)
		if ph.grey {
			src.cb, src.cr = plane{}, plane{}
		}
		data, err := encodeJPEG(src, lv.quality, l.dpi*f)
		if err != nil {
			return nil, c, fmt.Errorf("encode photo: %w", err)
		}
		space := "/DeviceRGB"
		if !src.colour() {
			space = "/DeviceGray"
		}
		fmt.Fprintf(&content, "q %s /X%d Do Q\n", place(ph.box), len(page.xobjs))
		page.xobjs = append(page.xobjs, xobject{
			dict: fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode", src.y.w, src.y.h, space),
			data: data,
		})
		c.PhotoDPI, c.Quality = int(math.Round(l.dpi*f)), lv.quality
	}
	var codings []string
	for _, m := range l.masks {
		data, coding, filter, err := encodeMask(m.bits)
		if err != nil {
			return nil, c, fmt.Errorf("encode ink: %w", err)
		}
		if !slices.Contains(codings, coding) {
			codings = append(codings, coding)
		}
		fmt.Fprintf(&content, "q %s %s %s rg %s /X%d Do Q\n", num(float64(m.rgb.R)/255), num(float64(m.rgb.G)/255), num(float64(m.rgb.B)/255), place(m.box), len(page.xobjs))
		page.xobjs = append(page.xobjs, xobject{
			dict: fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ImageMask true /BitsPerComponent 1 %s",
				m.bits.Width, m.bits.Height, filter),
			data: data,
		})
	}
	slices.Sort(codings)
	c.Coding = strings.Join(codings, "+")
	content.WriteString("Q\n")
	page.content = []byte(content.String())
	c.Bytes = page.size()
	return page, c, nil
}

// encodeMask codes an ink mask in the smaller of JBIG2 (generic region,
// lossless) and CCITT G4, and returns the PDF filter entries that read it.
// Both are coded at once: a page's wall time, on a kiosk's 2 cores.
func encodeMask(b *bilevel.Bitmap) (data []byte, coding, filter string, err error) {
	var g []byte
	var gErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		g, gErr = bilevel.EncodeG4(b)
	}()
	j, err := bilevel.EncodeJBIG2(b)
	<-done
	if err = errors.Join(err, gErr); err != nil {
		return nil, "", "", err
	}
	if len(g) <= len(j) {
		return g, "G4", fmt.Sprintf("/Filter /CCITTFaxDecode /DecodeParms <</K -1 /Columns %d /Rows %d>>", b.Width, b.Height), nil
	}
	return j, "JBIG2", "/Filter /JBIG2Decode", nil
}

// greyTextDPI is the least resolution of a grey text layer: thin strokes
// stay whole.
const greyTextDPI = 200

// source is the pixels of a photo area: the page's, or the grey layer's.
func (l *layout) source(p *planes, ph photo) *planes {
	if ph.flat != nil {
		return ph.flat.sub(ph.box)
	}
	return p.sub(ph.box.Add(l.crop.Min))
}

// choiceOf describes a page's layout.
func choiceOf(l *layout) Choice {
	c := Choice{Inks: len(l.masks), Photos: len(l.photos), Skew: l.skew, Warning: l.warning, Step: l.step}
	colour := len(l.masks) > 1 || len(l.masks) == 1 && l.masks[0].rgb != (color.RGBA{A: 255})
	greyText := l.step == StepGrey
	if greyText {
		c.Photos-- // the grey layer is the text, not a photo
	}
	switch {
	case greyText && c.Photos == 0:
		c.Kind = KindText
	case c.Inks == 0 && c.Photos == 0:
		c.Kind = KindBlank
	case c.Inks == 0:
		c.Kind = KindPhoto
	case c.Photos > 0:
		c.Kind = KindMixed
	case colour:
		c.Kind = KindColour
	default:
		c.Kind = KindText
	}
	return c
}

// forEach runs f(0…n-1) on as many goroutines as there are processors,
// stopping at the first error.
func forEach(ctx context.Context, n int, f func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
