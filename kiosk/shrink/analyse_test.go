package shrink

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/png"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAnyBelow checks the 8-pixel paper test against a byte-by-byte one, for
// every threshold, on random words and on words with one byte at each
// value around it.
func TestAnyBelow(t *testing.T) {
	naive := func(x uint64, th uint8) bool {
		for i := range 8 {
			if uint8(x>>(8*i)) < th {
				return true
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(1, 2))
	for th := range 256 {
		words := []uint64{0, ^uint64(0), lanes1 * uint64(th)}
		for i := range 8 {
			for _, v := range []int{th - 1, th, th + 1, 0, 127, 128, 255} {
				if v >= 0 && v <= 255 {
					w := ^uint64(0) &^ (0xFF << (8 * i)) // bright paper…
					words = append(words, w|uint64(v)<<(8*i), lanes1*uint64(min(th+1, 255))&^(0xFF<<(8*i))|uint64(v)<<(8*i))
				}
			}
		}
		for range 2000 {
			words = append(words, r.Uint64())
		}
		for _, w := range words {
			if got, want := anyBelow(w, uint8(th)), naive(w, uint8(th)); got != want {
				t.Fatalf("anyBelow(%#016x, %d) = %v, want %v", w, th, got, want)
			}
		}
	}
}

// linePNG writes a 1-bit PNG (ctype 0 grey, 3 a palette of plte) whose row
// y is filtered with filter y%5, each filter as the PNG spec defines it.
func linePNG(w, h int, ctype byte, plte []byte, pix func(x, y int) bool) []byte {
	stride := (w + 7) / 8
	var raw []byte
	prev := make([]byte, stride)
	for y := range h {
		row := make([]byte, stride)
		for x := range w {
			if pix(x, y) {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		f := byte(y % 5)
		raw = append(raw, f)
		for i := range row {
			var left, upLeft byte
			if i > 0 {
				left, upLeft = row[i-1], prev[i-1]
			}
			pred := [5]byte{0, left, prev[i], byte((int(left) + int(prev[i])) / 2), paeth(left, prev[i], upLeft)}[f]
			raw = append(raw, row[i]-pred)
		}
		prev = row
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, body []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(body)))
		out.WriteString(typ)
		out.Write(body)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), body...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	chunk("IHDR", append(ihdr, 1, ctype, 0, 0, 0))
	if plte != nil {
		chunk("PLTE", plte)
	}
	// The data in two chunks, as encoders split it.
	d := z.Bytes()
	chunk("IDAT", d[:len(d)/2])
	chunk("IDAT", d[len(d)/2:])
	chunk("IEND", nil)
	return out.Bytes()
}

// TestBilevelPNG decodes line-art PNGs with every row filter as image/png
// does, and leaves other PNGs to it.
func TestBilevelPNG(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	noise := func(x, y int) bool { return r.IntN(3) == 0 }
	tests := []struct {
		name    string
		w, h    int
		ctype   byte
		plte    []byte
		fast    bool // decoded by decodeBilevelPNG
		bilevel bool
	}{
		{"grey", 61, 40, 0, nil, true, true},
		{"black and white palette", 64, 33, 3, []byte{0, 0, 0, 255, 255, 255}, true, true},
		{"white and black palette", 17, 20, 3, []byte{255, 255, 255, 0, 0, 0}, true, true},
		{"two mid greys", 30, 30, 3, []byte{90, 90, 90, 200, 200, 200}, true, false},
		{"coloured palette", 30, 30, 3, []byte{0, 0, 255, 255, 255, 255}, false, false},
		{"one-entry palette", 30, 30, 3, []byte{0, 0, 0}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := linePNG(tt.w, tt.h, tt.ctype, tt.plte, noise)
			got, ok, err := decodeBilevelPNG(data)
			if err != nil || ok != tt.fast {
				t.Fatalf("decodeBilevelPNG: ok %v, %v; want ok %v", ok, err, tt.fast)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := toPlanes(img)
			if !ok {
				return
			}
			if got.bilevel != tt.bilevel || got.colour() {
				t.Errorf("bilevel %v, colour %v; want bilevel %v, grey", got.bilevel, got.colour(), tt.bilevel)
			}
			for y := range tt.h {
				if !bytes.Equal(got.y.row(y), want.y.row(y)) {
					t.Fatalf("row %d: % x, want % x", y, got.y.row(y), want.y.row(y))
				}
			}
		})
	}
	// Damage is refused, not decoded.
	data := linePNG(40, 40, 0, nil, noise)
	for _, bad := range [][]byte{data[:len(data)-20], append(slices.Clone(data[:40]), 0xFF)} {
		if _, ok, err := decodeBilevelPNG(bad); !ok || !errors.Is(err, ErrBadImage) {
			t.Errorf("damaged PNG: ok %v, %v; want ErrBadImage", ok, err)
		}
	}
}
