// Package escpos is the test bench's ESC/POS printer: a decoder for the
// byte stream any ESC/POS encoder sends, a renderer that draws what a
// thermal printer would print (text in its code page, styles, raster and
// column images, QR codes, cuts) as PNG, and a virtual printer on a
// pseudo-terminal or a TCP port that answers status requests and can be
// told to run out of paper, open its cover or go silent.
package escpos

import (
	"bufio"
	"errors"
	"io"
)

// Cmd says what an Op is.
type Cmd int

const (
	CmdText          Cmd = iota // Data: bytes in the selected code page
	CmdLineFeed                 // LF: print the line and feed
	CmdCarriageRet              // CR: ignored, as on most printers
	CmdTab                      // HT
	CmdFormFeed                 // FF: in standard mode, print and feed a line
	CmdInit                     // ESC @
	CmdCodePage                 // ESC t n
	CmdBold                     // ESC E n, ESC G n
	CmdUnderline                // ESC - n
	CmdPrintMode                // ESC ! n: font, bold, double height/width, underline at once
	CmdSize                     // GS ! n: width (high nibble) and height magnification
	CmdJustify                  // ESC a n
	CmdFont                     // ESC M n
	CmdReverse                  // GS B n: white on black
	CmdUpsideDown               // ESC { n
	CmdLineSpacing              // ESC 3 n; N is -1 for ESC 2 (the default)
	CmdFeedLines                // ESC d n: print and feed n lines
	CmdFeedDots                 // ESC J n: print and feed n dots
	CmdCharSpacing              // ESC SP n
	CmdLeftMargin               // GS L nL nH
	CmdAreaWidth                // GS W nL nH: the printable area's width, in dots
	CmdPosition                 // ESC $ nL nH: the next character N dots from the line's start
	CmdRelPosition              // ESC \ nL nH: the next character N dots further (N may be negative)
	CmdTabStops                 // ESC D n1 … NUL; Data: the stops, in characters
	CmdRaster                   // GS v 0: Data W/8 bytes a row, H rows; N: the scale mode
	CmdBitImage                 // ESC * m: Data in columns; W columns; N: m
	CmdGraphicsStore            // GS ( L / GS 8 L fn 112: Data, W, H; N: scale (bx | by<<4)
	CmdGraphicsPrint            // GS ( L fn 50
	CmdQRSize                   // GS ( k fn 67
	CmdQRLevel                  // GS ( k fn 69: N 48 to 51 (L, M, Q, H)
	CmdQRStore                  // GS ( k fn 80: Data
	CmdQRPrint                  // GS ( k fn 81
	CmdBarcode                  // GS k: N the system, Data the content
	CmdBarcodeHeight            // GS h n
	CmdBarcodeWidth             // GS w n: module width in dots
	CmdHRIPosition              // GS H n: human-readable text none (0), above (1), below (2), both (3)
	CmdHRIFont                  // GS f n
	CmdCut                      // GS V, ESC i, ESC m: N 0 full, 1 partial; W dots fed first
	CmdStatus                   // DLE EOT n: answer at once
	CmdPaperStatus              // GS r n, ESC v: answer at once
	CmdIgnored                  // understood, nothing to draw: drawer kick, buzzer, ASB…
	CmdUnknown                  // skipped: Data, the command's first bytes; or N bytes of an image over MaxImage
)

// Op is one decoded command.
type Op struct {
	Cmd  Cmd
	N    int
	W, H int
	Data []byte
}

// MaxImage bounds the bytes of one image or QR code: a stream asking for
// more is skipped rather than held in memory.
const MaxImage = 4 << 20

// Decoder reads Ops from an ESC/POS byte stream.
type Decoder struct{ r *bufio.Reader }

// NewDecoder decodes r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: bufio.NewReaderSize(r, 4096)} }

// Next decodes one command. Text comes in runs of what has arrived, so a
// live stream is drawn as it comes. The error is io.EOF at the end of the
// stream, io.ErrUnexpectedEOF when it ends inside a command.
func (d *Decoder) Next() (Op, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	op, err := d.decode(c)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return op, err
}

func (d *Decoder) decode(c byte) (Op, error) {
	switch {
	case c >= 0x20:
		text := []byte{c}
		for d.r.Buffered() > 0 {
			b, _ := d.r.ReadByte()
			if b < 0x20 {
				d.r.UnreadByte()
				break
			}
			text = append(text, b)
		}
		return Op{Cmd: CmdText, Data: text}, nil
	case c == 0x0a:
		return Op{Cmd: CmdLineFeed}, nil
	case c == 0x0d:
		return Op{Cmd: CmdCarriageRet}, nil
	case c == 0x09:
		return Op{Cmd: CmdTab}, nil
	case c == 0x0c:
		return Op{Cmd: CmdFormFeed}, nil
	case c == 0x1b:
		return d.esc()
	case c == 0x1d:
		return d.gs()
	case c == 0x1c:
		return d.fs()
	case c == 0x10:
		return d.dle()
	}
	return Op{Cmd: CmdIgnored}, nil // other control bytes: BEL, CAN…
}

// args reads n bytes.
func (d *Decoder) args(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(d.r, b)
	return b, err
}

func (d *Decoder) byte1() (int, error) {
	b, err := d.r.ReadByte()
	return int(b), err
}

func (d *Decoder) u16() (int, error) {
	b, err := d.args(2)
	if err != nil {
		return 0, err
	}
	return int(b[0]) | int(b[1])<<8, nil
}

// image reads size bytes of image data; nil when there are too many, which
// are skipped.
func (d *Decoder) image(size int) ([]byte, error) {
	if size > MaxImage {
		_, err := io.CopyN(io.Discard, d.r, int64(size))
		return nil, err
	}
	return d.args(size)
}

// ESC commands with one argument byte and the Cmd they map to.
var escOne = map[byte]Cmd{
	't': CmdCodePage, 'E': CmdBold, 'G': CmdBold, '-': CmdUnderline, '!': CmdPrintMode,
	'a': CmdJustify, 'M': CmdFont, '{': CmdUpsideDown, '3': CmdLineSpacing,
	'd': CmdFeedLines, 'J': CmdFeedDots, ' ': CmdCharSpacing,
	// understood, no effect on the drawing
	'R': CmdIgnored, 'r': CmdIgnored, '=': CmdIgnored, 'U': CmdIgnored, 'V': CmdIgnored,
	'e': CmdIgnored, 'K': CmdIgnored, 'A': CmdIgnored, '+': CmdIgnored, '%': CmdIgnored,
	'?': CmdIgnored, 'T': CmdIgnored, 'u': CmdIgnored,
}

func (d *Decoder) esc() (Op, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	if cmd, ok := escOne[c]; ok {
		n, err := d.byte1()
		return Op{Cmd: cmd, N: n}, err
	}
	switch c {
	case '@':
		return Op{Cmd: CmdInit}, nil
	case 'L', 'S': // page mode, standard mode
		return Op{Cmd: CmdIgnored}, nil
	case '2':
		return Op{Cmd: CmdLineSpacing, N: -1}, nil
	case 'i', 'm':
		return Op{Cmd: CmdCut, N: 1}, nil
	case 'v':
		return Op{Cmd: CmdPaperStatus, N: 1}, nil
	case '$':
		n, err := d.u16()
		return Op{Cmd: CmdPosition, N: n}, err
	case '\\':
		n, err := d.u16()
		return Op{Cmd: CmdRelPosition, N: int(int16(n))}, err
	case 'c': // ESC c 3/4/5 n: sensors, panel buttons
		_, err := d.args(2)
		return Op{Cmd: CmdIgnored}, err
	case 'p': // drawer kick: m t1 t2
		_, err := d.args(3)
		return Op{Cmd: CmdIgnored}, err
	case 'W': // page-mode area
		_, err := d.args(8)
		return Op{Cmd: CmdIgnored}, err
	case 'D':
		var stops []byte
		for len(stops) <= 32 {
			b, err := d.r.ReadByte()
			if err != nil || b == 0 {
				return Op{Cmd: CmdTabStops, Data: stops}, err
			}
			stops = append(stops, b)
		}
		return Op{Cmd: CmdTabStops, Data: stops}, nil
	case '*':
		m, err := d.byte1()
		if err != nil {
			return Op{}, err
		}
		cols, err := d.u16()
		if err != nil {
			return Op{}, err
		}
		per := 1
		if m >= 32 {
			per = 3
		}
		data, err := d.image(cols * per)
		if data == nil {
			return Op{Cmd: CmdUnknown, N: cols * per}, err
		}
		return Op{Cmd: CmdBitImage, N: m, W: cols, Data: data}, err
	case '&': // user-defined characters: y c1 c2, then per character x and x·y bytes
		b, err := d.args(3)
		if err != nil {
			return Op{}, err
		}
		for range max(0, int(b[2])-int(b[1])+1) {
			x, err := d.byte1()
			if err != nil {
				return Op{}, err
			}
			if _, err := d.args(x * int(b[0])); err != nil {
				return Op{}, err
			}
		}
		return Op{Cmd: CmdIgnored}, nil
	}
	return Op{Cmd: CmdUnknown, Data: []byte{0x1b, c}}, nil
}

// GS commands with one argument byte.
var gsOne = map[byte]Cmd{
	'!': CmdSize, 'B': CmdReverse, 'h': CmdBarcodeHeight, 'r': CmdPaperStatus,
	'w': CmdBarcodeWidth, 'H': CmdHRIPosition, 'f': CmdHRIFont, 'a': CmdIgnored, 'I': CmdIgnored,
	'b': CmdIgnored, '|': CmdIgnored, 'T': CmdIgnored, '/': CmdIgnored,
}

func (d *Decoder) gs() (Op, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	if cmd, ok := gsOne[c]; ok {
		n, err := d.byte1()
		return Op{Cmd: cmd, N: n}, err
	}
	switch c {
	case 'L':
		n, err := d.u16()
		return Op{Cmd: CmdLeftMargin, N: n}, err
	case 'W':
		n, err := d.u16()
		return Op{Cmd: CmdAreaWidth, N: n}, err
	case 'P', '$', '\\': // motion units; page-mode positions
		_, err := d.args(2)
		return Op{Cmd: CmdIgnored}, err
	case 'V':
		m, err := d.byte1()
		if err != nil {
			return Op{}, err
		}
		if m < 65 { // 0 or '0' full, 1 or '1' partial
			return Op{Cmd: CmdCut, N: m & 1}, nil
		}
		n, err := d.byte1() // 'A' full, 'B' partial, after feeding n dots
		return Op{Cmd: CmdCut, N: (m - 65) & 1, W: n}, err
	case 'v':
		h, err := d.args(6) // '0' m xL xH yL yH
		if err != nil {
			return Op{}, err
		}
		w, rows := int(h[2])|int(h[3])<<8, int(h[4])|int(h[5])<<8
		data, err := d.image(w * rows)
		if data == nil {
			return Op{Cmd: CmdUnknown, N: w * rows}, err
		}
		return Op{Cmd: CmdRaster, N: int(h[1]), W: w * 8, H: rows, Data: data}, err
	case 'k':
		return d.barcode()
	case '(':
		fn, err := d.r.ReadByte()
		if err != nil {
			return Op{}, err
		}
		n, err := d.u16()
		if err != nil {
			return Op{}, err
		}
		body, err := d.image(n)
		if err != nil || body == nil {
			return Op{Cmd: CmdUnknown, N: n}, err
		}
		switch fn {
		case 'k':
			return qrOp(body), nil
		case 'L':
			return graphicsOp(body), nil
		}
		return Op{Cmd: CmdIgnored}, nil
	case '8': // GS 8 L: GS ( L with a 32-bit length
		b, err := d.args(5)
		if err != nil {
			return Op{}, err
		}
		n := int(b[1]) | int(b[2])<<8 | int(b[3])<<16 | int(b[4])<<24
		body, err := d.image(n)
		if err != nil || body == nil || b[0] != 'L' {
			return Op{Cmd: CmdUnknown, N: n}, err
		}
		return graphicsOp(body), nil
	}
	return Op{Cmd: CmdUnknown, Data: []byte{0x1d, c}}, nil
}

// qrOp reads the body of GS ( k for a QR code (cn 49); other symbols are
// ignored.
func qrOp(b []byte) Op {
	if len(b) < 2 || b[0] != 49 {
		return Op{Cmd: CmdIgnored}
	}
	fn, args := b[1], b[2:]
	switch {
	case fn == 67 && len(args) >= 1:
		return Op{Cmd: CmdQRSize, N: int(args[0])}
	case fn == 69 && len(args) >= 1:
		return Op{Cmd: CmdQRLevel, N: int(args[0])}
	case fn == 80 && len(args) >= 1:
		return Op{Cmd: CmdQRStore, Data: args[1:]}
	case fn == 81:
		return Op{Cmd: CmdQRPrint}
	}
	return Op{Cmd: CmdIgnored}
}

// graphicsOp reads the body of GS ( L: m fn, then for fn 112 the raster:
// a bx by c xL xH yL yH data.
func graphicsOp(b []byte) Op {
	if len(b) < 2 {
		return Op{Cmd: CmdIgnored}
	}
	switch b[1] {
	case 50, 2:
		return Op{Cmd: CmdGraphicsPrint}
	case 112:
		if len(b) < 10 {
			return Op{Cmd: CmdIgnored}
		}
		w, h := int(b[6])|int(b[7])<<8, int(b[8])|int(b[9])<<8
		data := b[10:]
		if len(data) < (w+7)/8*h {
			return Op{Cmd: CmdIgnored}
		}
		return Op{Cmd: CmdGraphicsStore, N: int(b[3]) | int(b[4])<<4, W: w, H: h, Data: data[:(w+7)/8*h]}
	}
	return Op{Cmd: CmdIgnored}
}

func (d *Decoder) barcode() (Op, error) {
	m, err := d.byte1()
	if err != nil {
		return Op{}, err
	}
	if m <= 6 { // NUL-terminated, 255 bytes at most as on printers
		var data []byte
		for len(data) < 255 {
			b, err := d.r.ReadByte()
			if err != nil || b == 0 {
				return Op{Cmd: CmdBarcode, N: m, Data: data}, err
			}
			data = append(data, b)
		}
		return Op{Cmd: CmdBarcode, N: m, Data: data}, nil
	}
	n, err := d.byte1()
	if err != nil {
		return Op{}, err
	}
	data, err := d.args(n)
	return Op{Cmd: CmdBarcode, N: m, Data: data}, err
}

func (d *Decoder) fs() (Op, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	switch c {
	case '&', '.':
		return Op{Cmd: CmdIgnored}, nil
	case '(': // FS ( fn pL pH data: Kanji and character styles, ignored
		if _, err := d.r.ReadByte(); err != nil {
			return Op{}, err
		}
		n, err := d.u16()
		if err != nil {
			return Op{}, err
		}
		_, err = io.CopyN(io.Discard, d.r, int64(n))
		return Op{Cmd: CmdIgnored}, err
	case '!', '-', 'C', 'W':
		_, err := d.args(1)
		return Op{Cmd: CmdIgnored}, err
	case 'p', 'S': // NV logo print, Kanji spacing
		_, err := d.args(2)
		return Op{Cmd: CmdIgnored}, err
	}
	return Op{Cmd: CmdUnknown, Data: []byte{0x1c, c}}, nil
}

func (d *Decoder) dle() (Op, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	switch c {
	case 0x04: // EOT n (n 7 and 8 take one more byte)
		n, err := d.byte1()
		if err == nil && (n == 7 || n == 8) {
			_, err = d.args(1)
		}
		return Op{Cmd: CmdStatus, N: n}, err
	case 0x05: // ENQ n
		_, err := d.args(1)
		return Op{Cmd: CmdIgnored}, err
	case 0x14: // DC4 fn …: pulse, power off, clear buffer
		fn, err := d.byte1()
		if err != nil {
			return Op{}, err
		}
		extra := map[int]int{1: 2, 2: 2, 7: 3, 8: 7}[fn]
		_, err = d.args(extra)
		return Op{Cmd: CmdIgnored}, err
	}
	return Op{Cmd: CmdUnknown, Data: []byte{0x10, c}}, nil
}
