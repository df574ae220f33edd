package escpos

import (
	"image"

	"golang.org/x/text/encoding/charmap"
	"rsc.io/qr"
)

// Ticket is the paper between two cuts.
type Ticket struct {
	Image *image.Gray
	Cut   string // "full", "partial", or "" when torn off without a cut
}

// The code pages ESC t selects, in Epson's numbering. A number missing
// here prints as page 0, as many printers do.
var codePages = map[int]*charmap.Charmap{
	0: charmap.CodePage437, 2: charmap.CodePage850, 3: charmap.CodePage860,
	4: charmap.CodePage863, 5: charmap.CodePage865, 16: charmap.Windows1252,
	17: charmap.CodePage866, 18: charmap.CodePage852, 19: charmap.CodePage858,
}

const (
	margin          = 32    // blank paper each side of the printable width, in dots
	defaultSpacing  = 30    // ESC 2: the default line spacing, in dots
	maxTicketDots   = 10000 // 1.25 m of paper: longer is a runaway stream, cut it
	maxTrailing     = 400   // blank paper kept after the last printed line
	defaultBarcodeH = 162
)

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
	tabs        []int // in characters; nil: every 8
	qrModule    int
	qrLevel     int
	qrData      []byte
	barcodeH    int
	graphics    *bitmap
}

func defaultState() state {
	return state{wMul: 1, hMul: 1, spacing: defaultSpacing, qrModule: 3, qrLevel: 48, barcodeH: defaultBarcodeH}
}

// item is one thing on the line being composed: a character, a tab's
// blank, a slice of column image.
type item struct {
	bm      *bitmap
	advance int
}

// Renderer draws what a thermal printer prints for a stream of Ops.
type Renderer struct {
	width int // printable dots
	font  *CellFont
	st    state

	line       []item
	lineW      int
	lineUpside bool

	pix  []byte // the paper so far, (width + 2·margin) dots a row, 0 black
	y    int    // where the next line prints
	done []Ticket
}

// NewRenderer draws on paper width dots wide (576 for 80 mm at 203 dpi)
// with the printer's characters drawn in font.
func NewRenderer(width int, font *CellFont) *Renderer {
	return &Renderer{width: width, font: font, st: defaultState()}
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
// ignores them.
func (r *Renderer) Apply(op Op) {
	st := &r.st
	switch op.Cmd {
	case CmdText:
		cm := codePages[st.codePage]
		if cm == nil {
			cm = charmap.CodePage437
		}
		for _, b := range op.Data {
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
	case CmdBarcode:
		r.barcode(op.Data)
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
	r.put(item{g, g.w + st.charSpacing*st.wMul})
}

// put adds an item to the line, printing the line first when it is full:
// printers wrap a line too long for the paper.
func (r *Renderer) put(it item) {
	if len(r.line) == 0 {
		r.lineUpside = r.st.upsideDown
	}
	if len(r.line) > 0 && r.lineW+it.bm.w > r.width-r.st.leftMargin {
		r.printLine(r.st.spacing)
		r.lineUpside = r.st.upsideDown
	}
	r.line = append(r.line, it)
	r.lineW += it.advance
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
		if x := s * step; x > r.lineW && x <= r.width-st.leftMargin {
			r.put(item{newBitmap(0, 0), x - r.lineW})
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
		line := newBitmap(r.lineW, h)
		x := 0
		for _, it := range r.line {
			line.draw(it.bm, x, h-it.bm.h) // characters stand on one baseline
			x += it.advance
		}
		if r.lineUpside {
			line = line.rotate180()
		}
		r.paste(line, r.st.leftMargin+r.justifyOffset(r.lineW))
	}
	r.feed(max(feed, h))
	r.line, r.lineW = r.line[:0], 0
}

func (r *Renderer) justifyOffset(w int) int {
	area := r.width - r.st.leftMargin
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
	r.put(item{bm, bm.w})
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

// barcode draws a stand-in for a barcode: bars from the data's bits, as
// tall as asked, and the data written under them.
func (r *Renderer) barcode(data []byte) {
	bm := newBitmap(min(len(data)*16, r.width), r.st.barcodeH)
	for x := 0; x < bm.w; x++ {
		if data[x/16]&(0x80>>(x/2%8)) != 0 || x%16 < 2 {
			for y := 0; y < bm.h; y++ {
				bm.set(x, y)
			}
		}
	}
	r.block(bm)
	for _, b := range data {
		r.char(rune(b))
	}
	r.printLine(r.st.spacing)
}

// feed moves the paper n dots.
func (r *Renderer) feed(n int) {
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
