// Package receiptspec is what the core and the ticket printer's driver
// share, so that neither imports the other: the document a ticket is
// (Doc), the printer models (Profile, from profiles.toml) and the serial
// line's settings (Flow, Bauds). The core writes tickets and checks the
// configuration in these terms; drivers/receipt prints them.
package receiptspec

import "image"

// Doc is a receipt independent of any printer: blocks from top to bottom,
// which Render lays out for one printer's paper width, characters and
// abilities.
type Doc struct {
	RTL    bool // written right to left: Start is the right edge
	Blocks []Block
}

// Block is one element of a Doc.
type Block struct {
	Kind  Kind
	Text  string // KindText: a paragraph ("\n" starts a new line); KindQR: the data
	Style Style  // KindText
	Image image.Image
	Lines int // KindFeed
}

// Kind says what a Block is.
type Kind int

const (
	KindText  Kind = iota
	KindRule       // a horizontal line across the paper
	KindQR         // a QR code, centred
	KindImage      // a picture (a logo), printed in black and white
	KindFeed       // blank lines
)

// Style is how a text block looks.
type Style struct {
	Bold  bool
	Large bool // double width and height: titles
	Align Align
}

// Text adds a paragraph.
func (d *Doc) Text(s string, st Style) {
	d.Blocks = append(d.Blocks, Block{Kind: KindText, Text: s, Style: st})
}

// Rule adds a horizontal line.
func (d *Doc) Rule() { d.Blocks = append(d.Blocks, Block{Kind: KindRule}) }

// QR adds a QR code of data.
func (d *Doc) QR(data string) { d.Blocks = append(d.Blocks, Block{Kind: KindQR, Text: data}) }

// Image adds a picture, scaled down to the paper if wider.
func (d *Doc) Image(img image.Image) { d.Blocks = append(d.Blocks, Block{Kind: KindImage, Image: img}) }

// Feed adds n blank lines.
func (d *Doc) Feed(n int) { d.Blocks = append(d.Blocks, Block{Kind: KindFeed, Lines: n}) }

// Align is a horizontal alignment. In a right-to-left document Start is the
// right edge.
type Align int

const (
	Start Align = iota
	Center
	End
)
