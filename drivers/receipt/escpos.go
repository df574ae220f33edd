package receipt

import (
	"image"
	"image/color"
)

// ESC/POS control bytes.
const (
	lf  = 0x0a
	esc = 0x1b
	gs  = 0x1d
	dle = 0x10
	eot = 0x04
)

// QR error-correction levels, in the printer's numbering.
type QRLevel byte

const (
	QRLow     QRLevel = 48 // 7 %
	QRMedium  QRLevel = 49 // 15 %
	QRQuarter QRLevel = 50 // 25 %
	QRHigh    QRLevel = 51 // 30 %
)

// Encoder writes ESC/POS commands. Its methods append to Bytes; none fails.
type Encoder struct{ buf []byte }

// Bytes is everything encoded so far.
func (e *Encoder) Bytes() []byte { return e.buf }

func (e *Encoder) put(b ...byte) { e.buf = append(e.buf, b...) }

// Init resets the printer's modes (ESC @).
func (e *Encoder) Init() { e.put(esc, '@') }

// CodePage selects the character table by its ESC t number.
func (e *Encoder) CodePage(n byte) { e.put(esc, 't', n) }

// Bold switches emphasis (ESC E).
func (e *Encoder) Bold(on bool) { e.put(esc, 'E', bit(on)) }

// Underline sets the underline thickness in dots, 0 to 2 (ESC -).
func (e *Encoder) Underline(dots int) { e.put(esc, '-', byte(min(max(dots, 0), 2))) }

// Size sets the character magnification, 1 to 8 each way (GS !).
func (e *Encoder) Size(w, h int) {
	w, h = min(max(w, 1), 8), min(max(h, 1), 8)
	e.put(gs, '!', byte(w-1)<<4|byte(h-1))
}

// Justifications, as ESC a numbers them.
const (
	JustifyLeft   byte = 0
	JustifyCenter byte = 1
	JustifyRight  byte = 2
)

// Justify sets the justification of the following lines (ESC a).
func (e *Encoder) Justify(n byte) { e.put(esc, 'a', n) }

// Text writes bytes already in the selected code page, then a line feed.
func (e *Encoder) Text(b []byte) {
	e.buf = append(e.buf, b...)
	e.put(lf)
}

// Feed feeds n lines (ESC d).
func (e *Encoder) Feed(n int) { e.put(esc, 'd', byte(min(max(n, 0), 255))) }

// maxBand is the tallest raster band sent in one command: some printers
// refuse more, and smaller bands keep their buffers from overflowing.
const maxBand = 256

// Raster prints img in black and white (GS v 0): pixels darker than mid
// grey are black. Wide images are cut to width dots.
func (e *Encoder) Raster(img image.Image, width int) {
	b := img.Bounds()
	w := min(b.Dx(), width)
	rowBytes := (w + 7) / 8
	for y0 := b.Min.Y; y0 < b.Max.Y; y0 += maxBand {
		h := min(maxBand, b.Max.Y-y0)
		e.put(gs, 'v', '0', 0, byte(rowBytes), byte(rowBytes>>8), byte(h), byte(h>>8))
		for y := y0; y < y0+h; y++ {
			row := make([]byte, rowBytes)
			for x := 0; x < w; x++ {
				if dark(img.At(b.Min.X+x, y)) {
					row[x/8] |= 0x80 >> (x % 8)
				}
			}
			e.buf = append(e.buf, row...)
		}
	}
}

func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 128
}

// QR has the printer draw a QR code of data (GS ( k, model 2) with modules
// of module dots.
func (e *Encoder) QR(data []byte, module int, level QRLevel) {
	e.qrFunc(65, '2', 0)                        // model 2
	e.qrFunc(67, byte(min(max(module, 1), 16))) // module size
	e.qrFunc(69, byte(level))                   // error correction
	e.qrFunc(80, append([]byte{'0'}, data...)...)
	e.qrFunc(81, '0') // print
}

// qrFunc writes GS ( k pL pH cn fn args, cn 49 being QR codes.
func (e *Encoder) qrFunc(fn byte, args ...byte) {
	n := len(args) + 2
	e.put(gs, '(', 'k', byte(n), byte(n>>8), 49, fn)
	e.buf = append(e.buf, args...)
}

// Cut cuts the paper (GS V): partially, leaving a hinge, or fully.
func (e *Encoder) Cut(partial bool) { e.put(gs, 'V', bit(partial)) }

// StatusRequest asks for one real-time status byte (DLE EOT n).
func (e *Encoder) StatusRequest(n byte) { e.put(dle, eot, n) }

func bit(on bool) byte {
	if on {
		return 1
	}
	return 0
}
