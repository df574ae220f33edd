package receipt

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"strings"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"rsc.io/qr"
)

// Sizes of text drawn as an image, in pixels to the em: close to the
// printer's own 24-dot font so that both kinds of line look alike.
const (
	imageTextPx      = 24
	imageTextLargePx = 44
)

// ErrNoFonts is returned by Render for text that must go as an image when
// no fonts were given.
var ErrNoFonts = errors.New("receipt: text needs fonts to be printed as an image")

// Render lays doc out for a printer of profile p and encodes it as ESC/POS,
// ending with the feed and the cut. Text the printer's code pages cannot
// write (Arabic…) is drawn with fonts as an image.
func Render(doc *Doc, p Profile, fonts *Fonts) ([]byte, error) {
	cm, cpNum, ok := textCodePage(p)
	if !ok {
		return nil, fmt.Errorf("receipt: profile %s has no usable code page", p.Name)
	}
	var e Encoder
	e.Init()
	e.CodePage(cpNum)
	for _, b := range doc.Blocks {
		switch b.Kind {
		case KindText:
			text := fold(b.Text)
			if _, ok := encodeText(cm, strings.ReplaceAll(text, "\n", " ")); ok {
				cols := p.Columns
				if b.Style.Large {
					cols /= 2
				}
				e.Justify(justification(b.Style.Align, doc.RTL))
				if b.Style.Bold {
					e.Bold(true)
				}
				if b.Style.Large {
					e.Size(2, 2)
				}
				for _, line := range wrap(text, cols) {
					enc, _ := encodeText(cm, line)
					e.Text(enc)
				}
				if b.Style.Large {
					e.Size(1, 1)
				}
				if b.Style.Bold {
					e.Bold(false)
				}
				continue
			}
			if fonts == nil {
				return nil, fmt.Errorf("%w: %q", ErrNoFonts, b.Text)
			}
			px := imageTextPx
			if b.Style.Large {
				px = imageTextLargePx
			}
			e.Justify(JustifyLeft)
			e.Raster(fonts.Paragraphs(b.Text, px, p.Dots, b.Style.Bold, doc.RTL, justification(b.Style.Align, doc.RTL)), p.Dots)
		case KindRule:
			e.Justify(JustifyLeft)
			e.Text([]byte(strings.Repeat("-", p.Columns)))
		case KindQR:
			if b.Text == "" {
				continue
			}
			if p.QR {
				e.Justify(JustifyCenter)
				e.QR([]byte(b.Text), qrModule(p, 0), QRMedium)
				e.Text(nil)
				continue
			}
			code, err := qr.Encode(b.Text, qr.M)
			if err != nil {
				return nil, fmt.Errorf("receipt: QR code: %w", err)
			}
			e.Justify(JustifyLeft)
			e.Raster(place(qrImage(code, qrModule(p, code.Size)), p.Dots, JustifyCenter), p.Dots)
		case KindImage:
			if b.Image == nil {
				continue
			}
			e.Justify(JustifyLeft)
			e.Raster(place(fit(b.Image, p.Dots), p.Dots, justification(b.Style.Align, doc.RTL)), p.Dots)
		case KindFeed:
			e.Feed(b.Lines)
		}
	}
	e.Feed(p.Feed)
	if p.Cutter != CutNone {
		e.Cut(p.Cutter == CutPartial)
	}
	return e.Bytes(), nil
}

// justification turns a logical alignment into the printer's.
func justification(a Align, rtl bool) byte {
	switch {
	case a == Center:
		return JustifyCenter
	case (a == Start) != rtl:
		return JustifyLeft
	}
	return JustifyRight
}

// wrap breaks text into lines of at most cols characters, at spaces where
// it can; "\n" always breaks.
func wrap(text string, cols int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			for utf8.RuneCountInString(w) > cols { // a word longer than the line: an address, a URL
				if line != "" {
					lines, line = append(lines, line), ""
				}
				r := []rune(w)
				lines, w = append(lines, string(r[:cols])), string(r[cols:])
			}
			switch {
			case w == "":
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= cols:
				line += " " + w
			default:
				lines, line = append(lines, line), w
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// qrModule is the side of a QR module in dots: a third of the paper at
// most for a code of size modules (0: the usual size), 3 dots at least so
// phones still read it.
func qrModule(p Profile, size int) int {
	if size == 0 {
		size = 33 // version 4: a typical web address
	}
	return min(max(p.Dots/3/size, 3), 8)
}

// qrImage draws code with modules of m pixels and a quiet zone of 4.
func qrImage(code *qr.Code, m int) *image.Gray {
	side := (code.Size + 8) * m
	img := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				r := image.Rect((x+4)*m, (y+4)*m, (x+5)*m, (y+5)*m)
				draw.Draw(img, r, image.Black, image.Point{}, draw.Src)
			}
		}
	}
	return img
}

// fit scales img down to width, keeping its proportions.
func fit(img image.Image, width int) image.Image {
	b := img.Bounds()
	if b.Dx() <= width {
		return img
	}
	dst := image.NewGray(image.Rect(0, 0, width, b.Dy()*width/b.Dx()))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// place puts img on a white band as wide as the paper, justified: printers
// differ in whether ESC a moves images, so Borne moves them itself.
func place(img image.Image, width int, justify byte) *image.Gray {
	b := img.Bounds()
	band := image.NewGray(image.Rect(0, 0, width, b.Dy()))
	draw.Draw(band, band.Bounds(), image.White, image.Point{}, draw.Src)
	x := 0
	switch justify {
	case JustifyCenter:
		x = (width - b.Dx()) / 2
	case JustifyRight:
		x = width - b.Dx()
	}
	draw.Draw(band, image.Rect(x, 0, x+b.Dx(), b.Dy()), img, b.Min, draw.Src)
	return band
}
