package bilevel

import (
	"fmt"
	"math/bits"
)

// EncodeG4 returns b coded as CCITT Group 4 (ITU-T T.6, "MMR"), ended by
// EOFB, for PDF's CCITTFaxDecode with K -1. Decoders must be told the width;
// the padding bits after Width in each row are ignored.
func EncodeG4(b *Bitmap) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("g4: %w", err)
	}
	w := &writer{buf: make([]byte, 0, b.Height*4)}
	ref := make([]byte, (b.Width+7)/8) // the imaginary all-white line above the first
	for y := range b.Height {
		cur := b.Row(y)
		encodeRow(w, cur, ref, b.Width)
		ref = cur
	}
	w.put(0x001, 12) // EOFB: two EOLs
	w.put(0x001, 12)
	return w.flush(), nil
}

// encodeRow codes one row against the reference row above it (T.6 §2.2).
func encodeRow(w *writer, cur, ref []byte, width int) {
	a0, c := -1, 0 // a0 starts on an imaginary white pixel before the row
	for a0 < width {
		from := a0 + 1
		a1 := find(cur, from, 1-c, width)
		b1, b2 := refChanges(ref, from, c, width)
		if b2 < a1 {
			w.put(0b0001, 4) // pass
			a0 = b2
			continue
		}
		if d := a1 - b1; d >= -3 && d <= 3 {
			w.put(vertical[d+3].code, vertical[d+3].len)
			a0, c = a1, 1-c
			continue
		}
		a2 := find(cur, a1+1, c, width)
		w.put(0b001, 3) // horizontal
		w.run(c, a1-max(a0, 0))
		w.run(1-c, a2-a1)
		a0 = a2
	}
}

// refChanges finds b1, the first changing element of the reference row after
// position from-1 whose colour is opposite to c, and b2, the next one.
func refChanges(ref []byte, from, c, width int) (b1, b2 int) {
	p := from
	if colourAt(ref, p-1) != c {
		p = find(ref, p, c, width) // leave the run of the other colour first
	}
	b1 = find(ref, p, 1-c, width)
	b2 = find(ref, b1+1, c, width)
	return b1, b2
}

func colourAt(row []byte, x int) int {
	if x < 0 {
		return 0
	}
	return int(row[x>>3]>>(7-x&7)) & 1
}

// find returns the first x ≥ from whose pixel has colour c (1 black), or width.
func find(row []byte, from, c, width int) int {
	if from >= width {
		return width
	}
	skip := byte(0x00) // bytes holding no pixel of colour c
	if c == 0 {
		skip = 0xFF
	}
	i := from >> 3
	// The first byte: ignore the pixels before from.
	v := row[i] ^ skip
	v &= 0xFF >> (from & 7)
	for v == 0 {
		i++
		if i >= len(row) || i<<3 >= width {
			return width
		}
		v = row[i] ^ skip
	}
	return min(i<<3+bits.LeadingZeros8(v), width)
}

type code struct {
	code uint32
	len  uint8
}

// vertical holds VL3…V0…VR3 (T.6 Table 1).
var vertical = [7]code{
	{0b0000010, 7}, {0b000010, 6}, {0b010, 3}, {0b1, 1}, {0b011, 3}, {0b000011, 6}, {0b0000011, 7},
}

// writer packs codes most significant bit first.
type writer struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *writer) put(code uint32, n uint8) {
	w.acc = w.acc<<n | uint64(code)
	w.nbits += uint(n)
	for w.nbits >= 8 {
		w.nbits -= 8
		w.buf = append(w.buf, byte(w.acc>>w.nbits))
	}
}

// run writes a run of n pixels of colour c (1 black) as make-up codes
// followed by a terminating code (T.4 Tables 2 and 3).
func (w *writer) run(c, n int) {
	t := &tables[c]
	for n > 2560 {
		w.putCode(t.makeup[40])
		n -= 2560
	}
	if n >= 64 {
		w.putCode(t.makeup[n/64])
		n %= 64
	}
	w.putCode(t.term[n])
}

func (w *writer) putCode(c code) { w.put(c.code, c.len) }

func (w *writer) flush() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nbits)))
		w.nbits = 0
	}
	return w.buf
}
