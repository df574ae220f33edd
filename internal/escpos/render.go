package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/code93"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/twooffive"
	"golang.org/x/text/encoding/charmap"
	"rsc.io/qr"
)

// Ticket is the paper between two cuts.
type Ticket struct {
	Image *image.Gray
	Cut   string // "full", "partial", or "" when torn off without a cut
}

// codePage turns a byte into the character it prints.
type codePage interface{ DecodeByte(b byte) rune }

// The code pages ESC t selects, in Epson's numbering. A number missing
// here prints as page 0, as many printers do.
var codePages = map[int]codePage{
	0: charmap.CodePage437, 1: katakana{}, 2: charmap.CodePage850, 3: charmap.CodePage860,
	4: charmap.CodePage863, 5: charmap.CodePage865, 16: charmap.Windows1252,
	17: charmap.CodePage866, 18: charmap.CodePage852, 19: charmap.CodePage858,
}

// katakana is Epson's page 1: half-width katakana, and in 0x80 to 0x9F the
// block and box-drawing characters encoders use for rules and frames
// (receiptline draws its rules with 0x95).
type katakana struct{}

var katakanaGraphics = []rune("▁▂▃▄▅▆▇█▏▎▍▌▋▊▉┼┴┬┤├▔─│▕┌┐└┘╭╮╰╯")

func (katakana) DecodeByte(b byte) rune {
	switch {
	case b < 0x80:
		return rune(b)
	case b < 0xa0:
		return katakanaGraphics[b-0x80]
	case b == 0xa0:
		return ' '
	case b < 0xe0:
		return 0xff61 + rune(b-0xa1) // half-width katakana
	}
	return '?'
}

const (
	margin          = 32    // blank paper each side of the printable width, in dots
	defaultSpacing  = 30    // ESC 2: the default line spacing, in dots
	maxTicketDots   = 10000 // 1.25 m of paper: longer is a runaway stream, cut it
	maxTrailing     = 400   // blank paper kept after the last printed line
	maxLineItems    = 1024  // characters drawn over one another by positioning: print the line
	defaultBarcodeH = 162
	defaultModule   = 3 // GS w: a barcode's narrowest bar, in dots
)

// RollDots is the paper a renderer feeds before its roll ends: 80 m, the
// usual 80 mm roll, at 8 dots a millimetre.
const RollDots = 80_000 * 8

// ErrRollEnd says the roll ran out: Apply draws nothing more until Refill.
// It bounds the paper, and so the memory, any stream can take.
var ErrRollEnd = errors.New("escpos: the paper roll ran out")

// state is what ESC @ resets.
type state struct {
	codePage    int
	fontB       int // 0: font A, 1: font B
	bold        bool
	underline   int
	wMul, hMul  int
	justify     int
	reverse     bool
	upsideDown  bool
	spacing     int
	charSpacing int
	leftMargin  int
	areaW       int   // GS W; 0: the rest of the paper
	tabs        []int // in characters; nil: every 8
	qrModule    int
	qrLevel     int
	qrData      []byte
	barcodeH    int
	barcodeW    int
	hriPos      int // 0 none, 1 above, 2 below, 3 both
	hriFont     int
	graphics    *bitmap
}

func defaultState() state {
	return state{wMul: 1, hMul: 1, spacing: defaultSpacing, qrModule: 3, qrLevel: 48, barcodeH: defaultBarcodeH, barcodeW: defaultModule}
}

// item is one thing on the line being composed, x dots from its start: a
// character, a slice of column image.
type item struct {
	bm *bitmap
	x  int
}

// Renderer draws what a thermal printer prints for a stream of Ops.
type Renderer struct {
	width int // printable dots
	font  *CellFont
	st    state

	line       []item
	cursor     int // where the next character goes, from the line's start
	lineW      int // how far the line's items reach
	lineUpside bool

	pix  []byte // the paper so far, (width + 2·margin) dots a row, 0 black
	y    int    // where the next line prints
	done []Ticket

	roll, fed int   // dots of paper on the roll, and fed from it
	err       error // ErrRollEnd once fed reaches roll
}

// NewRenderer draws on paper width dots wide (576 for 80 mm at 203 dpi)
// with the printer's characters drawn in font, from a roll of RollDots.
func NewRenderer(width int, font *CellFont) *Renderer {
	return &Renderer{width: width, font: font, st: defaultState(), roll: RollDots}
}

// Refill puts a new roll of dots of paper in.
func (r *Renderer) Refill(dots int) {
	r.roll, r.fed, r.err = dots, 0, nil
}

func (r *Renderer) paperW() int { return r.width + 2*margin }

// Pending tells whether something printed since the last cut.
func (r *Renderer) Pending() bool { return r.y > 0 || len(r.line) > 0 }

// Take returns the tickets finished since the last call.
func (r *Renderer) Take() []Ticket {
	t := r.done
	r.done = nil
	return t
}

// Tear ends the ticket without a cut, as when paper is torn off.
func (r *Renderer) Tear() {
	if r.Pending() {
		r.endTicket("")
	}
}

// Apply draws one Op. Status requests are the printer's business: Apply
// ignores them. Once the roll has run out it draws nothing and returns
// ErrRollEnd (wrapped, with the length fed).
func (r *Renderer) Apply(op Op) error {
	if r.err == nil {
		r.apply(op)
	}
	return r.err
}

func (r *Renderer) apply(op Op) {
	st := &r.st
	switch op.Cmd {
	case CmdText:
		cm := codePages[st.codePage]
		if cm == nil {
			cm = codePages[0]
		}
		for _, b := range op.Data {
			if r.err != nil { // the roll ran out mid-text
				break
			}
			r.char(cm.DecodeByte(b))
		}
	case CmdLineFeed, CmdFormFeed:
		r.printLine(st.spacing)
	case CmdTab:
		r.tab()
	case CmdInit:
		r.st = defaultState()
	case CmdCodePage:
		st.codePage = op.N
	case CmdBold:
		st.bold = op.N&1 == 1
	case CmdUnderline:
		if c := choice(op.N); c >= 0 {
			st.underline = c
		}
	case CmdPrintMode:
		st.fontB = op.N & 1
		st.bold = op.N&0x08 != 0
		st.hMul = 1 + op.N>>4&1
		st.wMul = 1 + op.N>>5&1
		st.underline = op.N >> 7 & 1
	case CmdSize:
		st.wMul, st.hMul = 1+op.N>>4&7, 1+op.N&7
	case CmdJustify:
		if c := choice(op.N); c >= 0 {
			st.justify = c
		}
	case CmdFont:
		if c := choice(op.N); c >= 0 {
			st.fontB = min(c, 1) // font C, where there is one, is as small as B
		}
	case CmdReverse:
		st.reverse = op.N&1 == 1
	case CmdUpsideDown:
		st.upsideDown = op.N&1 == 1
	case CmdLineSpacing:
		st.spacing = op.N
		if op.N < 0 {
			st.spacing = defaultSpacing
		}
	case CmdFeedLines:
		r.printLine(op.N * st.spacing)
	case CmdFeedDots:
		r.printLine(op.N)
	case CmdCharSpacing:
		st.charSpacing = op.N
	case CmdLeftMargin:
		st.leftMargin = min(op.N, r.width-cells[0].w)
	case CmdAreaWidth:
		st.areaW = op.N
	case CmdPosition: // printers ignore a position past the printable area
		if op.N < r.area() {
			r.cursor = op.N
		}
	case CmdRelPosition:
		if x := r.cursor + op.N; x >= 0 && x < r.area() {
			r.cursor = x
		}
	case CmdTabStops:
		st.tabs = st.tabs[:0]
		for _, b := range op.Data {
			st.tabs = append(st.tabs, int(b))
		}
	case CmdRaster:
		r.block(r.rowImage(op.Data, op.W, op.H).scale(1+op.N&1, 1+op.N>>1&1))
	case CmdBitImage:
		r.bitImage(op)
	case CmdGraphicsStore:
		st.graphics = r.rowImage(op.Data, op.W, op.H).scale(min(max(1, op.N&0xf), 2), min(max(1, op.N>>4), 2))
	case CmdGraphicsPrint:
		if st.graphics != nil {
			r.block(st.graphics)
		}
	case CmdQRSize:
		st.qrModule = min(max(op.N, 1), 16)
	case CmdQRLevel:
		st.qrLevel = op.N
	case CmdQRStore:
		st.qrData = op.Data
	case CmdQRPrint:
		r.qr()
	case CmdBarcodeHeight:
		st.barcodeH = max(op.N, 1)
	case CmdBarcodeWidth:
		if op.N >= 1 && op.N <= 6 {
			st.barcodeW = op.N
		}
	case CmdHRIPosition:
		if op.N <= 3 || op.N >= '0' && op.N <= '3' {
			st.hriPos = op.N & 3
		}
	case CmdHRIFont:
		st.hriFont = op.N & 1
	case CmdBarcode:
		r.barcode(op.N, op.Data)
	case CmdCut:
		r.printLine(0)
		r.feed(op.W)
		r.endTicket([]string{"full", "partial"}[op.N&1])
	}
}

// choice reads an argument written 0, 1, 2 or '0', '1', '2'; -1 when it
// is neither, and printers ignore the command.
func choice(n int) int {
	switch {
	case n <= 2:
		return n
	case n >= '0' && n <= '2':
		return n - '0'
	}
	return -1
}

// char puts one character on the line.
func (r *Renderer) char(c rune) {
	st := &r.st
	g := r.font.glyph(c, st.fontB, st.bold).scale(st.wMul, st.hMul)
	if st.reverse || st.underline > 0 {
		styled := newBitmap(g.w, g.h)
		copy(styled.dots, g.dots)
		for y := g.h - st.underline; y < g.h; y++ {
			for x := 0; x < g.w; x++ {
				styled.set(x, y)
			}
		}
		if st.reverse {
			for i := range styled.dots {
				styled.dots[i] = !styled.dots[i]
			}
		}
		g = styled
	}
	r.put(g, g.w+st.charSpacing*st.wMul)
}

// area is the printable area's width: from the left margin to the paper's
// edge, or GS W's width.
func (r *Renderer) area() int {
	a := r.width - r.st.leftMargin
	if r.st.areaW > 0 {
		a = min(a, r.st.areaW)
	}
	return max(a, cells[0].w)
}

// put adds a picture at the cursor and moves it on by advance, printing
// the line first when the picture does not fit: printers wrap a line too
// long for the paper.
func (r *Renderer) put(bm *bitmap, advance int) {
	if len(r.line) == 0 {
		r.lineUpside = r.st.upsideDown
	}
	if r.cursor > 0 && r.cursor+bm.w > r.area() || len(r.line) >= maxLineItems {
		r.printLine(r.st.spacing)
		r.lineUpside = r.st.upsideDown
	}
	r.line = append(r.line, item{bm, r.cursor})
	r.lineW = max(r.lineW, r.cursor+bm.w)
	r.cursor += advance
}

// tab moves to the next tab stop, if there is one on the line.
func (r *Renderer) tab() {
	st := &r.st
	step := cells[st.fontB].w*st.wMul + st.charSpacing*st.wMul
	stops := st.tabs
	if stops == nil {
		for c := 8; c*step < r.width; c += 8 {
			stops = append(stops, c)
		}
	}
	for _, s := range stops {
		if x := s * step; x > r.cursor && x <= r.area() {
			r.cursor = x
			return
		}
	}
}

// printLine prints the line being composed and feeds at least feed dots
// (at least the line's height when something is on it).
func (r *Renderer) printLine(feed int) {
	h := 0
	for _, it := range r.line {
		h = max(h, it.bm.h)
	}
	if h > 0 {
		line := newBitmap(min(r.lineW, r.area()), h)
		for _, it := range r.line {
			line.draw(it.bm, it.x, h-it.bm.h) // characters stand on one baseline
		}
		if r.lineUpside {
			line = line.rotate180()
		}
		r.paste(line, r.st.leftMargin+r.justifyOffset(line.w))
	}
	r.feed(max(feed, h))
	r.line, r.lineW, r.cursor = r.line[:0], 0, 0
}

func (r *Renderer) justifyOffset(w int) int {
	area := r.area()
	switch r.st.justify {
	case 1:
		return max(0, (area-w)/2)
	case 2:
		return max(0, area-w)
	}
	return 0
}

// block prints a picture on its own: raster images, graphics, QR codes,
// barcodes. What was on the line prints first.
func (r *Renderer) block(bm *bitmap) {
	if len(r.line) > 0 {
		r.printLine(r.st.spacing)
	}
	r.paste(bm, r.st.leftMargin+r.justifyOffset(bm.w))
	r.feed(bm.h)
}

// bitImage puts an ESC * column image on the line: 8-dot modes (m 0, 1)
// are a third as dense down the paper, single-density ones (m 0, 32) half
// as dense across.
func (r *Renderer) bitImage(op Op) {
	dotsDown, sy := 8, 3
	if op.N >= 32 {
		dotsDown, sy = 24, 1
	}
	sx := 2 - op.N&1
	bytesPerCol := dotsDown / 8
	bm := newBitmap(op.W, dotsDown)
	for c := 0; c < op.W; c++ {
		for y := 0; y < dotsDown; y++ {
			if op.Data[c*bytesPerCol+y/8]&(0x80>>(y%8)) != 0 {
				bm.set(c, y)
			}
		}
	}
	bm = bm.scale(sx, sy)
	r.put(bm, bm.w)
}

// qr prints the stored QR code. A printer makes its own choice of mask, so
// the modules may differ from another encoder's; the data is the same.
func (r *Renderer) qr() {
	st := &r.st
	level := map[int]qr.Level{48: qr.L, 49: qr.M, 50: qr.Q, 51: qr.H}[st.qrLevel]
	code, err := qr.Encode(string(st.qrData), level)
	if err != nil || len(st.qrData) == 0 {
		return // printers print nothing for data they cannot encode
	}
	bm := newBitmap(code.Size, code.Size)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				bm.set(x, y)
			}
		}
	}
	r.block(bm.scale(st.qrModule, st.qrModule))
}

// barcode prints a barcode of system m (GS k: 0 to 6 and 65 to 73), its
// human-readable text above or below it as GS H asks. Data a printer
// cannot encode prints nothing, as on paper.
func (r *Renderer) barcode(m int, data []byte) {
	text, bars := encodeBarcode(m, data)
	if len(bars) == 0 {
		return
	}
	st := &r.st
	bm := newBitmap(min(len(bars)*st.barcodeW, r.area()), st.barcodeH)
	for x := 0; x < bm.w; x++ {
		if bars[x/st.barcodeW] {
			for y := 0; y < bm.h; y++ {
				bm.set(x, y)
			}
		}
	}
	if st.hriPos&1 != 0 {
		r.hri(text)
	}
	r.block(bm)
	if st.hriPos&2 != 0 {
		r.hri(text)
	}
}

// hri prints a barcode's human-readable text on its own line, in the HRI
// font, unstyled.
func (r *Renderer) hri(text string) {
	for _, c := range text {
		g := r.font.glyph(c, r.st.hriFont, false)
		r.put(g, g.w)
	}
	r.printLine(0)
}

// encodeBarcode returns a barcode's human-readable text and its modules,
// true for a bar; no modules for data the system cannot encode.
func encodeBarcode(m int, data []byte) (string, []bool) {
	if m >= 65 {
		m -= 65
	}
	text := string(data)
	var bc barcode.Barcode
	var err error
	switch m {
	case 0: // UPC-A: EAN-13 with a leading 0
		if bc, err = ean.Encode("0" + text); err == nil {
			text = bc.Content()[1:]
		}
	case 2, 3: // EAN-13, EAN-8: the check digit is the printer's
		if bc, err = ean.Encode(text); err == nil {
			text = bc.Content()
		}
	case 4:
		bc, err = code39.Encode(text, false, false)
	case 5:
		bc, err = twooffive.Encode(text, true)
	case 6:
		bc, err = codabar.Encode(text)
	case 7:
		bc, err = code93.Encode(text, true, false)
	case 8:
		text = code128Text(data)
		bc, err = code128.Encode(text)
	default:
		err = fmt.Errorf("system %d", m)
	}
	if err != nil {
		return text, nil
	}
	bars := make([]bool, bc.Bounds().Dx())
	for x := range bars {
		bars[x] = color.GrayModel.Convert(bc.At(bc.Bounds().Min.X+x, bc.Bounds().Min.Y)).(color.Gray).Y < 128
	}
	return text, bars
}

// code128Text is what a CODE128 barcode's data says: "{A", "{B", "{C"
// choose a code set and print nothing, "{S" shifts, "{1" to "{4" are the
// function characters, "{{" is "{"; in code set C each byte is two digits.
func code128Text(data []byte) string {
	var b strings.Builder
	set := byte('B')
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '{' && i+1 < len(data) {
			i++
			switch data[i] {
			case 'A', 'B', 'C':
				set = data[i]
			case '{':
				b.WriteByte('{')
			}
			continue
		}
		if set == 'C' {
			fmt.Fprintf(&b, "%02d", c%100)
		} else if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// feed moves the paper n dots, from a roll that may run out.
func (r *Renderer) feed(n int) {
	r.fed += n
	if r.fed >= r.roll && r.err == nil {
		r.err = fmt.Errorf("%w after %.1f m of paper", ErrRollEnd, float64(r.fed)/8000)
	}
	r.y += n
	if r.y > maxTicketDots {
		r.y = maxTicketDots
		r.endTicket("")
	}
}

// paste draws bm on the paper at the current line, x dots into the
// printable width.
func (r *Renderer) paste(bm *bitmap, x int) {
	w := r.paperW()
	if need := (r.y + bm.h) * w; need > len(r.pix) {
		old := len(r.pix)
		r.pix = append(r.pix, make([]byte, need-old)...)
		for i := old; i < need; i++ {
			r.pix[i] = 0xff
		}
	}
	for y := 0; y < bm.h; y++ {
		for bx := 0; bx < bm.w; bx++ {
			if px := margin + x + bx; bm.at(bx, y) && px < margin+r.width {
				r.pix[(r.y+y)*w+px] = 0
			}
		}
	}
}

// endTicket closes the ticket: the paper fed so far, blank included. Paper
// with nothing printed on it is no ticket.
func (r *Renderer) endTicket(cut string) {
	if len(r.pix) == 0 {
		r.y = 0
		return
	}
	w := r.paperW()
	h := min(r.y, len(r.pix)/w+maxTrailing)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	copy(img.Pix, r.pix)
	r.done = append(r.done, Ticket{Image: img, Cut: cut})
	r.pix, r.y = r.pix[:0], 0
}

// maxImageDots is the tallest image drawn: half a metre of paper. The
// rest of a taller one, and what lies beyond the paper's width, are lost,
// as on paper.
const maxImageDots = 4000

// rowImage reads a raster image: rows of ceil(w/8) bytes, high bit left.
func (r *Renderer) rowImage(data []byte, w, h int) *bitmap {
	rowBytes := (w + 7) / 8
	bm := newBitmap(min(w, r.width), min(h, maxImageDots))
	for y := 0; y < bm.h; y++ {
		for x := 0; x < bm.w; x++ {
			if data[y*rowBytes+x/8]&(0x80>>(x%8)) != 0 {
				bm.set(x, y)
			}
		}
	}
	return bm
}
