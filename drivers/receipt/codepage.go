package receipt

import (
	"strings"

	"golang.org/x/text/encoding/charmap"

	"borne/internal/receiptspec"
)

// CodePages are the single-byte character tables Borne knows, by the names
// profiles use.
var CodePages = map[string]*charmap.Charmap{
	"cp437":  charmap.CodePage437,
	"cp850":  charmap.CodePage850,
	"cp852":  charmap.CodePage852,
	"cp858":  charmap.CodePage858,
	"cp860":  charmap.CodePage860,
	"cp863":  charmap.CodePage863,
	"cp865":  charmap.CodePage865,
	"cp866":  charmap.CodePage866,
	"cp1252": charmap.Windows1252,
}

// textCodePage picks the table text is written in.
func textCodePage(p Profile) (*charmap.Charmap, byte, bool) {
	for _, name := range receiptspec.TextCodePages {
		if n, ok := p.CodePages[name]; ok {
			return CodePages[name], n, true
		}
	}
	return nil, 0, false
}

// folds replaces typographic characters that no code page has with plain
// ones a resident reads the same way; œ is common in French and missing
// from CP858.
var folds = map[rune]string{
	'‘': "'", '’': "'", 'ʼ': "'", '‚': ",",
	'“': `"`, '”': `"`, '„': `"`,
	'‐': "-", '‑': "-", '–': "-", '—': "-", '−': "-",
	'…': "...", '•': "*", '→': "->",
	'\u00a0': " ", '\u202f': " ", '\u2009': " ",
	'œ': "oe", 'Œ': "OE",
	// Direction marks and isolates: text the printer writes itself runs
	// left to right anyway.
	'\u200e': "", '\u200f': "", '\u2066': "", '\u2067': "", '\u2068': "", '\u2069': "",
}

// fold replaces the characters of folds.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// encodeText writes folded text in cm; ok is false when a character is not
// in the table: the text must then go as an image.
func encodeText(cm *charmap.Charmap, s string) (b []byte, ok bool) {
	b = make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := cm.EncodeRune(r)
		if !ok || r < ' ' {
			return nil, false
		}
		b = append(b, c)
	}
	return b, true
}
