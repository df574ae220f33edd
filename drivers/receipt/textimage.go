package receipt

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// DefaultFontDir is where Debian's fonts-noto-core puts its fonts.
const DefaultFontDir = "/usr/share/fonts/truetype/noto"

// The faces text images are drawn with, tried in order for each character:
// Arabic first, then Latin for the words and digits inside Arabic text.
var (
	regularFiles = []string{"NotoSansArabic-Regular.ttf", "NotoSans-Regular.ttf"}
	boldFiles    = []string{"NotoSansArabic-Bold.ttf", "NotoSans-Bold.ttf"}
)

// Chinese comes from Debian's fonts-noto-cjk when it is installed: a font
// collection whose face cjkSC is Simplified Chinese. Without it, Chinese
// text cannot be drawn (the rest still is).
const (
	cjkDir     = "/usr/share/fonts/opentype/noto"
	cjkRegular = "NotoSansCJK-Regular.ttc"
	cjkBold    = "NotoSansCJK-Bold.ttc"
	cjkSC      = 2
)

// Fonts draws text the printer cannot write with its own characters
// (Arabic above all) as an image: shaped, with the joining forms and
// ligatures Arabic needs, laid out right to left with the Latin words and
// digits inside it kept in their order, and wrapped to the paper. Safe for
// concurrent use.
type Fonts struct {
	regular, bold faces

	mu      sync.Mutex // the shaper, segmenter and wrapper keep state
	shaper  shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrapper shaping.LineWrapper
}

// faces picks, for each character, the first face that has it.
type faces []*font.Face

func (fs faces) ResolveFace(r rune) *font.Face {
	for _, f := range fs {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	return fs[0]
}

// DefaultFonts loads the faces from DefaultFontDir, once.
var DefaultFonts = sync.OnceValues(func() (*Fonts, error) { return LoadFonts(DefaultFontDir) })

// LoadFonts reads the faces from dir (DefaultFontDir on Debian).
func LoadFonts(dir string) (*Fonts, error) {
	load := func(names []string) (faces, error) {
		var fs faces
		for _, n := range names {
			data, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return nil, fmt.Errorf("receipt: font: %w", err)
			}
			f, err := font.ParseTTF(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("receipt: font %s: %w", n, err)
			}
			fs = append(fs, f)
		}
		return fs, nil
	}
	regular, err := load(regularFiles)
	if err != nil {
		return nil, err
	}
	bold, err := load(boldFiles)
	if err != nil {
		return nil, err
	}
	if f := loadCJK(cjkRegular); f != nil {
		regular = append(regular, f)
	}
	if f := loadCJK(cjkBold); f != nil {
		bold = append(bold, f)
	}
	return &Fonts{regular: regular, bold: bold}, nil
}

// loadCJK reads the Simplified Chinese face of a Noto CJK collection, or nil.
func loadCJK(name string) *font.Face {
	data, err := os.ReadFile(filepath.Join(cjkDir, name))
	if err != nil {
		return nil
	}
	fs, err := font.ParseTTC(bytes.NewReader(data))
	if err != nil || len(fs) <= cjkSC {
		return nil
	}
	return fs[cjkSC]
}

// Paragraphs draws text at px pixels to the em, wrapped to width and
// justified; "\n" starts a new paragraph. Black on white.
func (f *Fonts) Paragraphs(text string, px, width int, bold, rtl bool, justify byte) *image.Gray {
	f.mu.Lock()
	defer f.mu.Unlock()
	fs := f.regular
	if bold {
		fs = f.bold
	}
	dir := di.DirectionLTR
	if rtl {
		dir = di.DirectionRTL
	}
	var lines []shaping.Line
	for _, para := range strings.Split(text, "\n") {
		runes := []rune(strings.TrimSpace(para))
		if len(runes) == 0 {
			lines = append(lines, nil)
			continue
		}
		in := shaping.Input{Text: runes, RunEnd: len(runes), Direction: dir, Size: fixed.I(px)}
		split := f.seg.Split(in, fs)
		outs := make([]shaping.Output, len(split))
		for i, s := range split {
			outs[i] = f.shaper.Shape(s)
		}
		wrapped, _ := f.wrapper.WrapParagraph(shaping.WrapConfig{Direction: dir}, width, runes, shaping.NewSliceIterator(outs))
		for _, l := range wrapped {
			lines = append(lines, append(shaping.Line(nil), l...)) // the wrapper reuses its lines
		}
	}

	// Every line is as tall, so that lines sit evenly whatever their
	// glyphs: room for Arabic marks above, descenders below, and little
	// more, as thermal paper is counted.
	baseline, lineH := px*11/10, px*31/20
	img := image.NewGray(image.Rect(0, 0, width, lineH*len(lines)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for i, l := range lines {
		drawLine(img, l, i*lineH, lineH, baseline, width, justify)
	}
	return img
}

// drawLine rasterises one wrapped line at row top.
func drawLine(img *image.Gray, line shaping.Line, top, height, baseline, width int, justify byte) {
	if len(line) == 0 {
		return
	}
	sort.Slice(line, func(i, j int) bool { return line[i].VisualIndex < line[j].VisualIndex })
	var w fixed.Int26_6
	for _, run := range line {
		w += run.Advance
	}
	x := fixed.Int26_6(0)
	switch justify {
	case JustifyCenter:
		x = (fixed.I(width) - w) / 2
	case JustifyRight:
		x = fixed.I(width) - w
	}
	r := vector.NewRasterizer(width, height)
	for _, run := range line {
		scale := float32(run.Size) / 64 / float32(run.Face.Upem())
		for _, g := range run.Glyphs {
			outline, ok := run.Face.GlyphDataOutline(g.GlyphID)
			if ok {
				ox := float32(x+g.XOffset) / 64
				oy := float32(baseline) - float32(g.YOffset)/64
				addOutline(r, outline, ox, oy, scale)
			}
			x += g.Advance
		}
	}
	mask := image.NewAlpha(image.Rect(0, 0, width, height))
	r.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	// Thermal printers print dots, not greys: half-covered pixels are black.
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			if mask.AlphaAt(x, y).A >= 128 {
				img.Pix[(top+y)*img.Stride+x] = 0
			}
		}
	}
}

// addOutline adds a glyph's contours, in font units, to r at (ox, oy).
func addOutline(r *vector.Rasterizer, o font.GlyphOutline, ox, oy, scale float32) {
	pt := func(p font.SegmentPoint) (float32, float32) { return ox + p.X*scale, oy - p.Y*scale }
	open := false
	for _, s := range o.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				r.ClosePath()
			}
			r.MoveTo(pt(s.Args[0]))
			open = true
		case ot.SegmentOpLineTo:
			r.LineTo(pt(s.Args[0]))
		case ot.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			r.QuadTo(x1, y1, x2, y2)
		case ot.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			r.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	if open {
		r.ClosePath()
	}
}
