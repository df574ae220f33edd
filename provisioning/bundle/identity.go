package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"borne/kiosk/config"
)

// IdentityFile holds what belongs to this kiosk alone, relative to the
// provisioning root: a TOML document such as
//
//	[kiosk]
//	id = "trappes-01"
//	site = "France Services de Trappes"
//	timezone = "Europe/Paris"
//
// written by "kioskctl enrol". Its keys are merged into every bundle's
// configuration, so that one bundle serves a whole fleet.
const IdentityFile = "identity.toml"

// Compose merges identity into a bundle's configuration and validates the
// result with config.Parse. Every key of identity that the bundle leaves out
// is added to its section; a key the bundle sets wins, except that a bundle
// naming another kiosk.id is refused (it was made for another kiosk).
// Problems come back as *config.Errors with the lines of the bundle's file;
// an added key has no line. identity may be nil.
func Compose(cfg, identity []byte, name string) ([]byte, *config.Config, error) {
	var id map[string]any
	if err := toml.Unmarshal(identity, &id); err != nil {
		return nil, nil, fmt.Errorf("bundle: %s: %w", IdentityFile, err)
	}
	var doc map[string]any
	if err := toml.Unmarshal(cfg, &doc); err != nil {
		_, perr := config.Parse(cfg, name) // its message locates the mistake
		return nil, nil, perr
	}
	if mine, theirs := lookup(id, "kiosk", "id"), lookup(doc, "kiosk", "id"); mine != nil && theirs != nil && mine != theirs {
		return nil, nil, fmt.Errorf("bundle: %s is for kiosk %q; this kiosk is %q", name, theirs, mine)
	}
	composed, ins, err := merge(cfg, id, doc)
	if err != nil {
		return nil, nil, err
	}
	c, err := config.Parse(composed, name)
	var errs *config.Errors
	if errors.As(err, &errs) {
		last := bytes.Count(cfg, []byte("\n")) + 1
		for i := range *errs {
			if l := ins.original((*errs)[i].Line); l <= last {
				(*errs)[i].Line = l
			} else { // in a section added at the end
				(*errs)[i].Line = 0
			}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return composed, c, nil
}

func lookup(doc map[string]any, table, key string) any {
	if t, ok := doc[table].(map[string]any); ok {
		return t[key]
	}
	return nil
}

// insertion is n lines added after line at of the original file.
type insertion struct{ at, n int }

type insertions []insertion

// original maps a line of the composed file back to the bundle's file; 0
// for an added line.
func (ins insertions) original(line int) int {
	off := 0
	for _, in := range ins {
		first := in.at + off + 1
		switch {
		case line < first:
			return line - off
		case line < first+in.n:
			return 0
		}
		off += in.n
	}
	return line - off
}

// merge adds the identity keys the bundle leaves out: after the section's
// header when the bundle has one, else in a new section at the end.
func merge(cfg []byte, id, doc map[string]any) ([]byte, insertions, error) {
	lines := strings.SplitAfter(string(cfg), "\n")
	add := map[int][]string{} // after line index (0-based) → lines
	var tail []string
	for _, table := range slices.Sorted(maps.Keys(id)) {
		keys, ok := id[table].(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("bundle: %s: %s is not a section", IdentityFile, table)
		}
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if lookup(doc, table, k) != nil {
				continue
			}
			b, err := toml.Marshal(map[string]any{k: keys[k]})
			if err != nil {
				return nil, nil, fmt.Errorf("bundle: %s: %s.%s: %w", IdentityFile, table, k, err)
			}
			kv = append(kv, string(b))
		}
		if len(kv) == 0 {
			continue
		}
		header := regexp.MustCompile(`^\s*\[\s*` + regexp.QuoteMeta(table) + `\s*\]\s*(#.*)?$`)
		at := slices.IndexFunc(lines, func(l string) bool { return header.MatchString(strings.TrimRight(l, "\r\n")) })
		if at < 0 {
			tail = append(tail, "\n["+table+"]\n")
			tail = append(tail, kv...)
		} else {
			add[at] = kv
		}
	}
	var out bytes.Buffer
	var ins insertions
	for i, l := range lines {
		out.WriteString(l)
		if kv, ok := add[i]; ok {
			if !strings.HasSuffix(l, "\n") {
				out.WriteString("\n")
			}
			added := strings.Join(kv, "")
			out.WriteString(added)
			ins = append(ins, insertion{at: i + 1, n: strings.Count(added, "\n")})
		}
	}
	if len(tail) > 0 && out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteString("\n")
	}
	for _, s := range tail {
		out.WriteString(s)
	}
	return out.Bytes(), ins, nil
}
