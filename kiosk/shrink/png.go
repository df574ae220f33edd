package shrink

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// decodeBilevelPNG decodes a line-art PNG (1 bit per pixel, grey or a
// palette of two greys, not interlaced) straight into a luma plane, some
// ten times faster than image/png, which sets such an image pixel by pixel.
// ok is false for any other PNG, left to image/png.
func decodeBilevelPNG(data []byte) (p *planes, ok bool, err error) {
	bad := func(format string, a ...any) (*planes, bool, error) {
		return nil, true, fmt.Errorf("%w: PNG: %s", ErrBadImage, fmt.Sprintf(format, a...))
	}
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return nil, false, nil
	}
	var w, h int
	lum := [2]byte{0, 255} // grey: 0 black, 1 white
	plte := false
	var idat [][]byte
	rest := data[len(sig):]
	for first := true; ; first = false {
		if len(rest) < 12 {
			return bad("truncated")
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return bad("chunk of %d bytes past the end", n)
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return bad("%s chunk checksum", typ)
		}
		rest = rest[12+n:]
		switch {
		case first != (typ == "IHDR"):
			return bad("IHDR not first")
		case typ == "IHDR":
			if n != 13 {
				return bad("IHDR of %d bytes", n)
			}
			depth, ctype, interlace := body[8], body[9], body[12]
			if depth != 1 || ctype != 0 && ctype != 3 || interlace != 0 || body[10] != 0 || body[11] != 0 {
				return nil, false, nil
			}
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			if w > MaxSide || h > MaxSide { // before the product, which could overflow
				return nil, true, checkSize(MaxSide+1, h)
			}
			if err := checkSize(w, h); err != nil {
				return nil, true, err
			}
			plte = ctype == 0 // grey needs no palette
		case typ == "PLTE":
			// Two greys, or image/png: colours, or a palette of another
			// size (which image/png pads or refuses).
			if n != 6 || body[0] != body[1] || body[1] != body[2] || body[3] != body[4] || body[4] != body[5] {
				return nil, false, nil
			}
			lum, plte = [2]byte{body[0], body[3]}, true
		case typ == "tRNS":
			return nil, false, nil // transparency: image/png
		case typ == "IDAT":
			idat = append(idat, body)
		case typ == "IEND":
			if !plte {
				return nil, false, nil
			}
			return bilevelRows(idat, w, h, lum)
		}
	}
}

// bilevelRows inflates and unfilters the rows of a 1-bit PNG into luma.
func bilevelRows(idat [][]byte, w, h int, lum [2]byte) (*planes, bool, error) {
	if len(idat) == 0 {
		return nil, true, fmt.Errorf("%w: PNG: no image data", ErrBadImage)
	}
	readers := make([]io.Reader, len(idat))
	for i, b := range idat {
		readers[i] = bytes.NewReader(b)
	}
	z, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return nil, true, fmt.Errorf("%w: PNG: %v", ErrBadImage, err)
	}
	defer z.Close()
	var expand [256]uint64 // a byte of pixels → 8 luma bytes
	for v := range 256 {
		for i := range 8 {
			expand[v] |= uint64(lum[v>>(7-i)&1]) << (8 * i)
		}
	}
	stride := (w + 7) / 8
	prev, cur := make([]byte, stride+1), make([]byte, stride+1) // filter byte, then pixels
	p := &planes{y: newPlane(w, h, 0), bilevel: lum[0] == 0 || lum[0] == 255 || lum[1] == 0 || lum[1] == 255}
	var out [8]byte
	for y := range h {
		if _, err := io.ReadFull(z, cur); err != nil {
			return nil, true, fmt.Errorf("%w: PNG: row %d: %v", ErrBadImage, y, err)
		}
		row, up := cur[1:], prev[1:]
		switch cur[0] {
		case 0:
		case 1: // sub: the byte to the left (one byte per pixel group)
			for i := 1; i < stride; i++ {
				row[i] += row[i-1]
			}
		case 2: // up
			for i := range row {
				row[i] += up[i]
			}
		case 3: // average
			row[0] += up[0] / 2
			for i := 1; i < stride; i++ {
				row[i] += byte((int(row[i-1]) + int(up[i])) / 2)
			}
		case 4: // Paeth
			row[0] += up[0]
			for i := 1; i < stride; i++ {
				row[i] += paeth(row[i-1], up[i], up[i-1])
			}
		default:
			return nil, true, fmt.Errorf("%w: PNG: row %d: filter %d", ErrBadImage, y, cur[0])
		}
		dst := p.y.row(y)
		for i, v := range row {
			binary.LittleEndian.PutUint64(out[:], expand[v])
			copy(dst[8*i:], out[:])
		}
		prev, cur = cur, prev
	}
	return p, true, nil
}

// paeth is PNG's Paeth predictor.
func paeth(a, b, c byte) byte {
	pa, pb, pc := absInt(int(b)-int(c)), absInt(int(a)-int(c)), absInt(int(a)+int(b)-2*int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
