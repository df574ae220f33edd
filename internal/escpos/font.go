package escpos

import (
	"fmt"
	"image"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// DefaultCellFont is the monospace face the printer's characters are drawn
// with (Debian's fonts-dejavu-core): it has every character of the code
// pages printers carry, box drawing included.
const DefaultCellFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

// The printer's two fonts, in dots at 203 dpi: A is 12×24, B 9×17.
var cells = [2]struct {
	w, h     int
	size     float64 // em size of the face drawn into the cell
	baseline int
}{
	{12, 24, 19.5, 19},
	{9, 17, 14.5, 13},
}

// CellFont draws the printer's characters. Safe for concurrent use.
type CellFont struct {
	faces [2]font.Face

	mu    sync.Mutex
	cache map[glyphKey]*bitmap
}

type glyphKey struct {
	r    rune
	font int
	bold bool
}

// LoadCellFont reads a monospace TrueType font (DefaultCellFont).
func LoadCellFont(path string) (*CellFont, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("escpos: font: %w", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("escpos: font %s: %w", path, err)
	}
	cf := &CellFont{cache: map[glyphKey]*bitmap{}}
	for i, c := range cells {
		cf.faces[i], err = opentype.NewFace(f, &opentype.FaceOptions{Size: c.size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("escpos: font %s: %w", path, err)
		}
	}
	return cf, nil
}

// glyph is the cell of r in font 0 (A) or 1 (B), black dots set. A bold
// glyph is struck twice, one dot apart, as printers do.
func (cf *CellFont) glyph(r rune, fontB int, bold bool) *bitmap {
	k := glyphKey{r, fontB, bold}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if g, ok := cf.cache[k]; ok {
		return g
	}
	c := cells[fontB]
	face := cf.faces[fontB]
	mask := image.NewAlpha(image.Rect(0, 0, c.w, c.h))
	adv, ok := face.GlyphAdvance(r)
	if !ok {
		r, adv = '?', fixed.I(c.w) // a character the face lacks
	}
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face,
		Dot: fixed.Point26_6{X: (fixed.I(c.w) - adv) / 2, Y: fixed.I(c.baseline)}}
	d.DrawString(string(r))
	g := newBitmap(c.w, c.h)
	for y := 0; y < c.h; y++ {
		for x := 0; x < c.w; x++ {
			if mask.AlphaAt(x, y).A >= 128 || bold && x > 0 && mask.AlphaAt(x-1, y).A >= 128 {
				g.set(x, y)
			}
		}
	}
	cf.cache[k] = g
	return g
}

// bitmap is a black-and-white picture: true is a printed dot.
type bitmap struct {
	w, h int
	dots []bool
}

func newBitmap(w, h int) *bitmap { return &bitmap{w: w, h: h, dots: make([]bool, w*h)} }

func (b *bitmap) set(x, y int) { b.dots[y*b.w+x] = true }

func (b *bitmap) at(x, y int) bool { return b.dots[y*b.w+x] }

// scale enlarges b sx times across and sy times down, dot by dot.
func (b *bitmap) scale(sx, sy int) *bitmap {
	if sx == 1 && sy == 1 {
		return b
	}
	s := newBitmap(b.w*sx, b.h*sy)
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			s.dots[y*s.w+x] = b.at(x/sx, y/sy)
		}
	}
	return s
}

// draw sets the dots of src on b at (x, y), clipped.
func (b *bitmap) draw(src *bitmap, x, y int) {
	for sy := 0; sy < src.h; sy++ {
		for sx := 0; sx < src.w; sx++ {
			if src.at(sx, sy) && x+sx < b.w && y+sy < b.h {
				b.set(x+sx, y+sy)
			}
		}
	}
}

// rotate180 turns b upside down.
func (b *bitmap) rotate180() *bitmap {
	r := newBitmap(b.w, b.h)
	for i, on := range b.dots {
		r.dots[len(b.dots)-1-i] = on
	}
	return r
}
