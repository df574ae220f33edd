package shrink

import (
	"cmp"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"slices"

	"borne/kiosk/shrink/bilevel"
)

// What a page analysis looks for, as fractions of the local paper
// brightness; found on scanned letters, forms and payslips.
const (
	inkRatio  = 0.60 // darker than this: ink
	midRatio  = 0.75 // between ink and this: a mid-tone (photo, tint, ink edge); paper texture stays above
	coreRatio = 0.40 // darker than this: the heart of a stroke, where its colour is read
	paperKnow = 0.70 // a block brighter than this (90th percentile) shows paper
	darkBlock = 0.45 // a block darker than this at its 90th percentile holds no paper

	// An 8×8 cell at 300 dpi is a photo cell when this share of it is
	// mid-tones, or when its colour is off the paper's by chromaCell (Cb and
	// Cr summed) with no ink in or around it (ink smears its colour).
	photoMidShare = 0.35
	chromaCell    = 28
	// A photo is at least this wide and high, in mm: smaller tonal specks
	// are ink edges and dirt.
	photoMinMM = 6.0

	// chromaInk: an ink whose chroma (distance from grey) is below this is
	// printed black.
	chromaInk = 16
	// clusterDist merges inks of close colours (|ΔY|/2 + |ΔCb| + |ΔCr|).
	clusterDist = 40
	maxClusters = 6

	// maxRuns bounds the ink runs of a page (8 bytes each); a page with more
	// is noise or a dithered picture, and is kept as a photo.
	maxRuns = 3_000_000
	maxSkew = 5.0 // degrees; beyond, the page was put on the glass askew on purpose
	minSkew = 0.1 // degrees; below, straightening would only blur
)

// Warnings about a page, for the resident to check it.
const (
	WarnBlank = "blank" // nothing printed was found
	WarnDark  = "dark"  // no paper was found: lid open, glass empty
)

// layout is what the analysis found on a page, in the pixels of the crop.
type layout struct {
	crop    image.Rectangle // the paper, in source pixels
	dpi     float64
	skew    float64 // degrees; positive when text lines run down to the right
	masks   []mask  // black first, then one per ink colour
	photos  []photo
	warning string
	step    string // how far the legibility check stepped up: "", StepContrast or StepGrey
	check   strokeCheck
}

// mask is ink of one colour, drawn from a bilevel image.
type mask struct {
	rgb  color.RGBA
	box  image.Rectangle
	bits *bilevel.Bitmap
}

// photo is an area kept in tones (JPEG).
type photo struct {
	box  image.Rectangle
	grey bool
	// flat, when set, is what to draw instead of the page: the text of a
	// page too faint for inks, its paper made white (see greyLayer).
	flat *planes
}

func (l *layout) size() (w, h int) { return l.crop.Dx(), l.crop.Dy() }

// run is a horizontal stretch of ink in one row, [x0, x1) in crop pixels.
type run struct{ x0, x1 uint16 }

// component is a connected piece of ink (a letter, a line, a stamp).
type component struct {
	area             int
	box              image.Rectangle
	coreN            int
	coreY, coreCb    int
	coreCr           int
	allY, allCb      int
	allCr            int
	cluster          int // index into masks; -1 dropped
	touchesCropEdges bool
}

// analyser holds the working state of one page analysis.
type analyser struct {
	p        *planes
	dpi      float64
	w, h     int // of the page
	bs, cs   int // block and cell sizes, in pixels
	gw, gh   int // block grid
	cw, ch   int // cell grid
	outside  []bool
	tInk     []uint8 // per block
	tMid     []uint8
	tCore    []uint8
	crop     image.Rectangle
	runs     []run
	rowStart []int32 // runs of crop row y: runs[rowStart[y]:rowStart[y+1]]
	mid, ink []uint16
	colours  []color.RGBA // of the ink clusters; 0 is black
	bg       []float64    // the paper's brightness per block
	inkR     float64      // the ink threshold, as a fraction of the paper
	comps    []component  // of the last layoutAt
	label    []int32      // run → component
	ref      *analyser    // the legibility check's reference (see strokeRef), once refDone
	refDone  bool
}

// analyse finds the paper, the inks and the photos of a page, checked for
// legibility (see legible).
func analyse(p *planes, dpi float64) *layout { return analyseChecked(p, dpi, true) }

// sketch finds the paper, its tilt and whether it looks blank or dark:
// enough for a thumbnail, without the legibility check.
func sketch(p *planes, dpi float64) *layout { return analyseChecked(p, dpi, false) }

func analyseChecked(p *planes, dpi float64, check bool) *layout {
	c := max(2, int(math.Round(dpi/37.5)))
	a := &analyser{p: p, dpi: dpi, w: p.y.w, h: p.y.h, cs: c, bs: 4 * c}
	a.gw, a.gh = ceilDiv(a.w, a.bs), ceilDiv(a.h, a.bs)
	a.cw, a.ch = ceilDiv(a.w, a.cs), ceilDiv(a.h, a.cs)

	if !a.thresholds() {
		return &layout{crop: p.y.rect(), dpi: dpi, warning: WarnDark}
	}
	checked := check && !p.bilevel
	var refMade func()
	if checked {
		refMade = a.startStrokeRef()
	}
	l, inks := a.layoutAt(nil)
	if checked {
		refMade()
	}
	if !inks || !checked {
		return l
	}
	return a.legible(l)
}

// startStrokeRef makes the legibility check's reference (see strokeRef) on
// another goroutine, from a copy of the analyser taken before the layout
// changes it, while the layout is found: on 2 cores, the page's wall time
// drops by as much. done waits for it and hands it over.
func (a *analyser) startStrokeRef() (done func()) {
	snap := *a
	var ref *analyser
	made := make(chan struct{})
	go func() {
		defer close(made)
		if r, ok := snap.reference(refRatio); ok {
			ref = &r
		}
	}()
	return func() {
		<-made
		a.ref, a.refDone = ref, true
	}
}

// layoutAt finds the inks at the analyser's thresholds, and the photos
// unless given. inks is false when the page is too busy for inks and is
// kept whole in tones.
func (a *analyser) layoutAt(photos []photo) (l *layout, inks bool) {
	l = &layout{crop: a.crop, dpi: a.dpi}
	if !a.scan(photos == nil) {
		l.photos = []photo{{box: image.Rect(0, 0, a.crop.Dx(), a.crop.Dy()), grey: !a.p.colour()}}
		return l, false
	}
	a.comps, a.label = a.components()
	l.photos = photos
	if photos == nil {
		l.photos = a.photos()
	}
	a.assign(a.comps, l.photos)
	l.masks = a.masks(a.comps, a.label)
	l.skew = a.skew(a.comps, a.label)
	if len(l.masks) == 0 && len(l.photos) == 0 {
		l.warning = WarnBlank
	}
	return l, true
}

func (p plane) rect() image.Rectangle { return image.Rect(0, 0, p.w, p.h) }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// thresholds estimates the paper's brightness block by block, finds the
// dark surroundings of the paper (an open lid) and sets the ink and
// mid-tone thresholds. It reports false when there is no paper at all.
func (a *analyser) thresholds() bool {
	n := a.gw * a.gh
	p90 := make([]uint8, n)
	var hist [64]int
	for by := range a.gh {
		for bx := range a.gw {
			clear(hist[:])
			total := 0
			for y := by * a.bs; y < min((by+1)*a.bs, a.h); y += 2 {
				row := a.p.y.row(y)
				for x := bx * a.bs; x < min((bx+1)*a.bs, a.w); x += 2 {
					hist[row[x]>>2]++
					total++
				}
			}
			seen := 0
			i := 63
			for ; i > 0; i-- {
				seen += hist[i]
				if seen*10 >= total {
					break
				}
			}
			p90[by*a.gw+bx] = uint8(i<<2 | 2)
		}
	}
	sorted := slices.Clone(p90)
	slices.Sort(sorted)
	paper := float64(sorted[len(sorted)*3/4])
	if paper < 60 {
		return false
	}

	// The surroundings: dark blocks reachable from the edges.
	a.outside = make([]bool, n)
	var stack []int
	for i := range n {
		bx, by := i%a.gw, i/a.gw
		if (bx == 0 || by == 0 || bx == a.gw-1 || by == a.gh-1) && float64(p90[i]) < darkBlock*paper {
			a.outside[i] = true
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range a.neighbours4(i) {
			if !a.outside[j] && float64(p90[j]) < darkBlock*paper {
				a.outside[j] = true
				stack = append(stack, j)
			}
		}
	}
	box := image.Rectangle{}
	for i, out := range a.outside {
		if !out {
			bx, by := i%a.gw, i/a.gw
			box = box.Union(image.Rect(bx*a.bs, by*a.bs, (bx+1)*a.bs, (by+1)*a.bs))
		}
	}
	if box.Empty() {
		return false
	}
	box = a.trim(box.Intersect(a.p.y.rect()), darkBlock*paper)
	box.Min.X &^= 1 // keep chroma aligned
	box.Min.Y &^= 1
	a.crop = box

	// The paper's brightness where blocks show it, spread into the others
	// (under a logo, a photo, a bold title).
	bg := make([]float64, n)
	known := make([]bool, n)
	for i, v := range p90 {
		if !a.outside[i] && float64(v) >= paperKnow*paper {
			bg[i], known[i] = float64(v), true
		}
	}
	for changed := true; changed; {
		changed = false
		next := slices.Clone(known)
		for i := range n {
			if known[i] {
				continue
			}
			sum, cnt := 0.0, 0
			for _, j := range a.neighbours8(i) {
				if known[j] {
					sum += bg[j]
					cnt++
				}
			}
			if cnt > 0 {
				bg[i], next[i], changed = sum/float64(cnt), true, true
			}
		}
		known = next
	}
	for i := range n {
		if !known[i] {
			bg[i] = paper
		}
	}
	a.bg = bg
	a.setRatios(inkRatio, midRatio, coreRatio)
	return true
}

// setRatios sets the thresholds of every block from its paper brightness,
// in new slices (a copy of the analyser keeps the old ones).
func (a *analyser) setRatios(ink, mid, core float64) {
	n := len(a.bg)
	a.inkR = ink
	a.tInk, a.tMid, a.tCore = make([]uint8, n), make([]uint8, n), make([]uint8, n)
	for i, b := range a.bg {
		switch {
		case a.outside[i]:
			// nothing there is ink
		case a.p.bilevel:
			a.tInk[i], a.tCore[i] = 128, 128
		default:
			a.tInk[i], a.tMid[i], a.tCore[i] = uint8(ink*b), uint8(mid*b), uint8(core*b)
		}
	}
}

// trim moves each side of box inward, pixel by pixel, past the rows and
// columns that are mostly darker than dark: the blocks at the paper's edge
// hold some of the surroundings.
func (a *analyser) trim(box image.Rectangle, dark float64) image.Rectangle {
	limit := uint8(dark)
	darkShare := func(x0, y0, x1, y1 int) bool { // sampled every other pixel
		n, d := 0, 0
		for y := y0; y < y1; y += 2 {
			row := a.p.y.row(y)
			for x := x0; x < x1; x += 2 {
				n++
				if row[x] < limit {
					d++
				}
			}
		}
		return n > 0 && 2*d > n
	}
	for depth := 0; depth < a.bs && box.Dx() > 2; depth++ {
		if !darkShare(box.Min.X, box.Min.Y, box.Min.X+1, box.Max.Y) {
			break
		}
		box.Min.X++
	}
	for depth := 0; depth < a.bs && box.Dx() > 2; depth++ {
		if !darkShare(box.Max.X-1, box.Min.Y, box.Max.X, box.Max.Y) {
			break
		}
		box.Max.X--
	}
	for depth := 0; depth < a.bs && box.Dy() > 2; depth++ {
		if !darkShare(box.Min.X, box.Min.Y, box.Max.X, box.Min.Y+1) {
			break
		}
		box.Min.Y++
	}
	for depth := 0; depth < a.bs && box.Dy() > 2; depth++ {
		if !darkShare(box.Min.X, box.Max.Y-1, box.Max.X, box.Max.Y) {
			break
		}
		box.Max.Y--
	}
	return box
}

func (a *analyser) neighbours4(i int) []int {
	bx, by := i%a.gw, i/a.gw
	var out []int
	if bx > 0 {
		out = append(out, i-1)
	}
	if bx < a.gw-1 {
		out = append(out, i+1)
	}
	if by > 0 {
		out = append(out, i-a.gw)
	}
	if by < a.gh-1 {
		out = append(out, i+a.gw)
	}
	return out
}

func (a *analyser) neighbours8(i int) []int {
	bx, by := i%a.gw, i/a.gw
	var out []int
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			x, y := bx+dx, by+dy
			if (dx != 0 || dy != 0) && x >= 0 && y >= 0 && x < a.gw && y < a.gh {
				out = append(out, y*a.gw+x)
			}
		}
	}
	return out
}

// scan thresholds the crop into runs of ink and, when cells is set, counts
// ink and mid-tones per cell (what photos looks at). It reports false when
// the page has more runs than maxRuns. Most of a page is paper: a cell's
// row with no pixel below its thresholds is passed over 8 pixels at a time.
func (a *analyser) scan(cells bool) bool {
	chh := a.crop.Dy()
	a.rowStart = make([]int32, chh+1)
	a.runs = make([]run, 0, 1<<16)
	if cells {
		a.mid, a.ink = make([]uint16, a.cw*a.ch), make([]uint16, a.cw*a.ch)
	}
	x0 := a.crop.Min.X
	for y := range chh {
		fy := y + a.crop.Min.Y
		row := a.p.y.row(fy)
		brow := (fy / a.bs) * a.gw
		crow := (fy / a.cs) * a.cw
		start := -1
		for bx := x0 / a.bs; bx*a.bs < a.crop.Max.X; bx++ {
			b := brow + bx
			bxEnd := min((bx+1)*a.bs, a.crop.Max.X)
			if a.outside[b] {
				if start >= 0 {
					a.runs = append(a.runs, run{uint16(start - x0), uint16(bx*a.bs - x0)})
					start = -1
				}
				continue
			}
			ti, tm := a.tInk[b], a.tMid[b]
			if !cells {
				tm = 0
			}
			tAny := max(ti, tm)
			// A block is 4 cells wide, both aligned on the page.
			for c := range 4 {
				cx, cxEnd := max(bx*a.bs+c*a.cs, x0), min(bx*a.bs+(c+1)*a.cs, bxEnd)
				if cx >= cxEnd {
					continue
				}
				if start < 0 && cxEnd-cx <= 8 && cx+8 <= len(row) && !anyBelow(binary.LittleEndian.Uint64(row[cx:])|^uint64(0)<<(8*(cxEnd-cx)), tAny) {
					continue // paper only
				}
				var mid, ink uint16
				for x := cx; x < cxEnd; x++ {
					v := row[x]
					if v < ti {
						ink++
						if start < 0 {
							start = x
						}
						continue
					}
					if start >= 0 {
						a.runs = append(a.runs, run{uint16(start - x0), uint16(x - x0)})
						start = -1
					}
					if v < tm {
						mid++
					}
				}
				if cells {
					cell := crow + 4*bx + c
					a.mid[cell] += mid
					a.ink[cell] += ink
				}
			}
		}
		if start >= 0 {
			a.runs = append(a.runs, run{uint16(start - x0), uint16(a.crop.Max.X - x0)})
		}
		a.rowStart[y+1] = int32(len(a.runs))
		if len(a.runs) > maxRuns {
			return false
		}
	}
	return true
}

// Bytes of a word, for testing 8 pixels at once.
const (
	lanes1  = 0x0101010101010101
	lanesHi = 0x8080808080808080
)

// anyBelow reports whether a byte of x is below t (exact, for any t).
func anyBelow(x uint64, t uint8) bool {
	if t <= 128 {
		return (x-lanes1*uint64(t))&^x&lanesHi != 0
	}
	// x < t is ^x > 255-t, with 255-t < 127.
	y := ^x
	return (y+lanes1*uint64(t-128)|y)&lanesHi != 0
}

// components joins touching runs (8-connectivity) and measures each piece.
// label maps each run to its component.
func (a *analyser) components() ([]component, []int32) {
	parent := make([]int32, len(a.runs))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for y := 1; y+1 < len(a.rowStart); y++ {
		i, ie := a.rowStart[y-1], a.rowStart[y]
		j, je := a.rowStart[y], a.rowStart[y+1]
		for i < ie && j < je {
			p, c := a.runs[i], a.runs[j]
			switch {
			case p.x1 < c.x0:
				i++
			case c.x1 < p.x0:
				j++
			default:
				if ri, rj := find(i), find(j); ri != rj {
					parent[max(ri, rj)] = min(ri, rj)
				}
				if p.x1 < c.x1 {
					i++
				} else {
					j++
				}
			}
		}
	}
	// Every run's root precedes it, so one pass in order points each run
	// at its root; a second numbers the components in the order of their
	// first run (top to bottom), reusing the slice.
	for i := range parent {
		parent[i] = parent[parent[i]]
	}
	label := parent
	var comps []component
	for i := range label {
		if r := label[i]; r == int32(i) {
			label[i] = int32(len(comps))
			comps = append(comps, component{box: image.Rectangle{Min: image.Pt(math.MaxInt, math.MaxInt)}})
		} else {
			label[i] = label[r]
		}
	}
	cw, chh := a.crop.Dx(), a.crop.Dy()
	for y := range chh {
		fy := y + a.crop.Min.Y
		row := a.p.y.row(fy)
		brow := (fy / a.bs) * a.gw
		var cbRow, crRow []byte
		if a.p.colour() {
			cbRow, crRow = a.p.cb.row(fy/2), a.p.cr.row(fy/2)
		}
		for i := a.rowStart[y]; i < a.rowStart[y+1]; i++ {
			r := a.runs[i]
			c := &comps[label[i]]
			x0, x1 := int(r.x0), int(r.x1)
			c.area += x1 - x0
			c.box.Min.X, c.box.Max.X = min(c.box.Min.X, x0), max(c.box.Max.X, x1)
			c.box.Min.Y, c.box.Max.Y = min(c.box.Min.Y, y), max(c.box.Max.Y, y+1)
			for x := x0 + a.crop.Min.X; x < x1+a.crop.Min.X; x++ {
				v := int(row[x])
				core := row[x] < a.tCore[brow+x/a.bs]
				c.allY += v
				if core {
					c.coreN++
					c.coreY += v
				}
				if cbRow != nil {
					cb, cr := int(cbRow[x/2]), int(crRow[x/2])
					c.allCb += cb
					c.allCr += cr
					if core {
						c.coreCb += cb
						c.coreCr += cr
					}
				}
			}
		}
	}
	for i := range comps {
		b := comps[i].box
		comps[i].touchesCropEdges = b.Min.X == 0 || b.Min.Y == 0 || b.Max.X == cw || b.Max.Y == chh
	}
	return comps, label
}

// photos finds the areas to keep in tones: cells rich in mid-tones or in
// colour, joined, with specks dropped. Boxes are in crop pixels.
func (a *analyser) photos() []photo {
	if a.p.bilevel && !a.p.colour() {
		return nil // no tones, no colour: nothing to keep as a photo
	}
	// Cells of the crop only.
	cx0, cy0 := a.crop.Min.X/a.cs, a.crop.Min.Y/a.cs
	cx1, cy1 := ceilDiv(a.crop.Max.X, a.cs), ceilDiv(a.crop.Max.Y, a.cs)
	gw, gh := cx1-cx0, cy1-cy0
	area := a.cs * a.cs
	dev := a.cellChroma(cx0, cy0, gw, gh)
	grid := make([]bool, gw*gh)
	for y := range gh {
		for x := range gw {
			i := (y+cy0)*a.cw + x + cx0
			if a.outside[((y+cy0)*a.cs/a.bs)*a.gw+(x+cx0)*a.cs/a.bs] {
				continue
			}
			grid[y*gw+x] = float64(a.mid[i]) >= photoMidShare*float64(area) ||
				(dev != nil && dev[y*gw+x] >= chromaCell && !a.inkNear(x+cx0, y+cy0))
		}
	}
	// Close small gaps (a photo's dark and light patches), then keep the big pieces.
	grid = erode(dilate(grid, gw, gh, 2), gw, gh, 2)
	minCells := int(photoMinMM / 25.4 * a.dpi / float64(a.cs))
	var boxes []image.Rectangle
	seen := make([]bool, len(grid))
	for i, on := range grid {
		if !on || seen[i] {
			continue
		}
		box := image.Rectangle{Min: image.Pt(i%gw, i/gw), Max: image.Pt(i%gw+1, i/gw+1)}
		stack := []int{i}
		seen[i] = true
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := j%gw, j/gw
			box = box.Union(image.Rect(x, y, x+1, y+1))
			for _, k := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if k[0] >= 0 && k[1] >= 0 && k[0] < gw && k[1] < gh && grid[k[1]*gw+k[0]] && !seen[k[1]*gw+k[0]] {
					seen[k[1]*gw+k[0]] = true
					stack = append(stack, k[1]*gw+k[0])
				}
			}
		}
		if box.Dx() >= minCells && box.Dy() >= minCells {
			boxes = append(boxes, box)
		}
	}
	boxes = mergeOverlapping(boxes)
	crop := image.Rect(0, 0, a.crop.Dx(), a.crop.Dy())
	var out []photo
	for _, b := range boxes {
		px := image.Rect((b.Min.X+cx0)*a.cs, (b.Min.Y+cy0)*a.cs, (b.Max.X+cx0)*a.cs, (b.Max.Y+cy0)*a.cs).
			Sub(a.crop.Min).Intersect(crop)
		px.Min.X &^= 1
		px.Min.Y &^= 1
		out = append(out, photo{box: px, grey: a.grey(px)})
	}
	return out
}

// inkNear says whether a cell or one around it holds ink: there, colour may
// be the ink's own, smeared by the scanner and JPEG.
func (a *analyser) inkNear(cx, cy int) bool {
	for y := max(cy-1, 0); y <= min(cy+1, a.ch-1); y++ {
		for x := max(cx-1, 0); x <= min(cx+1, a.cw-1); x++ {
			if a.ink[y*a.cw+x] > 0 {
				return true
			}
		}
	}
	return false
}

// cellChroma is, per cell of the crop, how far its colour is from the
// paper's (|ΔCb| + |ΔCr|); nil for grey pages.
func (a *analyser) cellChroma(cx0, cy0, gw, gh int) []float64 {
	if !a.p.colour() {
		return nil
	}
	half := max(1, a.cs/2)
	cb, cr := make([]float64, gw*gh), make([]float64, gw*gh)
	var paperCb, paperCr []float64
	for y := range gh {
		for x := range gw {
			sb, sr, n := 0, 0, 0
			for yy := (y + cy0) * half; yy < min((y+cy0+1)*half, a.p.cb.h); yy++ {
				rb, rr := a.p.cb.row(yy), a.p.cr.row(yy)
				for xx := (x + cx0) * half; xx < min((x+cx0+1)*half, a.p.cb.w); xx++ {
					sb += int(rb[xx])
					sr += int(rr[xx])
					n++
				}
			}
			if n == 0 {
				continue
			}
			i := y*gw + x
			cb[i], cr[i] = float64(sb)/float64(n), float64(sr)/float64(n)
			if j := (y+cy0)*a.cw + x + cx0; a.mid[j] == 0 && a.ink[j] == 0 {
				paperCb, paperCr = append(paperCb, cb[i]), append(paperCr, cr[i])
			}
		}
	}
	pb, pr := median(paperCb, 128), median(paperCr, 128)
	dev := make([]float64, gw*gh)
	for i := range dev {
		dev[i] = math.Abs(cb[i]-pb) + math.Abs(cr[i]-pr)
	}
	return dev
}

func median(v []float64, empty float64) float64 {
	if len(v) == 0 {
		return empty
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// grey says whether a photo area is without colour.
func (a *analyser) grey(box image.Rectangle) bool {
	if !a.p.colour() {
		return true
	}
	r := chromaRect(box.Add(a.crop.Min))
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		rb, rr := a.p.cb.row(y), a.p.cr.row(y)
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += math.Abs(float64(rb[x])-128) + math.Abs(float64(rr[x])-128)
			n++
		}
	}
	return n == 0 || sum/n < 6
}

func dilate(g []bool, w, h, r int) []bool { return morph(g, w, h, r, true) }
func erode(g []bool, w, h, r int) []bool  { return morph(g, w, h, r, false) }

// morph applies a (2r+1)² square dilation (grow) or erosion, separably.
func morph(g []bool, w, h, r int, grow bool) []bool {
	tmp, out := make([]bool, len(g)), make([]bool, len(g))
	for y := range h {
		for x := range w {
			v := !grow
			for d := -r; d <= r; d++ {
				xx := x + d
				if xx < 0 || xx >= w {
					continue
				}
				if grow {
					v = v || g[y*w+xx]
				} else {
					v = v && g[y*w+xx]
				}
			}
			tmp[y*w+x] = v
		}
	}
	for y := range h {
		for x := range w {
			v := !grow
			for d := -r; d <= r; d++ {
				yy := y + d
				if yy < 0 || yy >= h {
					continue
				}
				if grow {
					v = v || tmp[yy*w+x]
				} else {
					v = v && tmp[yy*w+x]
				}
			}
			out[y*w+x] = v
		}
	}
	return out
}

// mergeOverlapping unites boxes until none overlap.
func mergeOverlapping(boxes []image.Rectangle) []image.Rectangle {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(boxes) && !merged; i++ {
			for j := i + 1; j < len(boxes); j++ {
				if boxes[i].Overlaps(boxes[j]) {
					boxes[i] = boxes[i].Union(boxes[j])
					boxes = slices.Delete(boxes, j, j+1)
					merged = true
					break
				}
			}
		}
	}
	return boxes
}

// assign drops specks, ink inside photos and edge shadows, and gives every
// other component an ink colour cluster (0 is black).
func (a *analyser) assign(comps []component, photos []photo) {
	speck := max(1, int(math.Round(2*a.dpi*a.dpi/(300*300))))
	cw, chh := a.crop.Dx(), a.crop.Dy()
	thin := int(1.5 * a.dpi / 25.4) // an edge shadow or the glass's rim is at most 1.5 mm wide…
	for i := range comps {
		c := &comps[i]
		c.cluster = 0
		switch {
		case c.area <= speck:
			c.cluster = -1
		case c.touchesCropEdges && ((c.box.Dx() <= thin && c.box.Dy() > chh/10) || (c.box.Dy() <= thin && c.box.Dx() > cw/10)):
			c.cluster = -1 // …and long
		default:
			// Ink within a photo is part of it; ink around one (a logo's
			// frame) is not.
			for _, p := range photos {
				if c.box.In(p.box.Inset(-a.cs)) {
					c.cluster = -1
				}
			}
		}
	}
	if !a.p.colour() {
		return
	}
	// Colour inks, the largest first so that they lead their clusters.
	type ink struct {
		y, cb, cr float64
		weight    int
	}
	var clusters []ink
	order := make([]int, 0, len(comps))
	for i := range comps {
		if comps[i].cluster == 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(comps[j].area, comps[i].area) })
	for _, i := range order {
		c := &comps[i]
		n, y, cb, cr := c.coreN, c.coreY, c.coreCb, c.coreCr
		if n < 4 {
			n, y, cb, cr = c.area, c.allY, c.allCb, c.allCr
		}
		k := ink{float64(y) / float64(n), float64(cb) / float64(n), float64(cr) / float64(n), c.area}
		if math.Hypot(k.cb-128, k.cr-128) < chromaInk || c.area < 2*speck+4 {
			continue // black
		}
		best, bestD := -1, math.Inf(1)
		for j, cl := range clusters {
			d := math.Abs(k.y-cl.y)/2 + math.Abs(k.cb-cl.cb) + math.Abs(k.cr-cl.cr)
			if d < bestD {
				best, bestD = j, d
			}
		}
		if best < 0 || (bestD > clusterDist && len(clusters) < maxClusters) {
			clusters = append(clusters, k)
			c.cluster = len(clusters)
			continue
		}
		cl := &clusters[best]
		tw := float64(cl.weight + k.weight)
		cl.y = (cl.y*float64(cl.weight) + k.y*float64(k.weight)) / tw
		cl.cb = (cl.cb*float64(cl.weight) + k.cb*float64(k.weight)) / tw
		cl.cr = (cl.cr*float64(cl.weight) + k.cr*float64(k.weight)) / tw
		cl.weight += k.weight
		c.cluster = best + 1
	}
	a.colours = make([]color.RGBA, len(clusters)+1)
	a.colours[0] = color.RGBA{A: 255}
	for i, cl := range clusters {
		r, g, b := color.YCbCrToRGB(uint8(clamp(int(cl.y+0.5), 0, 255)), uint8(clamp(int(cl.cb+0.5), 0, 255)), uint8(clamp(int(cl.cr+0.5), 0, 255)))
		a.colours[i+1] = color.RGBA{r, g, b, 255}
	}
}

// masks draws each cluster's components into a bitmap cut to their box.
func (a *analyser) masks(comps []component, label []int32) []mask {
	n := max(1, len(a.colours))
	boxes := make([]image.Rectangle, n)
	for _, c := range comps {
		if c.cluster >= 0 {
			boxes[c.cluster] = boxes[c.cluster].Union(c.box)
		}
	}
	out := make([]mask, n)
	for i, b := range boxes {
		out[i] = mask{box: b, rgb: color.RGBA{A: 255}}
		if i < len(a.colours) {
			out[i].rgb = a.colours[i]
		}
		if !b.Empty() {
			out[i].bits = bilevel.NewBitmap(b.Dx(), b.Dy())
		}
	}
	for y := range len(a.rowStart) - 1 {
		for i := a.rowStart[y]; i < a.rowStart[y+1]; i++ {
			k := comps[label[i]].cluster
			if k < 0 {
				continue
			}
			m := &out[k]
			fillBits(m.bits.Row(y-m.box.Min.Y), int(a.runs[i].x0)-m.box.Min.X, int(a.runs[i].x1)-m.box.Min.X)
		}
	}
	return slices.DeleteFunc(out, func(m mask) bool { return m.bits == nil })
}

// fillBits sets bits [x0, x1) of a packed row.
func fillBits(row []byte, x0, x1 int) {
	for x0 < x1 && x0&7 != 0 {
		row[x0>>3] |= 0x80 >> (x0 & 7)
		x0++
	}
	for ; x0+8 <= x1; x0 += 8 {
		row[x0>>3] = 0xFF
	}
	for ; x0 < x1; x0++ {
		row[x0>>3] |= 0x80 >> (x0 & 7)
	}
}

// skew finds the angle at which the ink's rows line up best: the horizontal
// projection of the kept runs is sharpest (largest sum of squares).
func (a *analyser) skew(comps []component, label []int32) float64 {
	type pt struct{ x, y, w float64 }
	var pts []pt
	for y := 0; y+1 < len(a.rowStart); y += 2 {
		for i := a.rowStart[y]; i < a.rowStart[y+1]; i++ {
			c := &comps[label[i]]
			// Letters only: rules, frames and blocks say little about lines.
			if c.cluster < 0 || c.box.Dy() > int(a.dpi/4) || c.box.Dx() > int(a.dpi/2) {
				continue
			}
			r := a.runs[i]
			pts = append(pts, pt{float64(r.x0+r.x1) / 2, float64(y), float64(r.x1 - r.x0)})
		}
	}
	if len(pts) < 200 {
		return 0
	}
	bin := a.dpi / 75
	h := a.crop.Dy()
	w := a.crop.Dx()
	pad := float64(w) * math.Tan((maxSkew+1)*math.Pi/180)
	hist := make([]float64, int((float64(h)+2*pad)/bin)+2)
	score := func(deg float64) float64 {
		clear(hist)
		t := math.Tan(deg * math.Pi / 180)
		for _, p := range pts {
			hist[int((p.y-p.x*t+pad)/bin)] += p.w
		}
		s := 0.0
		for _, v := range hist {
			s += v * v
		}
		return s
	}
	best, bestS := 0.0, score(0)
	search := func(from, to, step float64) {
		for d := from; d <= to+1e-9; d += step {
			if s := score(d); s > bestS {
				best, bestS = d, s
			}
		}
	}
	search(-maxSkew, maxSkew, 0.25)
	search(best-0.25, best+0.25, 0.05)
	if math.Abs(best) < minSkew {
		return 0
	}
	return math.Round(best*100) / 100
}
