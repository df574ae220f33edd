package shrink

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
)

const (
	// pageQuality is the JPEG quality a scanned page is kept at:
	// visually lossless, and a tenth of the raw size on the tmpfs.
	pageQuality = 92
	// analysisDPI caps the resolution of a scan's analysis (crop, skew).
	analysisDPI = 300
)

// Scan is a scanned page made ready to keep.
type Scan struct {
	Data    []byte      // the page as scanned: PNG for line art (exact, and small), JPEG otherwise
	Ext     string      // ".png" or ".jpg"
	DPI     int         // as given, or guessed from the size (an A4 or Letter page)
	Thumb   image.Image // what the resident sees: the paper, cropped and straightened
	Warning string      // WarnBlank, WarnDark or ""
}

// PrepareScan encodes a scanned page at dpi (0: guess) and draws its
// thumbnail, thumbSize pixels on its long side. It takes a fraction of a
// second: call it off the UI's main loop.
func PrepareScan(img image.Image, dpi, thumbSize int) (Scan, error) {
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return Scan{}, err
	}
	if dpi <= 0 {
		dpi = int(guessDPI(b.Dx(), b.Dy()))
	}
	p := toPlanes(img)
	s := Scan{Ext: ".jpg", DPI: dpi}
	var err error
	if p.bilevel {
		s.Ext = ".png"
		var buf bytes.Buffer
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
		s.Data = buf.Bytes()
	} else {
		s.Data, err = encodeJPEG(p, pageQuality, float64(dpi))
	}
	if err != nil {
		return Scan{}, fmt.Errorf("encode page: %w", err)
	}

	a, adpi := p, float64(dpi)
	if adpi > analysisDPI {
		a, adpi = p.scaled(analysisDPI/adpi), analysisDPI
	}
	l := sketch(a, adpi)
	s.Warning = l.warning
	crop := a.sub(l.crop)
	f := float64(thumbSize) / float64(max(crop.y.w, crop.y.h))
	s.Thumb = crop.resized(max(1, int(math.Round(float64(crop.y.w)*f))), max(1, int(math.Round(float64(crop.y.h)*f)))).rotated(l.skew, 0).image()
	return s, nil
}

// Turn turns an image by quarter turns clockwise.
func Turn(img image.Image, quarterTurns int) image.Image {
	return toPlanes(img).rotated(0, quarterTurns).image()
}
