package bilevel

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/ccitt"
)

// decode decodes data with golang.org/x/image/ccitt, an independent decoder,
// into a bitmap with 1 meaning black.
func decode(t testing.TB, data []byte, w, h int) *Bitmap {
	t.Helper()
	r := ccitt.NewReader(bytes.NewReader(data), ccitt.MSB, ccitt.Group4, w, h, &ccitt.Options{Invert: true})
	got := NewBitmap(w, h)
	if _, err := io.ReadFull(r, got.Bits); err != nil {
		t.Fatalf("decode %d×%d: %v", w, h, err)
	}
	return got
}

// clearPadding zeroes the bits after Width in every row, which Encode ignores.
func clearPadding(b *Bitmap) {
	if b.Width%8 == 0 {
		return
	}
	mask := byte(0xFF << (8 - b.Width%8))
	for y := range b.Height {
		b.Row(y)[b.Stride-1] &= mask
	}
}

// codec is an encoder with the reference decoder of its output.
type codec struct {
	encode func(*Bitmap) ([]byte, error)
	decode func(t testing.TB, data []byte, w, h int) *Bitmap
}

var g4 = codec{EncodeG4, decode}

// roundTrip encodes b and checks that decoding gives b back, pixel for pixel.
func (c codec) roundTrip(t testing.TB, b *Bitmap) []byte {
	t.Helper()
	data, err := c.encode(b)
	if err != nil {
		t.Fatal(err)
	}
	clearPadding(b)
	got := c.decode(t, data, b.Width, b.Height)
	for y := range b.Height {
		if !bytes.Equal(got.Row(y), b.Row(y)) {
			t.Fatalf("%d×%d: row %d differs:\n got %08b\nwant %08b", b.Width, b.Height, y, got.Row(y), b.Row(y))
		}
	}
	return data
}

// picture is a test bitmap: its size, and what is drawn on it.
type picture struct {
	name string
	w, h int
	draw func(b *Bitmap)
}

// hardPictures are what every codec must give back bit for bit: a lone
// pixel, an odd width, noise (heights as given), garbage in the padding.
func hardPictures(rng *rand.Rand, noiseH, sparseH int) []picture {
	return []picture{
		{"one pixel", 1, 1, func(b *Bitmap) { b.Set(0, 0) }},
		{"odd width", 13, 9, func(b *Bitmap) { fill(b, 3, 2, 11, 7) }},
		{"noise", 333, noiseH, func(b *Bitmap) {
			for i := range b.Bits {
				b.Bits[i] = byte(rng.Uint32())
			}
		}},
		{"sparse noise", 1000, sparseH, func(b *Bitmap) {
			for range 500 {
				b.Set(rng.IntN(b.Width), rng.IntN(b.Height))
			}
		}},
		{"garbage in padding", 10, 3, func(b *Bitmap) {
			for i := range b.Bits {
				b.Bits[i] = 0x3F
			}
		}},
	}
}

// roundTripAll draws each picture and round-trips it.
func (c codec) roundTripAll(t *testing.T, pics []picture) {
	for _, p := range pics {
		t.Run(p.name, func(t *testing.T) {
			b := NewBitmap(p.w, p.h)
			p.draw(b)
			c.roundTrip(t, b)
		})
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pics := []picture{
		{"white", 2480, 20, func(*Bitmap) {}},
		{"black", 2480, 20, func(b *Bitmap) { fill(b, 0, 0, b.Width, b.Height) }},
		{"first and last pixel", 100, 3, func(b *Bitmap) { b.Set(0, 1); b.Set(99, 1); b.Set(99, 2) }},
		{"checkerboard", 64, 64, func(b *Bitmap) {
			for y := range b.Height {
				for x := y % 2; x < b.Width; x += 2 {
					b.Set(x, y)
				}
			}
		}},
		{"runs past 2560", 9000, 4, func(b *Bitmap) { fill(b, 2700, 0, 8999, 2); fill(b, 0, 2, 5200, 4) }},
		{"every run length to 2600", 2700, 1, func(b *Bitmap) {
			x, c := 0, false
			for n := 1; x+n <= b.Width; n += 37 {
				if c {
					fill(b, x, 0, x+n, 1)
				}
				x, c = x+n, !c
			}
		}},
	}
	g4.roundTripAll(t, append(pics, hardPictures(rng, 200, 300)...))
}

func TestWhitePageIsSmall(t *testing.T) {
	data := g4.roundTrip(t, NewBitmap(2480, 3508))
	// One V0 bit a row, plus EOFB.
	if len(data) > 3508/8+4 {
		t.Errorf("white A4 page: %d bytes", len(data))
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		b    *Bitmap
	}{
		{"zero width", &Bitmap{Width: 0, Height: 1, Stride: 1, Bits: []byte{0}}},
		{"zero height", &Bitmap{Width: 8, Height: 0, Stride: 1}},
		{"too wide", &Bitmap{Width: MaxWidth + 1, Height: 1, Stride: MaxWidth/8 + 1, Bits: make([]byte, MaxWidth/8+1)}},
		{"short stride", &Bitmap{Width: 16, Height: 1, Stride: 1, Bits: []byte{0, 0}}},
		{"short bits", &Bitmap{Width: 8, Height: 2, Stride: 1, Bits: []byte{0}}},
	}
	for _, tt := range tests {
		if _, err := EncodeG4(tt.b); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func fill(b *Bitmap, x0, y0, x1, y1 int) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			b.Set(x, y)
		}
	}
}

// FuzzEncode checks that whatever the bits, the independent decoder reads
// back the same image.
func FuzzEncode(f *testing.F) {
	f.Add(uint16(8), []byte{0xF0, 0x0F})
	f.Add(uint16(13), []byte{0xFF, 0xFF, 0, 1, 0x80, 0x55})
	f.Add(uint16(1), []byte{1, 0, 1})
	f.Fuzz(func(t *testing.T, w uint16, data []byte) {
		width := int(w%3000) + 1
		stride := (width + 7) / 8
		h := len(data) / stride
		if h == 0 {
			return
		}
		g4.roundTrip(t, &Bitmap{Width: width, Height: h, Stride: stride, Bits: data[:h*stride]})
	})
}

func BenchmarkEncodeText(b *testing.B) {
	// A page of text-like strokes: short black runs on most rows.
	bm := NewBitmap(2480, 3508)
	rng := rand.New(rand.NewPCG(3, 4))
	for y := 300; y < 3200; y++ {
		if y%60 > 30 {
			continue
		}
		for x := 200; x < 2280; x += 8 + rng.IntN(20) {
			fill(bm, x, y, x+3, y+1)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := EncodeG4(bm); err != nil {
			b.Fatal(err)
		}
	}
}
