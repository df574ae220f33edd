package shrink

import (
	"image"
	"math/bits"
	"slices"
)

// The legibility check: the inks kept are compared with the strokes a
// reader sees on the page given, with no OCR. A stroke pixel is one clearly
// darker than its paper (refRatio); pieces smaller than a dot are noise.
const (
	refRatio = 0.90
	// nearRatio caps where pieces are counted (see strokes).
	nearRatio = 0.85
	// maxLost is the share of stroke pixels the inks may miss by more than a
	// pixel: the faint edges of letters, never whole strokes.
	maxLost = 0.12
	// maxBroken is how many pieces of ink a stroke may come out as, on
	// average: above it, letters fall apart into specks.
	maxBroken = 1.35
	// maxInkRatio bounds a raised ink threshold: above it, the paper's own
	// grain would come out as ink.
	maxInkRatio = 0.88
	// greyWhite is where, as a fraction of the paper, the grey layer turns
	// white: the paper's grain goes, so the layer costs little.
	greyWhite = 0.93
)

// Steps the legibility check took, in Choice.Step.
const (
	// StepContrast: the page's ink is faint; the inks were thresholded
	// between its own ink and paper instead.
	StepContrast = "contrast"
	// StepGrey: no thresholds keep the strokes whole; the page's text is
	// kept as a grey image, its paper made white.
	StepGrey = "grey"
)

// strokeCheck is the legibility check's measure of a layout.
type strokeCheck struct {
	Lost   float64 // share of the stroke pixels the inks miss
	Broken float64 // pieces of ink per stroke
}

func (c strokeCheck) ok() bool { return c.Lost <= maxLost && c.Broken <= maxBroken }

// legible checks the layout found at the usual thresholds and steps up
// until the strokes are kept: thresholds fitted to the page's own ink,
// then a grey layer.
func (a *analyser) legible(l *layout) *layout {
	l.check = a.strokes(l)
	if l.check.ok() {
		return l
	}
	ink := a.inkLevel(l.photos)
	skew := l.skew
	if r := min(maxInkRatio, (1+ink)/2); r > a.inkR+0.02 {
		a.setRatios(r, r, (ink+r)/2)
		if l2, inks := a.layoutAt(l.photos); inks {
			l2.step, l2.check = StepContrast, a.strokes(l2)
			if l2.check.ok() {
				return l2
			}
			skew = l2.skew
		}
	}
	return a.greyLayer(l, ink, skew)
}

// strokes measures, against the strokes of the page, how much of them the
// layout's inks miss (by more than a pixel) and into how many pieces they
// come apart.
func (a *analyser) strokes(l *layout) strokeCheck {
	ref, ok := a.strokeRef()
	if !ok {
		return strokeCheck{}
	}
	w, h := a.crop.Dx(), a.crop.Dy()
	words := (w+2)/64 + 1
	// The kept ink, grown by a pixel each way.
	kept := make([]uint64, words*h)
	for y := range h {
		for i := a.rowStart[y]; i < a.rowStart[y+1]; i++ {
			if a.comps[a.label[i]].cluster < 0 {
				continue
			}
			x0, x1 := max(int(a.runs[i].x0)-1, 0), min(int(a.runs[i].x1)+1, w)
			for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
				setBits(kept[yy*words:(yy+1)*words], x0, x1)
			}
		}
	}
	minArea := max(4, int(8*a.dpi*a.dpi/(300*300)))
	inPhoto := func(b image.Rectangle) bool {
		return slices.ContainsFunc(l.photos, func(p photo) bool { return b.Overlaps(p.box) })
	}
	// Letters and their pieces only: tints, rules and frames are not
	// strokes a reader reads, and the paper's edge is no ink.
	letter := func(c component) bool {
		return c.area >= minArea && c.box.Dy() <= int(a.dpi/4) && c.box.Dx() <= int(a.dpi/2) && !c.touchesCropEdges && !inPhoto(c.box)
	}
	var strokePix, lostPix int
	for y := range h {
		row := kept[y*words : (y+1)*words]
		for i := ref.rowStart[y]; i < ref.rowStart[y+1]; i++ {
			if !letter(ref.comps[ref.label[i]]) {
				continue
			}
			r := ref.runs[i]
			n := int(r.x1 - r.x0)
			strokePix += n
			lostPix += n - countBits(row, int(r.x0), int(r.x1))
		}
	}
	// Pieces are counted against strokes seen a little closer to the inks'
	// threshold: at refRatio, the halo of small type joins its letters.
	if r := min((a.inkR+1)/2, nearRatio); r < refRatio-0.01 {
		near, ok := a.reference(r)
		if !ok {
			return strokeCheck{}
		}
		ref = &near
	}
	refN, keptN := 0, 0
	for _, c := range ref.comps {
		if letter(c) {
			refN++
		}
	}
	for _, c := range a.comps {
		if c.cluster >= 0 && letter(c) {
			keptN++
		}
	}
	if strokePix == 0 || refN == 0 {
		return strokeCheck{}
	}
	return strokeCheck{Lost: float64(lostPix) / float64(strokePix), Broken: float64(keptN) / float64(refN)}
}

// strokeRef is the reference at refRatio, made once: the thresholds the
// check steps through leave it alone.
func (a *analyser) strokeRef() (*analyser, bool) {
	if !a.refDone {
		if ref, ok := a.reference(refRatio); ok {
			a.ref = &ref
		}
		a.refDone = true
	}
	return a.ref, a.ref != nil
}

// reference is a copy of the analyser, in slices of its own, holding the
// runs and pieces of what is darker than ratio of the paper. ok is false
// when there are too many.
func (a *analyser) reference(ratio float64) (ref analyser, ok bool) {
	ref = *a
	ref.setRatios(ratio, ratio, ratio)
	if !ref.scan(false) {
		return ref, false
	}
	ref.comps, ref.label = ref.components()
	return ref, true
}

// setBits sets bits [x0, x1) of a row of words.
func setBits(row []uint64, x0, x1 int) {
	for x := x0; x < x1; {
		w, b := x>>6, x&63
		n := min(64-b, x1-x)
		row[w] |= (^uint64(0) >> (64 - n)) << b
		x += n
	}
}

// countBits counts the bits set in [x0, x1) of a row of words.
func countBits(row []uint64, x0, x1 int) int {
	total := 0
	for x := x0; x < x1; {
		w, b := x>>6, x&63
		n := min(64-b, x1-x)
		total += bits.OnesCount64(row[w] & ((^uint64(0) >> (64 - n)) << b))
		x += n
	}
	return total
}

// inkLevel is how dark the page's ink is, as a fraction of its paper: a
// low quantile of the pixels clearly darker than their paper, photos left
// out. A faded photocopy's is some 0.65, a laser print's 0.1.
func (a *analyser) inkLevel(photos []photo) float64 {
	var hist [256]int
	total := 0
	for y := a.crop.Min.Y; y < a.crop.Max.Y; y += 2 {
		row := a.p.y.row(y)
		brow := (y / a.bs) * a.gw
		for x := a.crop.Min.X; x < a.crop.Max.X; x += 2 {
			b := brow + x/a.bs
			if a.outside[b] {
				continue
			}
			n := float64(row[x]) / a.bg[b]
			if n >= refRatio {
				continue
			}
			pt := image.Pt(x, y).Sub(a.crop.Min)
			if slices.ContainsFunc(photos, func(p photo) bool { return pt.In(p.box) }) {
				continue
			}
			hist[int(n*255)]++
			total++
		}
	}
	if total == 0 {
		return 0
	}
	seen := 0
	for i, n := range hist {
		if seen += n; 4*seen >= total {
			return min(float64(i)/255, 0.85)
		}
	}
	return 0
}

// greyLayer keeps the page's text as a grey image: each pixel as a
// fraction of its paper, stretched so that the ink is black and the paper
// white. The photos stay on top as they are.
func (a *analyser) greyLayer(l *layout, ink, skew float64) *layout {
	w, h := a.crop.Dx(), a.crop.Dy()
	flat := newPlane(w, h, 255)
	span := greyWhite - ink
	for y := range h {
		fy := y + a.crop.Min.Y
		src, dst := a.p.y.row(fy)[a.crop.Min.X:a.crop.Max.X], flat.row(y)
		brow := (fy / a.bs) * a.gw
		for x, v := range src {
			b := brow + (x+a.crop.Min.X)/a.bs
			if a.outside[b] {
				continue
			}
			f := (float64(v)/a.bg[b] - ink) / span
			dst[x] = uint8(clamp(int(f*255+0.5), 0, 255))
		}
	}
	whole := photo{box: image.Rect(0, 0, w, h), grey: true, flat: &planes{y: flat}}
	return &layout{crop: a.crop, dpi: a.dpi, skew: skew, photos: append([]photo{whole}, l.photos...),
		step: StepGrey, check: l.check, warning: l.warning}
}
