package shrink

import (
	"image"
	"image/color"
	"math"
)

// plane is one 8-bit channel of a page.
type plane struct {
	w, h, stride int
	pix          []byte
}

func newPlane(w, h int, fill byte) plane {
	p := plane{w: w, h: h, stride: w, pix: make([]byte, w*h)}
	if fill != 0 {
		for i := range p.pix {
			p.pix[i] = fill
		}
	}
	return p
}

func (p plane) row(y int) []byte { return p.pix[y*p.stride : y*p.stride+p.w] }

// sub is the view of r, which must lie inside p.
func (p plane) sub(r image.Rectangle) plane {
	if r.Empty() {
		return plane{}
	}
	return plane{w: r.Dx(), h: r.Dy(), stride: p.stride, pix: p.pix[r.Min.Y*p.stride+r.Min.X:]}
}

// planes is a page in the JPEG colour model: luma at full resolution and, for
// colour pages, chroma at half resolution both ways (4:2:0). Most scans
// arrive as such JPEGs, and then the planes are the decoder's own buffers.
type planes struct {
	y      plane
	cb, cr plane // no pixels for a grey page
	// bilevel says that the source had only black and white (a line-art
	// scan, a fax): no paper tint or tones to look at.
	bilevel bool
}

func (p *planes) colour() bool { return p.cb.pix != nil }

// chromaRect is the chroma area under the luma rectangle r.
func chromaRect(r image.Rectangle) image.Rectangle {
	return image.Rect(r.Min.X/2, r.Min.Y/2, (r.Max.X+1)/2, (r.Max.Y+1)/2)
}

// sub is the view of r; r.Min is rounded down to even so that chroma stays
// aligned with luma.
func (p *planes) sub(r image.Rectangle) *planes {
	r.Min.X &^= 1
	r.Min.Y &^= 1
	s := &planes{y: p.y.sub(r), bilevel: p.bilevel}
	if p.colour() {
		cr := chromaRect(r)
		s.cb, s.cr = p.cb.sub(cr), p.cr.sub(cr)
	}
	return s
}

// toPlanes converts a decoded image, sharing its buffers when it can.
func toPlanes(img image.Image) *planes {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		p := &planes{y: plane{w: w, h: h, stride: m.YStride, pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):]}}
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min.X%2 == 0 && b.Min.Y%2 == 0 {
			cw, ch := (w+1)/2, (h+1)/2
			off := m.COffset(b.Min.X, b.Min.Y)
			p.cb = plane{w: cw, h: ch, stride: m.CStride, pix: m.Cb[off:]}
			p.cr = plane{w: cw, h: ch, stride: m.CStride, pix: m.Cr[off:]}
			return p
		}
		p.cb, p.cr = subsample(w, h, func(x, y int) (byte, byte) {
			o := m.COffset(b.Min.X+x, b.Min.Y+y)
			return m.Cb[o], m.Cr[o]
		})
		return p
	case *image.Gray:
		return &planes{y: plane{w: w, h: h, stride: m.Stride, pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):]}}
	case *image.Paletted:
		return palettedPlanes(m)
	}
	// RGB images (the scanner's, PNGs): convert.
	p := &planes{y: newPlane(w, h, 0)}
	at := rgbAt(img)
	grey := true
	for y := range h {
		row := p.y.row(y)
		for x := range w {
			r, g, bl := at(b.Min.X+x, b.Min.Y+y)
			yy, cb, cr := color.RGBToYCbCr(r, g, bl)
			row[x] = yy
			grey = grey && cb == 128 && cr == 128
		}
	}
	if !grey {
		p.cb, p.cr = subsample(w, h, func(x, y int) (byte, byte) {
			r, g, bl := at(b.Min.X+x, b.Min.Y+y)
			_, cb, cr := color.RGBToYCbCr(r, g, bl)
			return cb, cr
		})
	}
	return p
}

// rgbAt reads 8-bit RGB, quickly for the common layouts.
func rgbAt(img image.Image) func(x, y int) (r, g, b uint8) {
	switch m := img.(type) {
	case *image.RGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := m.PixOffset(x, y)
			return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
		}
	case *image.NRGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := m.PixOffset(x, y)
			return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
		}
	}
	return func(x, y int) (uint8, uint8, uint8) {
		c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
		return c.R, c.G, c.B
	}
}

// subsample builds 4:2:0 chroma planes from the chroma at the top-left pixel
// of each 2×2 square.
func subsample(w, h int, at func(x, y int) (cb, cr byte)) (plane, plane) {
	cw, ch := (w+1)/2, (h+1)/2
	cb, cr := newPlane(cw, ch, 0), newPlane(cw, ch, 0)
	for y := range ch {
		for x := range cw {
			cb.pix[y*cw+x], cr.pix[y*cw+x] = at(2*x, 2*y)
		}
	}
	return cb, cr
}

func palettedPlanes(m *image.Paletted) *planes {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	var lum, cbs, crs [256]byte
	grey, levels := true, map[byte]bool{}
	for i, c := range m.Palette {
		r, g, bl, _ := c.RGBA()
		lum[i], cbs[i], crs[i] = color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		grey = grey && cbs[i] == 128 && crs[i] == 128
		levels[lum[i]] = true
	}
	p := &planes{y: newPlane(w, h, 0), bilevel: grey && len(levels) <= 2 && (levels[0] || levels[255])}
	for y := range h {
		src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		row := p.y.row(y)
		for x := range w {
			row[x] = lum[src[x]]
		}
	}
	if !grey {
		p.cb, p.cr = subsample(w, h, func(x, y int) (byte, byte) {
			i := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y)]
			return cbs[i], crs[i]
		})
	}
	return p
}

// resample scales p to w×h: an area average when shrinking (no aliasing on
// text), bilinear when enlarging.
func resample(p plane, w, h int) plane {
	if w == p.w && h == p.h {
		return p
	}
	xs, ys := weights(p.w, w), weights(p.h, h)
	out := newPlane(w, h, 0)
	acc := make([]int32, p.w)
	for y, ty := range ys {
		clear(acc)
		for _, t := range ty {
			src := p.row(t.i)
			for x, v := range src {
				acc[x] += int32(v) * t.w
			}
		}
		dst := out.row(y)
		for x, tx := range xs {
			var sum int64
			for _, t := range tx {
				sum += int64(acc[t.i]) * int64(t.w)
			}
			dst[x] = uint8((sum + 1<<(2*weightBits-1)) >> (2 * weightBits))
		}
	}
	return out
}

// weightBits is the fixed-point precision of resampling weights.
const weightBits = 12

type tap struct {
	i int
	w int32
}

// weights gives, for each of the m output samples, the input samples of n
// and their weights (summing to 1<<weightBits).
func weights(n, m int) [][]tap {
	out := make([][]tap, m)
	scale := float64(n) / float64(m)
	for i := range m {
		var taps []tap
		if scale <= 1 {
			f := (float64(i)+0.5)*scale - 0.5
			j := int(math.Floor(f))
			t := f - float64(j)
			taps = []tap{{clamp(j, 0, n-1), 0}, {clamp(j+1, 0, n-1), 0}}
			taps[1].w = int32(t*(1<<weightBits) + 0.5)
			taps[0].w = 1<<weightBits - taps[1].w
		} else {
			lo, hi := float64(i)*scale, float64(i+1)*scale
			for j := int(lo); j < n && float64(j) < hi; j++ {
				cover := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
				taps = append(taps, tap{j, int32(cover / scale * (1 << weightBits))})
			}
			var sum int32
			for _, t := range taps {
				sum += t.w
			}
			taps[0].w += 1<<weightBits - sum // rounding goes to the first tap
		}
		out[i] = taps
	}
	return out
}

// image returns the planes as a standard image (copying).
func (p *planes) image() image.Image {
	r := image.Rect(0, 0, p.y.w, p.y.h)
	if !p.colour() {
		g := image.NewGray(r)
		for y := range p.y.h {
			copy(g.Pix[y*g.Stride:], p.y.row(y))
		}
		return g
	}
	m := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	for y := range p.y.h {
		copy(m.Y[y*m.YStride:], p.y.row(y))
	}
	for y := range p.cb.h {
		copy(m.Cb[y*m.CStride:], p.cb.row(y))
		copy(m.Cr[y*m.CStride:], p.cr.row(y))
	}
	return m
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
