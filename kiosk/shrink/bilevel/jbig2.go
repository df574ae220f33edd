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
// cost one decision.
func encodeGeneric(b *Bitmap) []byte {
	e := newMQ()
	cx := make([]mqContext, 1<<16)
	zero := make([]byte, b.Stride)
	ltp := false
	for y := range b.Height {
		cur, up1, up2 := b.Row(y), zero, zero
		if y >= 1 {
			up1 = b.Row(y - 1)
		}
		if y >= 2 {
			up2 = b.Row(y - 2)
		}
		typical := rowsEqual(cur, up1, b.Width)
		e.encode(&cx[sltp], typical != ltp)
		ltp = typical
		if typical {
			continue
		}
		px := func(row []byte, x int) uint32 {
			if x < 0 || x >= b.Width {
				return 0
			}
			return uint32(row[x>>3]>>(7-x&7)) & 1
		}
		// The context of pixel 0, then slid along the row.
		ctx := px(up1, 3)<<4 | px(up1, 2)<<5 | px(up1, 1)<<6 | px(up1, 0)<<7 |
			px(up2, 2)<<11 | px(up2, 1)<<12 | px(up2, 0)<<13
		for x := range b.Width {
			bit := px(cur, x)
			e.encode(&cx[ctx], bit == 1)
			ctx = (ctx&0x7BF7)<<1 | bit | px(up1, x+4)<<4 | px(up2, x+3)<<11
		}
	}
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
