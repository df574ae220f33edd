package shrink

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
)

// Document kinds, as the resident names them: they decide what is kept.
const (
	// DocLetter: a letter, a form, a payslip: inks as bilevel layers,
	// photos and tints in tones, the paper dropped. The default.
	DocLetter = "letter"
	// DocID: an identity document: the card is found on the glass, cut out
	// straight and kept in colour at full resolution; recto and verso go on
	// one page or one image.
	DocID = "id"
	// DocPhoto: a photo: found on the glass (or the whole page), kept in
	// colour at a photo's quality.
	DocPhoto = "photo"
)

// DocKinds lists the kinds, the default first.
var DocKinds = []string{DocLetter, DocID, DocPhoto}

// KindCard is Choice.Kind of an identity document's side.
const KindCard = "id-card"

// imageLevel is one step of a kept picture: its resolution at most, and
// how alike to the scan its drawn parts must stay (busySSIM); the quality
// is the lowest that keeps them so.
type imageLevel struct {
	maxDPI  float64
	minSSIM float64
}

// keepSSIM keeps a picture as the scan shows it: a card's 7-point text
// sharp and its printed background whole (JPEG q60 to q70 on the test
// cards, whose sensor noise is most of their bytes). floorSSIM is the
// legibility floor a site's limit may bring a picture down to: ringing
// shows around letters, which OCR still reads all of (q35 to q40).
const (
	keepSSIM  = 0.995
	floorSSIM = 0.990
)

// idLevels keep the card at 300 dpi or more as long as the limit allows:
// offices read its small print and check its background.
var idLevels = []imageLevel{{600, keepSSIM}, {300, keepSSIM}, {300, floorSSIM}, {200, floorSSIM}}

// photoLevels: a photo is kept at photoPixels along its long side (or its
// scan's resolution, if less), but not under 200 dpi at first.
var photoLevels = []imageLevel{{300, keepSSIM}, {150, floorSSIM}}

// photoPixels is enough for a photo attached to a form, on screen or
// printed: a 15 × 10 cm print keeps 200 dpi, an identity photo its scan's.
const photoPixels = 1200

// jpegQualities are the qualities a picture's is chosen from, best first.
var jpegQualities = []int{95, 90, 85, 80, 75, 70, 65, 60, 55, 50, 45, 40}

// What finding a document on the glass looks for, per 8×8 cell at 300 dpi.
const (
	glassLumaDiff   = 10  // a cell this much darker or lighter than the lid…
	glassChromaDiff = 7   // …or this far in colour (|ΔCb| + |ΔCr|) is the document
	minObjectMM2    = 400 // smaller: dust, a hair
	fullGlass       = 0.8 // an object covering this share of the glass is the page itself
)

// cutout is a picture cut straight out of a scan.
type cutout struct {
	p     *planes
	dpi   float64
	angle float64 // degrees it was straightened by
}

// findCutout reads a page and cuts out the document lying on the glass:
// the largest area that differs from the lid, straightened; the whole page
// when nothing stands out or the document fills the glass.
func findCutout(page Page, maxDPI float64) (cutout, error) {
	p, stated, err := decodeFile(page.Path)
	if err != nil {
		return cutout{}, err
	}
	dpi := page.DPI
	if dpi <= 0 {
		dpi = pageDPI(stated, p.y.w, p.y.h)
	}
	if dpi > maxDPI*1.05 {
		p, dpi = p.scaled(maxDPI/dpi), maxDPI
	}
	c := cutout{p: p, dpi: dpi}
	if box, angle, ok := findOnGlass(p, dpi); ok {
		c.p, c.angle = straightCut(p, box, angle), angle
	}
	if t := (page.Turns%4 + 4) % 4; t != 0 {
		c.p = c.p.rotated(0, t)
	}
	return c, nil
}

// rotRect is a rectangle in a frame turned by angle degrees: its sides run
// along (cos, sin) and (−sin, cos).
type rotRect struct {
	u0, v0, u1, v1 float64
}

// findOnGlass finds the largest object that differs from the lid, cell by
// cell, and the turned rectangle of least area around it.
func findOnGlass(p *planes, dpi float64) (rotRect, float64, bool) {
	cs := max(2, int(math.Round(dpi/37.5)))
	gw, gh := p.y.w/cs, p.y.h/cs
	if gw < 8 || gh < 8 {
		return rotRect{}, 0, false
	}
	ys, cbs, crs := make([]float64, gw*gh), make([]float64, gw*gh), make([]float64, gw*gh)
	for gy := range gh {
		for gx := range gw {
			sum := 0
			for y := gy * cs; y < (gy+1)*cs; y++ {
				for _, v := range p.y.row(y)[gx*cs : (gx+1)*cs] {
					sum += int(v)
				}
			}
			i := gy*gw + gx
			ys[i] = float64(sum) / float64(cs*cs)
			if p.colour() {
				cx, cy := min(gx*cs/2+cs/4, p.cb.w-1), min(gy*cs/2+cs/4, p.cb.h-1)
				cbs[i], crs[i] = float64(p.cb.row(cy)[cx]), float64(p.cr.row(cy)[cx])
			}
		}
	}
	// The lid: the median of the frame of cells along the edges.
	var ey, ecb, ecr []float64
	for i := range ys {
		if x, y := i%gw, i/gw; x < 2 || y < 2 || x >= gw-2 || y >= gh-2 {
			ey, ecb, ecr = append(ey, ys[i]), append(ecb, cbs[i]), append(ecr, crs[i])
		}
	}
	lidY, lidCb, lidCr := median(ey, 255), median(ecb, 128), median(ecr, 128)
	grid := make([]bool, gw*gh)
	for i := range grid {
		grid[i] = math.Abs(ys[i]-lidY) > glassLumaDiff || math.Abs(cbs[i]-lidCb)+math.Abs(crs[i]-lidCr) > glassChromaDiff
	}
	grid = erode(dilate(grid, gw, gh, 2), gw, gh, 2)
	cells := largestPiece(grid, gw, gh)
	cellMM := float64(cs) / dpi * 25.4
	if n := float64(len(cells)); n*cellMM*cellMM < minObjectMM2 || n > fullGlass*float64(gw*gh) {
		return rotRect{}, 0, false
	}
	// The piece's outline is all the rectangle needs.
	in := make([]bool, gw*gh)
	for _, i := range cells {
		in[i] = true
	}
	var pts [][2]float64
	for _, i := range cells {
		x, y := i%gw, i/gw
		if x == 0 || y == 0 || x == gw-1 || y == gh-1 || !in[i-1] || !in[i+1] || !in[i-gw] || !in[i+gw] {
			pts = append(pts, [2]float64{(float64(x) + 0.5) * float64(cs), (float64(y) + 0.5) * float64(cs)})
		}
	}
	area := func(deg float64) (rotRect, float64) {
		sin, cos := math.Sincos(deg * math.Pi / 180)
		r := rotRect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for _, q := range pts {
			u, v := q[0]*cos+q[1]*sin, -q[0]*sin+q[1]*cos
			r.u0, r.u1, r.v0, r.v1 = math.Min(r.u0, u), math.Max(r.u1, u), math.Min(r.v0, v), math.Max(r.v1, v)
		}
		return r, (r.u1 - r.u0) * (r.v1 - r.v0)
	}
	best, bestA := 0.0, math.Inf(1)
	for d := -10.0; d <= 10; d += 0.25 {
		if _, a := area(d); a < bestA {
			best, bestA = d, a
		}
	}
	for d := best - 0.25; d <= best+0.25; d += 0.05 {
		if _, a := area(d); a < bestA {
			best, bestA = d, a
		}
	}
	if math.Abs(best) < minSkew {
		best = 0
	}
	r, _ := area(best)
	// The cells' centres: the object reaches half a cell beyond; a
	// millimetre of the lid more keeps its edges whole.
	m := float64(cs)/2 + dpi/25.4
	r.u0, r.v0, r.u1, r.v1 = r.u0-m, r.v0-m, r.u1+m, r.v1+m
	return r, math.Round(best*100) / 100, true
}

// largestPiece returns the cells of the largest 8-connected piece of grid.
func largestPiece(grid []bool, w, h int) []int {
	seen := make([]bool, len(grid))
	var best []int
	for i, on := range grid {
		if !on || seen[i] {
			continue
		}
		piece := []int{i}
		seen[i] = true
		for k := 0; k < len(piece); k++ {
			x, y := piece[k]%w, piece[k]/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx >= 0 && ny >= 0 && nx < w && ny < h && grid[ny*w+nx] && !seen[ny*w+nx] {
						seen[ny*w+nx] = true
						piece = append(piece, ny*w+nx)
					}
				}
			}
		}
		if len(piece) > len(best) {
			best = piece
		}
	}
	return best
}

// straightCut samples the turned rectangle r of p (bilinearly) into an
// upright picture; outside the scan is white.
func straightCut(p *planes, r rotRect, deg float64) *planes {
	w, h := max(2, int(math.Round(r.u1-r.u0))), max(2, int(math.Round(r.v1-r.v0)))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	at := func(x, y float64) (float64, float64) { // output pixel → source pixel
		u, v := r.u0+x, r.v0+y
		return u*cos - v*sin, u*sin + v*cos
	}
	out := &planes{y: samplePlane(p.y, w, h, 1, 255, at)}
	if p.colour() {
		out.cb = samplePlane(p.cb, (w+1)/2, (h+1)/2, 2, 128, at)
		out.cr = samplePlane(p.cr, (w+1)/2, (h+1)/2, 2, 128, at)
	}
	return out
}

// samplePlane fills a w×h plane from src through at, an affine map of full
// resolution output pixels to full resolution source pixels; sub is the
// subsampling of both (2 for chroma). at is asked twice a row: along a row,
// the source point moves by a constant step, followed in 16.16 fixed point
// (a 2000-pixel row drifts by under a hundredth of a pixel).
func samplePlane(src plane, w, h, sub int, fill byte, at func(x, y float64) (float64, float64)) plane {
	out := newPlane(w, h, fill)
	s := float64(sub)
	fixed := func(v float64) int64 { return int64(math.Round(v * (1 << 16))) }
	for y := range h {
		row := out.row(y)
		fy := (float64(y) + 0.5) * s
		sx, sy := at(0.5*s, fy)
		nx, ny := at(1.5*s, fy)
		px, py := fixed(sx/s-0.5), fixed(sy/s-0.5)
		dx, dy := fixed((nx-sx)/s), fixed((ny-sy)/s)
		for x := range w {
			x0, y0 := int(px>>16), int(py>>16)
			tx, ty := int(px>>8&255), int(py>>8&255)
			px, py = px+dx, py+dy
			if x0 < 0 || y0 < 0 || x0+1 >= src.w || y0+1 >= src.h {
				continue
			}
			r0, r1 := src.pix[y0*src.stride+x0:], src.pix[(y0+1)*src.stride+x0:]
			top := int(r0[0])*(256-tx) + int(r0[1])*tx
			bot := int(r1[0])*(256-tx) + int(r1[1])*tx
			row[x] = uint8((top*(256-ty) + bot*ty + 1<<15) >> 16)
		}
	}
	return out
}

// stack puts pictures one above the other on white, with a gap of 5 mm,
// at the resolution of the first (the others are scaled to it).
func stack(cuts []cutout) (*planes, float64) {
	dpi := cuts[0].dpi
	gap := int(math.Round(5 / 25.4 * dpi))
	var parts []*planes
	w, h := 0, 0
	for _, c := range cuts {
		q := c.p
		if c.dpi != dpi {
			q = q.scaled(dpi / c.dpi)
		}
		parts = append(parts, q)
		w = max(w, q.y.w)
		h += q.y.h
	}
	h += gap * (len(parts) - 1)
	w, h = w+w%2, h+h%2
	out := &planes{y: newPlane(w, h, 255), cb: newPlane(w/2, h/2, 128), cr: newPlane(w/2, h/2, 128)}
	y := 0
	for _, q := range parts {
		paste(out.y, q.y, 0, y)
		if q.colour() {
			paste(out.cb, q.cb, 0, y/2)
			paste(out.cr, q.cr, 0, y/2)
		}
		y += q.y.h + gap
		y += y % 2
	}
	return out, dpi
}

// shrinkPictures writes identity documents and photos: each page's
// document cut out in colour, recto and verso of a card stacked as one
// picture; as PDF (a page per picture, at its true size), JPEG or PNG, at
// the first level of quality that fits.
func shrinkPictures(ctx context.Context, pages []Page, kind string, f accepted, limit int64) ([]byte, string, []Choice, error) {
	levels := photoLevels
	if kind == DocID {
		levels = idLevels
	}
	cuts := make([]cutout, len(pages))
	err := forEach(ctx, len(pages), func(i int) error {
		c, err := findCutout(pages[i], levels[0].maxDPI)
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		cuts[i] = c
		return nil
	})
	if err != nil {
		return nil, "", nil, err
	}
	// The pictures: one for the card's sides, one per photo.
	pics := [][]cutout{cuts}
	if kind == DocPhoto {
		pics = nil
		for _, c := range cuts {
			pics = append(pics, []cutout{c})
		}
	}
	if !f.pdf && len(pics) > 1 {
		return nil, "", nil, fmt.Errorf("%w (%d photos): send them one by one", ErrOnePageOnly, len(pics))
	}
	choices := make([]Choice, len(pages))
	var data []byte
	format := PNG
	switch {
	case f.pdf:
		format = PDF
	case f.jpeg:
		format = JPEG
	}
	smallest := int64(math.MaxInt64)
	for i, lv := range levels {
		if err := ctx.Err(); err != nil {
			return nil, "", nil, err
		}
		if format == PNG && i > 0 && lv.maxDPI == levels[i-1].maxDPI {
			continue // quality means nothing to PNG
		}
		var encoded []*pdfPage
		page := 0
		for _, pic := range pics {
			scaled := make([]cutout, len(pic))
			for i, c := range pic {
				scaled[i] = c
				maxDPI := lv.maxDPI
				if kind == DocPhoto {
					long := float64(max(c.p.y.w, c.p.y.h)) / c.dpi // inches
					maxDPI = min(maxDPI, max(200, photoPixels/long))
				}
				if c.dpi > maxDPI*1.05 {
					scaled[i] = cutout{p: c.p.scaled(maxDPI / c.dpi), dpi: maxDPI, angle: c.angle}
				}
			}
			img, dpi := stack(scaled)
			if !img.colourful() {
				img.cb, img.cr = plane{}, plane{}
			}
			var enc []byte
			var err error
			q := 0
			if format == PNG {
				enc, err = encodePNG(img)
			} else {
				q, enc, err = fitJPEG(img, dpi, lv.minSSIM)
			}
			if err != nil {
				return nil, "", nil, fmt.Errorf("page %d: %w", page+1, err)
			}
			if f.pdf {
				pt := 72 / dpi
				w, h := float64(img.y.w)*pt, float64(img.y.h)*pt
				space := "/DeviceRGB"
				if !img.colour() {
					space = "/DeviceGray"
				}
				encoded = append(encoded, &pdfPage{w: w, h: h,
					content: fmt.Appendf(nil, "q %s 0 0 %s 0 0 cm /X0 Do Q\n", num(w), num(h)),
					xobjs: []xobject{{dict: fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode",
						img.y.w, img.y.h, space), data: enc}}})
			}
			data = enc
			// Each page's share of the picture, by its area.
			total := 0
			for _, c := range scaled {
				total += c.p.y.w * c.p.y.h
			}
			for _, c := range scaled {
				choices[page] = Choice{Page: page + 1, Kind: pictureKind(kind), Photos: 1, PhotoDPI: int(math.Round(dpi)), Quality: q, Skew: c.angle,
					Bytes: int64(len(enc)) * int64(c.p.y.w*c.p.y.h) / int64(total)}
				page++
			}
		}
		if f.pdf {
			data = writePDF(encoded)
		}
		if limit == 0 || int64(len(data)) <= limit {
			return data, format, choices, nil
		}
		smallest = min(smallest, int64(len(data)))
	}
	return nil, "", nil, tooBig(len(pages), smallest, limit)
}

// fitJPEG encodes a picture at the lowest of jpegQualities whose luma stays
// at least minSSIM alike to the picture's where something is drawn (the
// best quality when none does). SSIM falls as the quality does: a binary
// search of the luma alone finds it in four tries.
func fitJPEG(p *planes, dpi, minSSIM float64) (int, []byte, error) {
	grey := &planes{y: p.y}
	var err error
	i := sort.Search(len(jpegQualities), func(i int) bool {
		if err != nil {
			return true
		}
		enc, e := encodeJPEG(grey, jpegQualities[i], dpi)
		if e != nil {
			err = e
			return true
		}
		d, _, e := decodeJPEG(enc)
		if e != nil {
			err = fmt.Errorf("decode the JPEG written: %w", e)
			return true
		}
		return busySSIM(p.y, d.y) < minSSIM
	})
	if err != nil {
		return 0, nil, err
	}
	q := jpegQualities[max(0, i-1)]
	enc, err := encodeJPEG(p, q, dpi)
	return q, enc, err
}

// pictureKind is Choice.Kind for a page of an identity document or photo.
func pictureKind(doc string) string {
	if doc == DocID {
		return KindCard
	}
	return KindPhoto
}

// colourful says whether a picture has colour worth its chroma.
func (p *planes) colourful() bool {
	if !p.colour() {
		return false
	}
	var sum, n int
	for y := 0; y < p.cb.h; y += 2 {
		rb, rr := p.cb.row(y), p.cr.row(y)
		for x := 0; x < p.cb.w; x += 2 {
			sum += abs8(rb[x]) + abs8(rr[x])
			n++
		}
	}
	return n > 0 && sum > 3*n
}

func abs8(v byte) int { return max(int(v)-128, 128-int(v)) }

// encodePNG encodes planes as an 8-bit PNG (RGB, or grey).
func encodePNG(p *planes) ([]byte, error) {
	var img image.Image = p.image()
	if m, ok := img.(*image.YCbCr); ok {
		rgb := image.NewRGBA(m.Rect)
		for y := range m.Rect.Dy() {
			yr, cbr, crr := m.Y[y*m.YStride:], m.Cb[(y/2)*m.CStride:], m.Cr[(y/2)*m.CStride:]
			dst := rgb.Pix[y*rgb.Stride:]
			for x := range m.Rect.Dx() {
				r, g, b := color.YCbCrToRGB(yr[x], cbr[x/2], crr[x/2])
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = r, g, b, 255
			}
		}
		img = rgb
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
