package bilevel

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// mqDecoder is T.88's decoder (Annex E.3, as pdf.js writes it), to read
// back what the encoder wrote.
type mqDecoder struct {
	data        []byte
	bp          int
	chigh, clow uint32
	a           uint32
	ct          int
}

func newMQDecoder(data []byte) *mqDecoder {
	d := &mqDecoder{data: data, chigh: uint32(data[0])}
	d.byteIn()
	d.chigh = (d.chigh<<7)&0xFFFF | (d.clow>>9)&0x7F
	d.clow = (d.clow << 7) & 0xFFFF
	d.ct -= 7
	d.a = 0x8000
	return d
}

func (d *mqDecoder) at(i int) uint32 {
	if i < len(d.data) {
		return uint32(d.data[i])
	}
	return 0xFF
}

func (d *mqDecoder) byteIn() {
	if d.at(d.bp) == 0xFF {
		if d.at(d.bp+1) > 0x8F {
			d.clow += 0xFF00
			d.ct = 8
		} else {
			d.bp++
			d.clow += d.at(d.bp) << 9
			d.ct = 7
		}
	} else {
		d.bp++
		d.clow += d.at(d.bp) << 8
		d.ct = 8
	}
	if d.clow > 0xFFFF {
		d.chigh += d.clow >> 16
		d.clow &= 0xFFFF
	}
}

func (d *mqDecoder) decode(cx *mqContext) bool {
	s := mqStates[cx.state]
	a := d.a - s.qe
	var bit bool
	if d.chigh < s.qe {
		if a < s.qe {
			a, bit, cx.state = s.qe, cx.mps, s.nmps
		} else {
			a, bit = s.qe, !cx.mps
			if s.switchMPS {
				cx.mps = bit
			}
			cx.state = s.nlps
		}
	} else {
		d.chigh -= s.qe
		if a&0x8000 != 0 {
			d.a = a
			return cx.mps
		}
		if a < s.qe {
			bit = !cx.mps
			if s.switchMPS {
				cx.mps = bit
			}
			cx.state = s.nlps
		} else {
			bit, cx.state = cx.mps, s.nmps
		}
	}
	for {
		if d.ct == 0 {
			d.byteIn()
		}
		a <<= 1
		d.chigh = (d.chigh<<1)&0xFFFF | (d.clow>>15)&1
		d.clow = (d.clow << 1) & 0xFFFF
		d.ct--
		if a&0x8000 != 0 {
			break
		}
	}
	d.a = a
	return bit
}

// decodeJBIG2 reads back EncodeJBIG2's stream: it checks the segments and
// decodes the generic region with the spec's unoptimised context (every
// neighbour read afresh), independent of the encoder's sliding one.
func decodeJBIG2(t testing.TB, data []byte, w, h int) *Bitmap {
	t.Helper()
	seg := func(data []byte, typ byte) ([]byte, []byte) {
		if len(data) < 11 || data[4] != typ || data[5] != 0 || data[6] != 1 {
			t.Fatalf("segment header % x, want type %d", data[:min(11, len(data))], typ)
		}
		n := int(binary.BigEndian.Uint32(data[7:]))
		return data[11 : 11+n], data[11+n:]
	}
	page, rest := seg(data, segPageInfo)
	region, rest := seg(rest, segImmediateGeneric)
	if len(rest) != 0 || binary.BigEndian.Uint32(page) != uint32(w) || binary.BigEndian.Uint32(region[4:]) != uint32(h) {
		t.Fatalf("segments: page % x, region header % x, %d bytes after", page, region[:26], len(rest))
	}
	if region[17] != 0x08 || !bytes.Equal(region[18:26], atDefault[:]) {
		t.Fatalf("region flags % x", region[17:26])
	}
	dec := newMQDecoder(region[26:])
	cx := make([]mqContext, 1<<16)
	out := NewBitmap(w, h)
	px := func(x, y int) uint32 {
		if x < 0 || y < 0 || x >= w {
			return 0
		}
		if out.At(x, y) {
			return 1
		}
		return 0
	}
	ltp := false
	for y := range h {
		if dec.decode(&cx[sltp]) {
			ltp = !ltp
		}
		if ltp {
			if y > 0 {
				copy(out.Row(y), out.Row(y-1))
			}
			continue
		}
		for x := range w {
			ctx := px(x-1, y) | px(x-2, y)<<1 | px(x-3, y)<<2 | px(x-4, y)<<3 | px(x+3, y-1)<<4 |
				px(x+2, y-1)<<5 | px(x+1, y-1)<<6 | px(x, y-1)<<7 | px(x-1, y-1)<<8 | px(x-2, y-1)<<9 |
				px(x-3, y-1)<<10 | px(x+2, y-2)<<11 | px(x+1, y-2)<<12 | px(x, y-2)<<13 | px(x-1, y-2)<<14 | px(x-2, y-2)<<15
			if dec.decode(&cx[ctx]) {
				out.Set(x, y)
			}
		}
	}
	return out
}

var jbig2 = codec{EncodeJBIG2, decodeJBIG2}

func TestJBIG2RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pics := []picture{
		{"white", 300, 20, func(*Bitmap) {}},
		{"black", 300, 20, func(b *Bitmap) { fill(b, 0, 0, b.Width, b.Height) }},
		{"repeated rows", 50, 30, func(b *Bitmap) { fill(b, 5, 3, 20, 25) }},
	}
	jbig2.roundTripAll(t, append(pics, hardPictures(rng, 100, 200)...))
}

// TestJBIG2BeatsG4 on text-like strokes: the point of JBIG2.
func TestJBIG2BeatsG4(t *testing.T) {
	b := textLike(1200, 800)
	j := jbig2.roundTrip(t, b)
	g, err := EncodeG4(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(j) >= len(g)*9/10 {
		t.Errorf("JBIG2 %d bytes, G4 %d", len(j), len(g))
	}
}

// textLike draws rows of short strokes, like lines of letters.
func textLike(w, h int) *Bitmap {
	b := NewBitmap(w, h)
	rng := rand.New(rand.NewPCG(3, 4))
	for y := 40; y < h-40; y++ {
		if y%50 > 25 {
			continue
		}
		for x := 30; x < w-40; x += 6 + rng.IntN(14) {
			fill(b, x, y, x+2+rng.IntN(3), y+1)
		}
	}
	return b
}

func FuzzJBIG2(f *testing.F) {
	f.Add(uint16(8), []byte{0xF0, 0x0F})
	f.Add(uint16(13), []byte{0xFF, 0xFF, 0, 1, 0x80, 0x55})
	f.Fuzz(func(t *testing.T, w uint16, data []byte) {
		width := int(w%500) + 1
		stride := (width + 7) / 8
		h := len(data) / stride
		if h == 0 {
			return
		}
		jbig2.roundTrip(t, &Bitmap{Width: width, Height: h, Stride: stride, Bits: data[:h*stride]})
	})
}

func BenchmarkEncodeJBIG2Text(b *testing.B) {
	bm := textLike(2480, 3508)
	for b.Loop() {
		if _, err := EncodeJBIG2(bm); err != nil {
			b.Fatal(err)
		}
	}
}
