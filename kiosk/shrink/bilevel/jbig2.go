package bilevel

import (
	"encoding/binary"
	"fmt"
)

// EncodeJBIG2 returns b as a JBIG2 stream for PDF's JBIG2Decode (ITU-T
// T.88; no file header, no global segments): a page information segment
// and one immediate generic region, arithmetic-coded with template 0 and
// typical prediction. Lossless: a decoder gives back b exactly.
func EncodeJBIG2(b *Bitmap) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("jbig2: %w", err)
	}
	w, h := uint32(b.Width), uint32(b.Height)

	page := binary.BigEndian.AppendUint32(nil, w)
	page = binary.BigEndian.AppendUint32(page, h)
	page = append(page, 0, 0, 0, 0, 0, 0, 0, 0) // resolution unknown
	page = append(page, 0x01)                   // eventually lossless
	page = append(page, 0, 0)                   // no striping

	region := binary.BigEndian.AppendUint32(nil, w)
	region = binary.BigEndian.AppendUint32(region, h)
	region = append(region, 0, 0, 0, 0, 0, 0, 0, 0) // at (0, 0)
	region = append(region, 0)                      // combination: OR
	region = append(region, 0x08)                   // arithmetic, template 0, TPGDON
	region = append(region, atDefault[:]...)
	region = append(region, encodeGeneric(b)...)

	out := segment(nil, 0, segPageInfo, page)
	return segment(out, 1, segImmediateGeneric, region), nil
}

// Segment types (T.88 7.3).
const (
	segImmediateGeneric = 38
	segPageInfo         = 48
)

// atDefault are template 0's adaptive pixels at their nominal places:
// A1 (3, -1), A2 (-3, -1), A3 (2, -2), A4 (-2, -2).
var atDefault = [8]byte{3, 0xFF, 0xFD, 0xFF, 2, 0xFE, 0xFE, 0xFE}

// segment appends a segment of page 1 with no referred-to segments.
func segment(out []byte, number uint32, typ byte, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, number)
	out = append(out, typ, 0, 1) // flags (1-byte page association), no references, page 1
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	return append(out, data...)
}

// sltp is the context that codes "this row repeats the one above" with
// template 0 (T.88 6.2.5.7).
const sltp = 0x9B25

// encodeGeneric codes the bitmap as T.88 6.2 decodes it: pixel by pixel,
// each in the context of 16 neighbours already coded, gathered in the bit
// order decoders use (bits 0–3 the current row, 4 A1, 5–9 the row above,
// 10 A2, 11 A3, 12–14 two rows above, 15 A4); rows equal to the one above
// cost one decision. With the adaptive pixels at their nominal places, the
// context is three windows: bits 0–3 the current row at x-4…x-1, 4–10 the
// row above at x-3…x+3, 11–15 two rows above at x-2…x+2 (leftmost pixel in
// the highest bit), read from each row 8 pixels at a time. Every pixel
// costs one decision (at a page, millions): the more probable symbol's
// fast path of the MQ coder is written out here.
func encodeGeneric(b *Bitmap) []byte {
	e := newMQ()
	cx := make([]mqContext, 1<<16)
	// Rows with a white byte either side and the pixels past Width cleared:
	// what a decoder sees outside the image.
	wb := (b.Width + 7) / 8
	n := wb + 2
	bufs := make([]byte, 3*n)
	up2, up1, cur := bufs[:n], bufs[n:2*n], bufs[2*n:]
	last := byte(0xFF << ((8 - b.Width%8) % 8))
	ltp := false
	a, c, ct := e.a, e.c, e.ct
	for y := range b.Height {
		up2, up1, cur = up1, cur, up2
		copy(cur[1:], b.Row(y)[:wb])
		cur[wb] &= last
		typical := rowsEqual(cur[1:], up1[1:], b.Width)
		e.a, e.c, e.ct = a, c, ct
		e.encode(&cx[sltp], typical != ltp)
		a, c, ct = e.a, e.c, e.ct
		ltp = typical
		if typical {
			continue
		}
		var cw uint32 // the current row's last 4 pixels
		for i := range wb {
			// 24 pixels of each row above, from x-8 on (x = 8i).
			w1 := uint32(up1[i])<<16 | uint32(up1[i+1])<<8 | uint32(up1[i+2])
			w2 := uint32(up2[i])<<16 | uint32(up2[i+1])<<8 | uint32(up2[i+2])
			px := uint32(cur[i+1])
			for k := range min(8, b.Width-8*i) {
				ctx := (w2>>(13-k))&0x1F<<11 | (w1>>(12-k))&0x7F<<4 | cw
				bit := px >> (7 - k) & 1
				cw = (cw<<1 | bit) & 0xF
				st := &cx[ctx]
				s := &mqStates[st.state]
				qe := s.qe
				a -= qe
				if (bit == 1) == st.mps {
					if a&0x8000 != 0 {
						c += qe
						continue
					}
					if a < qe {
						a = qe
					} else {
						c += qe
					}
					st.state = s.nmps
				} else {
					if a < qe {
						c += qe
					} else {
						a = qe
					}
					if s.switchMPS {
						st.mps = !st.mps
					}
					st.state = s.nlps
				}
				for a&0x8000 == 0 { // RENORME
					a <<= 1
					c <<= 1
					ct--
					if ct == 0 {
						e.c = c
						e.byteOut()
						c, ct = e.c, e.ct
					}
				}
			}
		}
	}
	e.a, e.c, e.ct = a, c, ct
	return e.flush()
}

// rowsEqual compares the first width pixels of two rows.
func rowsEqual(a, b []byte, width int) bool {
	full := width / 8
	for i := range full {
		if a[i] != b[i] {
			return false
		}
	}
	if rem := width % 8; rem != 0 {
		mask := byte(0xFF << (8 - rem))
		return a[full]&mask == b[full]&mask
	}
	return true
}
