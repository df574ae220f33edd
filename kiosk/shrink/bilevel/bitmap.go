// Package bilevel encodes black-and-white images as PDF readers decode
// them natively: CCITT Group 4 (CCITTFaxDecode), the fax coding every reader
// has known since PDF 1.0, and JBIG2 generic regions (JBIG2Decode, PDF 1.4),
// a third smaller on text. A text page at 300 dpi takes some 20–40 KB in G4.
package bilevel

import (
	"errors"
	"fmt"
)

// MaxWidth bounds the row length: no page of ours is wider, and readers
// have limits of their own.
const MaxWidth = 1 << 16

// Bitmap is a packed bilevel image: one bit per pixel, most significant bit
// first, 1 meaning black (ink); each row starts at a byte boundary, Stride
// bytes after the previous one.
type Bitmap struct {
	Width, Height, Stride int
	Bits                  []byte
}

// NewBitmap returns an all-white w×h bitmap.
func NewBitmap(w, h int) *Bitmap {
	stride := (w + 7) / 8
	return &Bitmap{Width: w, Height: h, Stride: stride, Bits: make([]byte, stride*h)}
}

// Row returns row y.
func (b *Bitmap) Row(y int) []byte { return b.Bits[y*b.Stride : y*b.Stride+b.Stride] }

// Set paints pixel (x, y) black.
func (b *Bitmap) Set(x, y int) { b.Bits[y*b.Stride+x>>3] |= 0x80 >> (x & 7) }

// At reports whether pixel (x, y) is black.
func (b *Bitmap) At(x, y int) bool { return b.Bits[y*b.Stride+x>>3]&(0x80>>(x&7)) != 0 }

// check reports a bitmap whose fields disagree.
func (b *Bitmap) check() error {
	if b.Width <= 0 || b.Width > MaxWidth || b.Height <= 0 {
		return fmt.Errorf("bad size %d×%d", b.Width, b.Height)
	}
	if b.Stride < (b.Width+7)/8 || len(b.Bits) < b.Stride*b.Height {
		return errors.New("bitmap smaller than its size")
	}
	return nil
}
