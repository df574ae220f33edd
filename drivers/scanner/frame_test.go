package scanner

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"testing"
)

// feed runs frames through an assembler, each frame's data in chunks of
// chunk bytes, and returns the page.
func feed(frames []frameParams, data [][]byte, chunk int) (image.Image, error) {
	var a assembler
	for i, fp := range frames {
		if err := a.begin(fp); err != nil {
			return nil, err
		}
		for d := data[i]; len(d) > 0; {
			n := min(chunk, len(d))
			if err := a.write(d[:n]); err != nil {
				return nil, err
			}
			d = d[n:]
		}
		if err := a.end(); err != nil {
			return nil, err
		}
	}
	return a.image()
}

func TestAssembler(t *testing.T) {
	grey := func(lines int, last bool) frameParams {
		return frameParams{format: frameGray, last: last, bytesPerLine: 3, pixelsPerLine: 3, lines: lines, depth: 8}
	}
	colour := func(f frameFormat, lines int, last bool) frameParams {
		return frameParams{format: f, last: last, bytesPerLine: 2, pixelsPerLine: 2, lines: lines, depth: 8}
	}
	u16 := make([]byte, 4)
	binary.NativeEndian.PutUint16(u16, 0xABCD)
	binary.NativeEndian.PutUint16(u16[2:], 0x0102)
	tests := []struct {
		name   string
		frames []frameParams
		data   [][]byte
		want   image.Image
		err    error
	}{
		{"grey", []frameParams{grey(2, true)}, [][]byte{{1, 2, 3, 4, 5, 6}},
			&image.Gray{Pix: []byte{1, 2, 3, 4, 5, 6}, Stride: 3, Rect: image.Rect(0, 0, 3, 2)}, nil},
		{"padded lines", []frameParams{{format: frameGray, last: true, bytesPerLine: 4, pixelsPerLine: 3, lines: 2, depth: 8}},
			[][]byte{{1, 2, 3, 0, 4, 5, 6, 0}}, &image.Gray{Pix: []byte{1, 2, 3, 4, 5, 6}, Stride: 3, Rect: image.Rect(0, 0, 3, 2)}, nil},
		{"hand scanner", []frameParams{grey(-1, true)}, [][]byte{{1, 2, 3, 4, 5, 6, 7, 8, 9}},
			&image.Gray{Pix: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, Stride: 3, Rect: image.Rect(0, 0, 3, 3)}, nil},
		{"line art, 1 is black", []frameParams{{format: frameGray, last: true, bytesPerLine: 1, pixelsPerLine: 3, lines: 1, depth: 1}},
			[][]byte{{0b101_00000}}, &image.Paletted{Pix: []byte{1, 0, 1}, Stride: 3, Rect: image.Rect(0, 0, 3, 1), Palette: color.Palette{color.White, color.Black}}, nil},
		{"16 bits", []frameParams{{format: frameGray, last: true, bytesPerLine: 4, pixelsPerLine: 2, lines: 1, depth: 16}},
			[][]byte{u16}, &image.Gray{Pix: []byte{0xAB, 0x01}, Stride: 2, Rect: image.Rect(0, 0, 2, 1)}, nil},
		{"rgb", []frameParams{{format: frameRGB, last: true, bytesPerLine: 6, pixelsPerLine: 2, lines: 1, depth: 8}},
			[][]byte{{1, 2, 3, 4, 5, 6}}, &image.RGBA{Pix: []byte{1, 2, 3, 255, 4, 5, 6, 255}, Stride: 8, Rect: image.Rect(0, 0, 2, 1)}, nil},
		{"colour line art", []frameParams{{format: frameRGB, last: true, bytesPerLine: 1, pixelsPerLine: 2, lines: 1, depth: 1}},
			[][]byte{{0b100_011_00}}, &image.RGBA{Pix: []byte{0, 255, 255, 255, 255, 0, 0, 255}, Stride: 8, Rect: image.Rect(0, 0, 2, 1)}, nil},
		{"three-pass", []frameParams{colour(frameGreen, 1, false), colour(frameBlue, 1, false), colour(frameRed, 1, true)},
			[][]byte{{2, 5}, {3, 6}, {1, 4}}, &image.RGBA{Pix: []byte{1, 2, 3, 255, 4, 5, 6, 255}, Stride: 8, Rect: image.Rect(0, 0, 2, 1)}, nil},
		{"three-pass hand scanner", []frameParams{colour(frameRed, -1, false), colour(frameGreen, -1, false), colour(frameBlue, -1, true)},
			[][]byte{{1, 4}, {2, 5}, {3, 6}}, &image.RGBA{Pix: []byte{1, 2, 3, 255, 4, 5, 6, 255}, Stride: 8, Rect: image.Rect(0, 0, 2, 1)}, nil},

		{"truncated", []frameParams{grey(2, true)}, [][]byte{{1, 2, 3, 4}}, nil, ErrBadFrame},
		{"too long", []frameParams{grey(1, true)}, [][]byte{{1, 2, 3, 4, 5, 6}}, nil, ErrBadFrame},
		{"empty hand scan", []frameParams{grey(-1, true)}, [][]byte{{}}, nil, ErrBadFrame},
		{"zero width", []frameParams{{format: frameGray, last: true, bytesPerLine: 0, pixelsPerLine: 0, lines: 1, depth: 8}}, [][]byte{{}}, nil, ErrBadFrame},
		{"zero height", []frameParams{grey(0, true)}, [][]byte{{}}, nil, ErrBadFrame},
		{"short lines", []frameParams{{format: frameRGB, last: true, bytesPerLine: 5, pixelsPerLine: 2, lines: 1, depth: 8}}, [][]byte{{1, 2, 3, 4, 5}}, nil, ErrBadFrame},
		{"absurd lines", []frameParams{{format: frameGray, last: true, bytesPerLine: 1 << 30, pixelsPerLine: 3, lines: 1, depth: 8}}, [][]byte{{}}, nil, ErrBadFrame},
		{"2400 dpi A4", []frameParams{{format: frameRGB, last: true, bytesPerLine: 3 * 19843, pixelsPerLine: 19843, lines: 28063, depth: 8}}, [][]byte{{}}, nil, ErrTooLarge},
		{"depth 4", []frameParams{{format: frameGray, last: true, bytesPerLine: 2, pixelsPerLine: 3, lines: 1, depth: 4}}, [][]byte{{}}, nil, ErrUnsupported},
		{"unknown format", []frameParams{{format: 11, last: true, bytesPerLine: 3, pixelsPerLine: 3, lines: 1, depth: 8}}, [][]byte{{}}, nil, ErrUnsupported},
		{"colour twice", []frameParams{colour(frameRed, 1, false), colour(frameRed, 1, true)}, [][]byte{{1, 2}, {1, 2}}, nil, ErrBadFrame},
		{"colours differ in size", []frameParams{colour(frameRed, 1, false), colour(frameGreen, 2, true)}, [][]byte{{1, 2}, {1, 2, 3, 4}}, nil, ErrBadFrame},
		{"hand colours differ in length", []frameParams{colour(frameRed, -1, false), colour(frameGreen, -1, false)}, [][]byte{{1, 2}, {1, 2, 3, 4}}, nil, ErrBadFrame},
		{"last frame too soon", []frameParams{colour(frameRed, 1, false), colour(frameGreen, 1, true)}, [][]byte{{1, 2}, {1, 2}}, nil, ErrBadFrame},
		{"grey after colour", []frameParams{colour(frameRed, 1, false), grey(1, true)}, [][]byte{{1, 2}, {1, 2, 3}}, nil, ErrBadFrame},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 5, 1 << 16} {
			got, err := feed(tt.frames, tt.data, chunk)
			if !errors.Is(err, tt.err) {
				t.Errorf("%s (chunks of %d): error %v, want %v", tt.name, chunk, err, tt.err)
				continue
			}
			if tt.want != nil && !sameImage(got, tt.want) {
				t.Errorf("%s (chunks of %d): got %#v, want %#v", tt.name, chunk, got, tt.want)
			}
		}
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// FuzzAssembler throws arbitrary frame parameters and data at the
// assembler: it must refuse or build a page, never panic, and never hold
// more than MaxPixels.
func FuzzAssembler(f *testing.F) {
	f.Add(uint8(0), true, int32(3), int32(3), int32(2), uint8(8), []byte{1, 2, 3, 4, 5, 6}, uint8(4))
	f.Add(uint8(1), true, int32(6), int32(2), int32(-1), uint8(8), []byte{1, 2, 3, 4, 5, 6}, uint8(1))
	f.Add(uint8(2), false, int32(2), int32(2), int32(1), uint8(8), []byte{1, 2, 9, 9, 3, 4}, uint8(2))
	f.Add(uint8(0), true, int32(1), int32(8), int32(2), uint8(1), []byte{0xF0, 0x0F}, uint8(1))
	f.Fuzz(func(t *testing.T, format uint8, last bool, bpl, ppl, lines int32, depth uint8, data []byte, chunk uint8) {
		var a assembler
		frames := 1
		if frameFormat(format) >= frameRed {
			frames = 3
		}
		for i := range frames {
			fp := frameParams{format: frameFormat(format) + frameFormat(i), last: last || i == frames-1,
				bytesPerLine: int(bpl), pixelsPerLine: int(ppl), lines: int(lines), depth: int(depth)}
			if fp.format > frameBlue {
				fp.format = frameRed + frameFormat(i)
			}
			if a.begin(fp) != nil {
				return
			}
			for d := data; len(d) > 0; {
				n := min(int(chunk)+1, len(d))
				if a.write(d[:n]) != nil {
					return
				}
				d = d[n:]
			}
			if a.end() != nil {
				return
			}
		}
		img, err := a.image()
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() != int(ppl) || b.Dx()*b.Dy() > MaxPixels {
			t.Fatalf("page of %v from %d pixels a line", b, ppl)
		}
		if len(a.pix) > 4*MaxPixels {
			t.Fatal("page over MaxPixels")
		}
	})
}
