package shrink

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// pdfPage is one page ready to be numbered into a file.
type pdfPage struct {
	w, h    float64 // points
	rotate  int     // degrees clockwise, a multiple of 90
	content []byte
	xobjs   []xobject // named /X0, /X1… in order
}

// xobject is an image: its dictionary (without /Length) and its data.
type xobject struct {
	dict string
	data []byte
}

// size is an upper bound of the bytes the page adds to a file.
func (p *pdfPage) size() int64 {
	n := int64(len(p.content)) + 400
	for _, x := range p.xobjs {
		n += int64(len(x.dict)+len(x.data)) + 80
	}
	return n
}

// writePDF lays the pages out as a PDF 1.4 file: no dates and no random
// identifiers, so the same pages always give the same bytes.
func writePDF(pages []*pdfPage) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) int {
		offsets = append(offsets, b.Len())
		n := len(offsets)
		fmt.Fprintf(&b, "%d 0 obj\n", n)
		if stream == nil {
			b.WriteString(body)
		} else {
			fmt.Fprintf(&b, "<<%s /Length %d>>\nstream\n", body, len(stream))
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
		return n
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// Objects 1 and 2 are the catalogue and the page tree; each page then
	// takes its images, its content and itself.
	var kids []string
	next := 3
	for _, p := range pages {
		next += len(p.xobjs) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", next))
		next++
	}
	obj("<</Type /Catalog /Pages 2 0 R>>", nil)
	obj(fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d>>", strings.Join(kids, " "), len(pages)), nil)
	for _, p := range pages {
		var res []string
		for i, x := range p.xobjs {
			res = append(res, fmt.Sprintf("/X%d %d 0 R", i, obj(x.dict, x.data)))
		}
		content := obj("", p.content)
		rotate := ""
		if p.rotate != 0 {
			rotate = fmt.Sprintf(" /Rotate %d", p.rotate)
		}
		obj(fmt.Sprintf("<</Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s]%s /Resources <</XObject <<%s>>>> /Contents %d 0 R>>",
			num(p.w), num(p.h), rotate, strings.Join(res, " "), content), nil)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// num writes a PDF number with at most 3 decimals.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}
