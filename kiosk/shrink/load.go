package shrink

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // scans come as JPEG…
	_ "image/png"  // …or PNG
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Limits that keep memory bounded whatever a file claims.
const (
	// MaxPixels bounds a page: an A4 page at 600 dpi or A3 at 400 dpi
	// (35 and 31 megapixels) fit; a 2400 dpi scan does not.
	MaxPixels = 40_000_000
	// MaxSide bounds either side of a page, in pixels.
	MaxSide = 1<<16 - 1
	// MinSide is the smallest page side worth reading.
	MinSide = 16
	// MaxPDFPages bounds a PDF given to Shrink or RasterizePDF.
	MaxPDFPages = 100
	// maxFileBytes bounds an image file read into memory.
	maxFileBytes = 256 << 20
)

// Errors about input pages; Shrink's errors wrap them.
var (
	ErrBadImage = errors.New("not a readable image")
	ErrTooLarge = errors.New("page too large")
	ErrNoImages = errors.New("the PDF holds no scanned image")
)

// decodeFile reads an image file (JPEG, PNG or PNM) into planes, with the
// resolution it states (0 when it states none). The size is checked before
// any pixel is decoded.
func decodeFile(path string) (*planes, float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open page: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if len(data) > maxFileBytes {
		return nil, 0, fmt.Errorf("%s: %w: file over %d MB", filepath.Base(path), ErrTooLarge, maxFileBytes>>20)
	}
	p, dpi, err := decode(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return p, dpi, nil
}

// decode decodes an image held in memory; see decodeFile.
func decode(data []byte) (*planes, float64, error) {
	switch {
	case isPNM(data):
		img, err := decodePNM(data)
		if err != nil {
			return nil, 0, err
		}
		return toPlanes(img), 0, nil
	case len(data) > 2 && data[0] == 0xFF && data[1] == 0xD8:
		if p, ok, err := decodeJPEG(data); ok {
			return p, jfifDPI(data), err
		}
	default:
		if p, ok, err := decodeBilevelPNG(data); ok {
			return p, pngDPI(data), err
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, 0, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("%w (%s): %v", ErrBadImage, format, err)
	}
	switch format {
	case "jpeg":
		return toPlanes(img), jfifDPI(data), nil
	case "png":
		return toPlanes(img), pngDPI(data), nil
	}
	return toPlanes(img), 0, nil
}

// checkSize refuses sizes that are absurd or beyond the limits.
func checkSize(w, h int) error {
	switch {
	case w < MinSide || h < MinSide:
		return fmt.Errorf("%w: %d×%d pixels is too small to be a page", ErrBadImage, w, h)
	case w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels:
		return fmt.Errorf("%w: %d×%d pixels (%.0f megapixels; at most %d): scan at 300 dpi",
			ErrTooLarge, w, h, float64(w)*float64(h)/1e6, MaxPixels/1_000_000)
	}
	return nil
}

// jfifDPI reads the density of a JFIF APP0 segment.
func jfifDPI(data []byte) float64 {
	// SOI, then APP0: FF E0, length, "JFIF\0", version (2), units, Xdensity (2).
	if len(data) < 18 || data[2] != 0xFF || data[3] != 0xE0 || string(data[6:11]) != "JFIF\x00" {
		return 0
	}
	d := float64(binary.BigEndian.Uint16(data[14:16]))
	switch data[13] {
	case 1: // dots per inch
		return d
	case 2: // dots per cm
		return d * 2.54
	}
	return 0
}

// pngDPI reads a pHYs chunk in metres, which must come before the image data.
func pngDPI(data []byte) float64 {
	for i := 8; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if typ == "IDAT" || n < 0 || i+12+n > len(data) {
			return 0
		}
		if typ == "pHYs" && n == 9 && data[i+16] == 1 {
			return float64(binary.BigEndian.Uint32(data[i+8:])) * 0.0254
		}
		i += 12 + n
	}
	return 0
}

// commonDPI are the resolutions scanners and cameras-turned-scanners use.
var commonDPI = []float64{72, 75, 96, 100, 150, 200, 240, 300, 400, 600}

// guessDPI assumes a page of about A4 or US Letter (11–11.7 in long).
func guessDPI(w, h int) float64 {
	est := float64(max(w, h)) / 11.35
	best := commonDPI[0]
	for _, d := range commonDPI {
		if math.Abs(d-est) < math.Abs(best-est) {
			best = d
		}
	}
	return best
}

// pageDPI is the resolution to use for a page: stated, else guessed.
func pageDPI(stated float64, w, h int) float64 {
	if stated >= 50 && stated <= 2400 {
		return stated
	}
	return guessDPI(w, h)
}

func isPNM(data []byte) bool {
	return len(data) > 2 && data[0] == 'P' && (data[1] == '4' || data[1] == '5' || data[1] == '6')
}

// decodePNM decodes binary PBM (P4), PGM (P5) and PPM (P6), the formats of
// SANE's pnm backend and of pdftoppm.
func decodePNM(data []byte) (image.Image, error) {
	h := &pnmHeader{data: data, pos: 2}
	kind := data[1]
	w, err1 := h.int()
	ht, err2 := h.int()
	maxval := 1
	var err3 error
	if kind != '4' {
		maxval, err3 = h.int()
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("%w: PNM header: %v", ErrBadImage, err)
	}
	if maxval < 1 || maxval > 65535 {
		return nil, fmt.Errorf("%w: PNM maxval %d", ErrBadImage, maxval)
	}
	if err := checkSize(w, ht); err != nil {
		return nil, err
	}
	raster := data[h.pos:] // after the single whitespace that ends the header
	bps := 1               // bytes per sample
	if maxval > 255 {
		bps = 2
	}
	var stride int
	switch kind {
	case '4':
		stride = (w + 7) / 8
	case '5':
		stride = w * bps
	default:
		stride = 3 * w * bps
	}
	if len(raster) < stride*ht {
		return nil, fmt.Errorf("%w: PNM truncated: %d of %d rows", ErrBadImage, len(raster)/stride, ht)
	}
	sample := func(row []byte, i int) uint8 {
		if maxval == 255 {
			return row[i]
		}
		if bps == 2 {
			return uint8(int(binary.BigEndian.Uint16(row[2*i:])) * 255 / maxval)
		}
		return uint8(int(row[i]) * 255 / maxval)
	}
	rect := image.Rect(0, 0, w, ht)
	switch kind {
	case '4':
		m := image.NewPaletted(rect, color.Palette{color.White, color.Black})
		for y := range ht {
			row := raster[y*stride:]
			for x := range w {
				m.Pix[y*m.Stride+x] = row[x>>3] >> (7 - x&7) & 1
			}
		}
		return m, nil
	case '5':
		m := image.NewGray(rect)
		for y := range ht {
			row := raster[y*stride:]
			for x := range w {
				m.Pix[y*m.Stride+x] = sample(row, x)
			}
		}
		return m, nil
	}
	m := image.NewRGBA(rect)
	for y := range ht {
		row := raster[y*stride:]
		px := m.Pix[y*m.Stride:]
		for x := range w {
			px[4*x], px[4*x+1], px[4*x+2], px[4*x+3] = sample(row, 3*x), sample(row, 3*x+1), sample(row, 3*x+2), 0xFF
		}
	}
	return m, nil
}

// pnmHeader reads the numbers of a PNM header.
type pnmHeader struct {
	data []byte
	pos  int
}

// int reads a number, skipping whitespace and comments before it and the
// single whitespace byte after it.
func (h *pnmHeader) int() (int, error) {
	start := -1
	for ; h.pos < len(h.data); h.pos++ {
		c := h.data[h.pos]
		switch {
		case c == '#' && start < 0:
			for h.pos < len(h.data) && h.data[h.pos] != '\n' {
				h.pos++
			}
		case c >= '0' && c <= '9':
			if start < 0 {
				start = h.pos
			}
			if h.pos-start > 6 {
				return 0, errors.New("number too long")
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if start >= 0 {
				n, err := strconv.Atoi(string(h.data[start:h.pos]))
				h.pos++
				return n, err
			}
		default:
			return 0, fmt.Errorf("unexpected byte %q", c)
		}
	}
	return 0, errors.New("header ends early")
}

// RasterizePDF turns each page of a PDF into an image file in dir, at the
// resolution of the page's images (at most 300 dpi), with poppler's
// pdfimages and pdftoppm. A PDF without images is refused: it is not a scan.
func RasterizePDF(ctx context.Context, path, dir string) ([]Page, error) {
	name := filepath.Base(path)
	out, err := exec.CommandContext(ctx, "pdfimages", "-list", path).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, ErrBadImage, commandError(err))
	}
	info, err := exec.CommandContext(ctx, "pdfinfo", "-l", strconv.Itoa(MaxPDFPages+1), path).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, ErrBadImage, commandError(err))
	}
	sizes := pdfPageSizes(string(info))
	switch {
	case len(sizes) == 0:
		return nil, fmt.Errorf("%s: %w: no pages", name, ErrBadImage)
	case len(sizes) > MaxPDFPages:
		return nil, fmt.Errorf("%s: %w: more than %d pages", name, ErrTooLarge, MaxPDFPages)
	}
	images := pdfImages(string(out))
	if len(images) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoImages)
	}
	var pages []Page
	for i, size := range sizes {
		n := i + 1
		dpi, grey := 200.0, true // pages without images: text drawn as such
		if im, ok := images[n]; ok {
			dpi, grey = math.Min(im.dpi, 300), im.grey
		}
		// Keep within MaxPixels whatever the page size.
		if px := size[0] / 72 * dpi * size[1] / 72 * dpi; px > MaxPixels {
			dpi *= math.Sqrt(MaxPixels / px)
		}
		dpi = math.Max(math.Floor(dpi), 50)
		base := filepath.Join(dir, fmt.Sprintf("page-%03d", n))
		args := []string{"-r", strconv.Itoa(int(dpi)), "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-singlefile"}
		ext := ".ppm"
		if grey {
			args, ext = append(args, "-gray"), ".pgm"
		}
		if out, err := exec.CommandContext(ctx, "pdftoppm", append(args, path, base)...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: render page %d: %v: %s", name, n, err, strings.TrimSpace(string(out)))
		}
		pages = append(pages, Page{Path: base + ext, DPI: dpi})
	}
	return pages, nil
}

// pdfImage is what pdfimages says of a page's images: the highest
// resolution, and whether all are grey.
type pdfImage struct {
	dpi  float64
	grey bool
}

// pdfImages parses `pdfimages -list`, by page.
func pdfImages(list string) map[int]pdfImage {
	pages := map[int]pdfImage{}
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		// page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
		if len(f) < 14 || f[2] == "smask" || f[2] == "mask" {
			continue
		}
		n, err1 := strconv.Atoi(f[0])
		ppi, err2 := strconv.ParseFloat(f[12], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		im, seen := pages[n]
		if !seen {
			im.grey = true
		}
		im.dpi = math.Max(im.dpi, ppi)
		im.grey = im.grey && f[5] == "gray"
		pages[n] = im
	}
	return pages
}

// pdfPageSizes parses `pdfinfo -l N`: each page's width and height in points.
func pdfPageSizes(info string) [][2]float64 {
	var sizes [][2]float64
	for _, line := range strings.Split(info, "\n") {
		// "Page    1 size: 612 x 792 pts (letter)"
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "Page" || f[2] != "size:" || f[4] != "x" {
			continue
		}
		w, err1 := strconv.ParseFloat(f[3], 64)
		h, err2 := strconv.ParseFloat(f[5], 64)
		if err1 == nil && err2 == nil && w > 0 && h > 0 {
			sizes = append(sizes, [2]float64{w, h})
		}
	}
	return sizes
}

// commandError is the first line of what a failed command wrote to stderr.
func commandError(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		line, _, _ := strings.Cut(strings.TrimSpace(string(ee.Stderr)), "\n")
		return line
	}
	return err.Error()
}
