package scanner

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
)

// MaxPixels bounds a scanned page: an A4 page at 600 dpi (35 megapixels)
// fits, a 2400 dpi one does not. Memory for a page is at most 4 bytes a pixel.
const MaxPixels = 40_000_000

// maxSide bounds a line, so that a line buffer stays small.
const maxSide = 1<<16 - 1

// frameFormat is SANE_Frame.
type frameFormat int

const (
	frameGray frameFormat = iota
	frameRGB
	frameRed
	frameGreen
	frameBlue
)

// frameParams is SANE_Parameters: what the scanner says of the next frame.
type frameParams struct {
	format        frameFormat
	last          bool
	bytesPerLine  int
	pixelsPerLine int
	lines         int // -1: unknown until the frame ends (hand scanners)
	depth         int // bits per sample: 1, 8 or 16
}

// assembler builds a page from the frames of a scan: one grey or RGB frame,
// or three single-colour frames (three-pass scanners), with known or unknown
// height. It checks what the scanner announces and sends, and never holds
// more than MaxPixels.
type assembler struct {
	w, h      int // h is -1 until known
	kind      frameFormat
	depth     int
	pix       []byte // the page: 1 byte a pixel (grey, black and white) or 4 (RGBA)
	channels  int    // bitmask of the colour frames received
	frames    int
	fp        frameParams
	line      []byte // the current line as it arrives
	lineFill  int
	lines     int // complete lines of the current frame
	done      int64
	frameDone bool
}

// begin starts a frame.
func (a *assembler) begin(fp frameParams) error {
	if a.frames > 0 && !a.frameDone {
		return fmt.Errorf("%w: new frame before the end of the previous one", ErrBadFrame)
	}
	if err := fp.check(); err != nil {
		return err
	}
	switch {
	case a.frames == 0:
		a.w, a.h, a.kind, a.depth = fp.pixelsPerLine, fp.lines, fp.format, fp.depth
		if fp.format >= frameRed {
			a.kind = frameRGB
		}
		if a.h >= 0 {
			a.pix = make([]byte, 0, a.h*a.rowBytes())
		}
	case a.kind != frameRGB || fp.format < frameRed || a.channels&(1<<fp.format) != 0:
		return fmt.Errorf("%w: unexpected frame %d after %d frame(s)", ErrBadFrame, fp.format, a.frames)
	case fp.pixelsPerLine != a.w || fp.depth != a.depth || (fp.lines >= 0 && a.h >= 0 && fp.lines != a.h):
		return fmt.Errorf("%w: colour frames of different sizes", ErrBadFrame)
	}
	a.fp = fp
	a.frames++
	a.frameDone = false
	a.line = make([]byte, fp.bytesPerLine)
	a.lineFill, a.lines = 0, 0
	return nil
}

// check refuses absurd parameters before anything is allocated.
func (fp frameParams) check() error {
	samples := 1
	if fp.format == frameRGB {
		samples = 3
	}
	switch {
	case fp.format < frameGray || fp.format > frameBlue:
		return fmt.Errorf("%w: unsupported frame format %d", ErrUnsupported, fp.format)
	case fp.depth != 1 && fp.depth != 8 && fp.depth != 16:
		return fmt.Errorf("%w: unsupported depth %d", ErrUnsupported, fp.depth)
	case fp.pixelsPerLine <= 0 || fp.lines < -1 || fp.lines == 0:
		return fmt.Errorf("%w: %d×%d pixels", ErrBadFrame, fp.pixelsPerLine, fp.lines)
	case fp.pixelsPerLine > maxSide || int64(fp.pixelsPerLine)*int64(max(fp.lines, 1)) > MaxPixels:
		return fmt.Errorf("%w: %d×%d pixels (at most %d million): scan at a lower resolution",
			ErrTooLarge, fp.pixelsPerLine, fp.lines, MaxPixels/1_000_000)
	case int64(fp.bytesPerLine) < (int64(fp.pixelsPerLine)*int64(samples*fp.depth)+7)/8 ||
		int64(fp.bytesPerLine) > 2*int64(fp.pixelsPerLine)*int64(samples*2)+64:
		return fmt.Errorf("%w: %d bytes per line for %d pixels", ErrBadFrame, fp.bytesPerLine, fp.pixelsPerLine)
	}
	return nil
}

func (a *assembler) rowBytes() int {
	if a.kind == frameRGB {
		return 4 * a.w
	}
	return a.w
}

// total is the bytes expected for the page, or -1 when unknown.
func (a *assembler) total() int64 {
	if a.h < 0 {
		return -1
	}
	frames := int64(1)
	if a.fp.format >= frameRed {
		frames = 3
	}
	return frames * int64(a.h) * int64(a.fp.bytesPerLine)
}

// write takes data of the current frame, in any chunks.
func (a *assembler) write(p []byte) error {
	if a.frames == 0 || a.frameDone {
		return fmt.Errorf("%w: data outside a frame", ErrBadFrame)
	}
	a.done += int64(len(p))
	for len(p) > 0 {
		n := copy(a.line[a.lineFill:], p)
		a.lineFill += n
		p = p[n:]
		if a.lineFill < len(a.line) {
			return nil
		}
		if err := a.addLine(); err != nil {
			return err
		}
		a.lineFill = 0
	}
	return nil
}

// addLine stores the complete current line into the page.
func (a *assembler) addLine() error {
	y := a.lines
	maxLines := a.h
	if maxLines < 0 {
		maxLines = MaxPixels / a.w
	}
	if y >= maxLines {
		if a.h < 0 {
			return fmt.Errorf("%w: hand-scanned page longer than %d lines", ErrTooLarge, maxLines)
		}
		return fmt.Errorf("%w: more than the %d lines announced", ErrBadFrame, a.h)
	}
	rb := a.rowBytes()
	if a.frames == 1 {
		// The first frame lays the rows out.
		a.pix = append(a.pix, make([]byte, rb)...)
		if a.kind == frameRGB {
			row := a.pix[y*rb:]
			for x := range a.w {
				row[4*x+3] = 0xFF
			}
		}
	}
	row := a.pix[y*rb : (y+1)*rb]
	src := a.line
	switch {
	case a.fp.format == frameGray && a.depth == 1:
		for x := range a.w {
			row[x] = src[x>>3] >> (7 - x&7) & 1 // SANE: 1 is black
		}
	case a.fp.format == frameGray:
		for x := range a.w {
			row[x] = a.sample(src, x)
		}
	case a.fp.format == frameRGB:
		for x := range a.w {
			row[4*x], row[4*x+1], row[4*x+2] = a.sample(src, 3*x), a.sample(src, 3*x+1), a.sample(src, 3*x+2)
		}
	default: // one colour of three
		c := int(a.fp.format - frameRed)
		for x := range a.w {
			row[4*x+c] = a.sample(src, x)
		}
	}
	a.lines++
	return nil
}

// sample reads sample i of a line as 8 bits.
func (a *assembler) sample(line []byte, i int) byte {
	switch a.depth {
	case 1:
		return (line[i>>3]>>(7-i&7)&1 ^ 1) * 0xFF // as in grey line art, 1 is dark
	case 16:
		return byte(binary.NativeEndian.Uint16(line[2*i:]) >> 8) // SANE sends native byte order
	}
	return line[i]
}

// end closes the current frame when the scanner reports its end.
func (a *assembler) end() error {
	if a.frames == 0 || a.frameDone {
		return fmt.Errorf("%w: end outside a frame", ErrBadFrame)
	}
	switch {
	case a.lineFill != 0:
		return fmt.Errorf("%w: frame ends in the middle of line %d", ErrBadFrame, a.lines+1)
	case a.h >= 0 && a.lines != a.h:
		return fmt.Errorf("%w: frame ends after %d of its %d lines", ErrBadFrame, a.lines, a.h)
	case a.lines == 0:
		return fmt.Errorf("%w: empty frame", ErrBadFrame)
	}
	a.h = a.lines // known now for hand scanners; later frames must match
	if a.fp.format >= frameRed {
		a.channels |= 1 << a.fp.format
	}
	a.frameDone = true
	return nil
}

// complete says whether the page is whole: the last frame has ended and,
// for three-pass scans, every colour has come.
func (a *assembler) complete() bool {
	if !a.frameDone || !a.fp.last {
		return false
	}
	return a.fp.format < frameRed || a.channels == 1<<frameRed|1<<frameGreen|1<<frameBlue
}

// image returns the page; the assembler must be complete.
func (a *assembler) image() (image.Image, error) {
	if !a.complete() {
		return nil, fmt.Errorf("%w: scan ended before the page was complete", ErrBadFrame)
	}
	r := image.Rect(0, 0, a.w, a.h)
	switch {
	case a.kind == frameRGB:
		return &image.RGBA{Pix: a.pix, Stride: 4 * a.w, Rect: r}, nil
	case a.depth == 1:
		return &image.Paletted{Pix: a.pix, Stride: a.w, Rect: r, Palette: color.Palette{color.White, color.Black}}, nil
	}
	return &image.Gray{Pix: a.pix, Stride: a.w, Rect: r}, nil
}
