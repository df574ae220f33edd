package shrink

import (
	"image"
	"image/color"
	"math"
)

// resized scales the planes to w×h luma pixels.
func (p *planes) resized(w, h int) *planes {
	s := &planes{y: resample(p.y, w, h), bilevel: p.bilevel && w == p.y.w && h == p.y.h}
	if p.colour() {
		s.cb, s.cr = resample(p.cb, (w+1)/2, (h+1)/2), resample(p.cr, (w+1)/2, (h+1)/2)
	}
	return s
}

// scaled scales the planes by f.
func (p *planes) scaled(f float64) *planes {
	return p.resized(max(1, int(math.Round(float64(p.y.w)*f))), max(1, int(math.Round(float64(p.y.h)*f))))
}

// rotated straightens the planes by deg (see layout.skew), keeping their
// size and filling the corners with white, then turns them clockwise by
// quarter turns.
func (p *planes) rotated(deg float64, turns int) *planes {
	out := p
	if deg != 0 {
		out = &planes{y: rotatePlane(p.y, deg, 255)}
		if p.colour() {
			out.cb, out.cr = rotatePlane(p.cb, deg, 128), rotatePlane(p.cr, deg, 128)
		}
	}
	for range (turns%4 + 4) % 4 {
		out = &planes{y: turnPlane(out.y), cb: turnPlane(out.cb), cr: turnPlane(out.cr)}
	}
	return out
}

// rotatePlane rotates about the centre, bilinearly, by deg degrees: lines
// that ran down to the right by deg come out level.
func rotatePlane(p plane, deg float64, fill byte) plane {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(p.w)/2, float64(p.h)/2
	return samplePlane(p, p.w, p.h, 1, fill, func(x, y float64) (float64, float64) {
		dx, dy := x-cx, y-cy
		return dx*cos - dy*sin + cx, dx*sin + dy*cos + cy
	})
}

// turnPlane turns a plane a quarter turn clockwise.
func turnPlane(p plane) plane {
	if p.pix == nil {
		return p
	}
	out := newPlane(p.h, p.w, 0)
	for y := range out.h {
		dst := out.row(y)
		for x := range out.w {
			dst[x] = p.pix[(p.h-1-x)*p.stride+y]
		}
	}
	return out
}

// compose draws the layers of a page as one picture at dpi, as a PDF reader
// would show them: white paper, photos, then inks (anti-aliased by the
// scaling), straightened and turned.
func compose(p *planes, l *layout, dpi float64, turns int) *planes {
	w, h := l.size()
	f := dpi / l.dpi
	scale := func(b image.Rectangle) image.Rectangle {
		r := func(v int) int { return int(math.Round(float64(v) * f)) }
		return image.Rect(r(b.Min.X), r(b.Min.Y), r(b.Max.X), r(b.Max.Y))
	}
	W, H := max(1, int(math.Round(float64(w)*f))), max(1, int(math.Round(float64(h)*f)))
	colour := false
	for _, m := range l.masks {
		colour = colour || m.rgb.R != m.rgb.G || m.rgb.G != m.rgb.B
	}
	for _, ph := range l.photos {
		colour = colour || !ph.grey
	}
	out := &planes{y: newPlane(W, H, 255)}
	if colour {
		out.cb, out.cr = newPlane((W+1)/2, (H+1)/2, 128), newPlane((W+1)/2, (H+1)/2, 128)
	}
	for _, ph := range l.photos {
		dst := scale(ph.box).Intersect(out.y.rect())
		if dst.Empty() {
			continue
		}
		src := l.source(p, ph).resized(dst.Dx(), dst.Dy())
		paste(out.y, src.y, dst.Min.X, dst.Min.Y)
		if colour && src.colour() {
			paste(out.cb, src.cb, dst.Min.X/2, dst.Min.Y/2)
			paste(out.cr, src.cr, dst.Min.X/2, dst.Min.Y/2)
		}
	}
	for _, m := range l.masks {
		dst := scale(m.box).Intersect(out.y.rect())
		if dst.Empty() {
			continue
		}
		cov := newPlane(m.bits.Width, m.bits.Height, 0)
		for y := range cov.h {
			row := cov.row(y)
			for x := range cov.w {
				if m.bits.At(x, y) {
					row[x] = 255
				}
			}
		}
		cov = resample(cov, dst.Dx(), dst.Dy())
		iy, icb, icr := color.RGBToYCbCr(m.rgb.R, m.rgb.G, m.rgb.B)
		for y := range cov.h {
			a := cov.row(y)
			o := out.y.row(dst.Min.Y + y)[dst.Min.X:]
			for x, v := range a {
				o[x] = blend(o[x], iy, v)
			}
			if colour && y%2 == 0 {
				ob, or := out.cb.row((dst.Min.Y+y)/2), out.cr.row((dst.Min.Y+y)/2)
				for x := 0; x < len(a); x += 2 {
					cx := (dst.Min.X + x) / 2
					ob[cx], or[cx] = blend(ob[cx], icb, a[x]), blend(or[cx], icr, a[x])
				}
			}
		}
	}
	return out.rotated(l.skew, turns)
}

func blend(dst, src, alpha uint8) uint8 {
	return uint8((int(dst)*(255-int(alpha)) + int(src)*int(alpha) + 127) / 255)
}

// paste copies src into dst with its top-left corner at (x, y), clipped.
func paste(dst, src plane, x, y int) {
	for sy := range src.h {
		if y+sy >= dst.h {
			return
		}
		if x < dst.w {
			copy(dst.row(y + sy)[x:], src.row(sy))
		}
	}
}
