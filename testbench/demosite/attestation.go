package demosite

import (
	"bytes"
	"fmt"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"borne/internal/minipdf"
)

// Attestation renders a one-page A4 PDF attestation, built by hand so the
// demo needs no PDF library: a valid file with a correct cross-reference table.
func Attestation(siteName string, when time.Time) []byte {
	text := fmt.Sprintf("BT /F1 20 Tf 72 760 Td (%s) Tj 0 -40 Td /F1 14 Tf (Attestation de démonstration) Tj 0 -24 Td (Délivrée le %s) Tj ET",
		pdfEscape(siteName), when.Format("02/01/2006"))
	text = winAnsi(text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text)+1, text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	return minipdf.Write(objects)
}

// winAnsi encodes the text for the standard font's WinAnsi encoding, which
// holds every French letter and the dash; anything else becomes "?".
func winAnsi(s string) string {
	out, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).String(s)
	if err != nil {
		return s
	}
	return out
}

func pdfEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r == '(' || r == ')' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
