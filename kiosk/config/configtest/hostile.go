// Package configtest makes configuration files for tests.
package configtest

import (
	"fmt"
	"strings"

	"borne/kiosk/config"
)

// Hostile returns valid followed by what costs a parser most, to exactly
// size bytes: values of the wrong type (each one a decoding pass), lists
// nested as deep as allowed, and sections of unknown keys as deep, as wide
// and as many as allowed. Every bound of config is reached but none passed,
// so the whole file is parsed; it does not validate.
func Hostile(valid []byte, size int) []byte {
	var b strings.Builder
	b.Write(valid)
	b.WriteString("\n")
	depth := strings.Repeat("[", config.MaxDepth-4) // service[i].name.fr is 4 deep
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "[[service]]\nid = %d\nname.fr = %s1%s\n", i, depth, strings.Repeat("]", len(depth)))
	}
	// zzN.a.b.c.d.e.f.g.kN[0][0][0]: MaxDepth (12) deep.
	value := `[[["` + strings.Repeat("v", 480) + `"]]]`
	keys := 0
	for s := 0; ; s++ {
		fmt.Fprintf(&b, "[zz%d.a.b.c.d.e.f.g]\n", s)
		for k := 0; k < config.MaxSectionKeys; k++ {
			line := fmt.Sprintf("k%d = %s\n", k, value)
			if b.Len()+2*len(line) > size || keys+4 >= config.MaxKeys*8/10 {
				// The last key takes what is left.
				pad := size - b.Len() - len("pad = \"\"\n")
				fmt.Fprintf(&b, "pad = %q\n", strings.Repeat("v", max(pad, 0)))
				return []byte(b.String())
			}
			b.WriteString(line)
			keys += 4 // the key and its three lists
		}
	}
}
