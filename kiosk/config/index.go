package config

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The decoder fills structs but forgets where each value came from. The
// document index walks the same TOML with go-toml's own parser and records,
// for every key path (service[1].name.fr), the line it is on and the bytes it
// covers, so every error can point at a line and defaults can tell "omitted"
// from "written as zero".

// seg is one step of a key path: a key, or an index into an array.
type seg struct {
	key     string
	index   int
	isIndex bool
}

// keyPart writes a key the way TOML would need it: quoted unless bare.
func keyPart(k string) string {
	if k == "" || strings.ContainsFunc(k, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return strconv.Quote(k)
	}
	return k
}

// pathString writes segs as "service[0].next_step[1].to_day".
func pathString(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		switch {
		case s.isIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case b.Len() > 0:
			b.WriteString("." + keyPart(s.key))
		default:
			b.WriteString(keyPart(s.key))
		}
	}
	return b.String()
}

// entry is one key/value, array element or table header of the document.
type entry struct {
	segs       []seg
	path       string
	line       int
	start, end int           // bytes covered: the key through its value, or a header's name
	top        int           // index in docIndex.tops of the top-level key/value holding it, or -1
	kind       unstable.Kind // the value's kind; Table or ArrayTable for headers
	data       string        // a scalar value's text
}

// topKV is a top-level key/value: the unit that can be blanked out.
type topKV struct {
	start, end int
	path       string // its table and first key: "service[0].name" for name.fr = …
}

type docIndex struct {
	entries    []entry        // sorted by start
	lines      map[string]int // path → line where it first appears
	tops       []topKV
	lineStarts []int          // byte offset of each line
	items      int            // keys, headers and list items seen, up to MaxKeys
	keysIn     map[string]int // section path → its keys, up to MaxSectionKeys
	fatal      *FieldError    // a bound passed (MaxDepth, MaxKeys, MaxSectionKeys): indexing stopped
}

// indexDoc walks data; a syntax error comes back instead, located.
func indexDoc(data []byte) (*docIndex, *FieldError) {
	ix := &docIndex{lines: map[string]int{}, keysIn: map[string]int{}, lineStarts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			ix.lineStarts = append(ix.lineStarts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var table []seg
	arrays := map[string]int{} // array-of-tables path → elements so far
	for ix.fatal == nil && p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = ix.header(expr, arrays)
		case unstable.KeyValue:
			it := expr.Key()
			it.Next()
			first := append(append([]seg(nil), table...), seg{key: string(it.Node().Data)})
			ix.tops = append(ix.tops, topKV{int(expr.Raw.Offset), int(expr.Raw.Offset + expr.Raw.Length), pathString(first)})
			ix.keyValue(table, expr, len(ix.tops)-1)
		}
	}
	// Stable: an entry stays ahead of those it contains that start with it.
	sort.SliceStable(ix.entries, func(i, j int) bool { return ix.entries[i].start < ix.entries[j].start })
	if ix.fatal != nil {
		return nil, ix.fatal
	}
	if err := p.Error(); err != nil {
		fe := &FieldError{Field: pathString(table), Msg: "TOML syntax: " + err.Error()}
		if perr, ok := err.(*unstable.ParserError); ok && perr.Highlight != nil {
			// The highlight is a slice of data: their capacities give its offset.
			if off := cap(data) - cap(perr.Highlight); off >= 0 && off <= len(data) {
				fe.Line = ix.lineAt(off)
			}
		}
		return nil, fe
	}
	return ix, nil
}

// header records [a.b] or [[a.b]] and returns the table it opens. A name
// going through an array of tables means its last element, as in TOML.
func (ix *docIndex) header(expr *unstable.Node, arrays map[string]int) []seg {
	var segs []seg
	start, end := -1, 0
	it := expr.Key()
	for it.Next() {
		k := it.Node()
		if start < 0 {
			start = int(k.Raw.Offset)
		}
		end = int(k.Raw.Offset + k.Raw.Length)
		segs = append(segs, seg{key: string(k.Data)})
		line := ix.lineAt(start)
		if !ix.within(segs, line) {
			return nil
		}
		path := pathString(segs)
		if !ix.noteKey(path, line) {
			return nil
		}
		if it.IsLast() && expr.Kind == unstable.ArrayTable {
			n := arrays[path]
			arrays[path] = n + 1
			segs = append(segs, seg{index: n, isIndex: true})
			ix.note(pathString(segs), line)
		} else if n, ok := arrays[path]; ok && !it.IsLast() { // [service] itself is a mistake, left for precheck
			segs = append(segs, seg{index: n - 1, isIndex: true})
		}
	}
	if !ix.count(ix.lineAt(start)) {
		return nil
	}
	segs = append([]seg(nil), segs...)
	ix.entries = append(ix.entries, entry{
		segs: segs, path: pathString(segs), line: ix.lineAt(start),
		start: start, end: end, top: -1, kind: expr.Kind,
	})
	return segs
}

// keyValue records a (possibly dotted) key and everything inside its value.
func (ix *docIndex) keyValue(base []seg, kv *unstable.Node, top int) {
	start := int(kv.Raw.Offset)
	line := ix.lineAt(start)
	segs := append([]seg(nil), base...)
	it := kv.Key()
	for it.Next() {
		segs = append(segs, seg{key: string(it.Node().Data)})
		if !ix.within(segs, line) || !ix.noteKey(pathString(segs), line) {
			return
		}
	}
	if !ix.count(line) {
		return
	}
	v := kv.Value()
	ix.entries = append(ix.entries, entry{
		segs: segs, path: pathString(segs), line: line,
		start: start, end: start + int(kv.Raw.Length), top: top, kind: v.Kind, data: string(v.Data),
	})
	ix.value(segs, v, line, top)
}

// value records the elements of arrays and the keys of inline tables.
func (ix *docIndex) value(segs []seg, v *unstable.Node, line, top int) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for ix.fatal == nil && it.Next() {
			ix.keyValue(segs, it.Node(), top)
		}
	case unstable.Array:
		it := v.Children()
		for i := 0; ix.fatal == nil && it.Next(); i++ {
			el := it.Node()
			elSegs := append(append([]seg(nil), segs...), seg{index: i, isIndex: true})
			elLine := line
			if el.Raw.Length > 0 { // arrays have no range of their own
				elLine = ix.lineAt(int(el.Raw.Offset))
			}
			if !ix.within(elSegs, elLine) || !ix.count(elLine) {
				return
			}
			path := pathString(elSegs)
			ix.note(path, elLine)
			if el.Kind != unstable.Array && el.Kind != unstable.InlineTable {
				ix.entries = append(ix.entries, entry{
					segs: elSegs, path: path, line: elLine,
					start: int(el.Raw.Offset), end: int(el.Raw.Offset + el.Raw.Length),
					top: top, kind: el.Kind, data: string(el.Data),
				})
			}
			ix.value(elSegs, el, elLine, top)
		}
	}
}

// within checks a path against MaxDepth before anything is built from it:
// paths cost their length in every prefix noted, so depth costs its square.
func (ix *docIndex) within(segs []seg, line int) bool {
	if len(segs) > MaxDepth {
		ix.fail(line, errTooDeep)
	}
	return ix.fatal == nil
}

// count counts one more key, header or list item, up to MaxKeys.
func (ix *docIndex) count(line int) bool {
	if ix.items++; ix.items > MaxKeys {
		ix.fail(line, errTooMany)
	}
	return ix.fatal == nil
}

func (ix *docIndex) fail(line int, msg string) {
	if ix.fatal == nil {
		ix.fatal = &FieldError{Line: line, Msg: msg}
	}
}

func (ix *docIndex) note(path string, line int) {
	if _, ok := ix.lines[path]; !ok {
		ix.lines[path] = line
	}
}

// noteKey notes a path ending in a key, counting the keys of each section
// up to MaxSectionKeys.
func (ix *docIndex) noteKey(path string, line int) bool {
	if _, ok := ix.lines[path]; ok {
		return true
	}
	ix.lines[path] = line
	parent := parentPath(path)
	if ix.keysIn[parent]++; ix.keysIn[parent] > MaxSectionKeys {
		ix.fail(line, fmt.Sprintf("%s: %s", cmp.Or(parent, "the top of the file"), errTooWide))
	}
	return ix.fatal == nil
}

// lineAt turns a byte offset into a 1-based line.
func (ix *docIndex) lineAt(off int) int {
	return sort.Search(len(ix.lineStarts), func(i int) bool { return ix.lineStarts[i] > off })
}

// offsetAt turns a 1-based line and column into a byte offset, or -1.
func (ix *docIndex) offsetAt(line, col int) int {
	if line < 1 || line > len(ix.lineStarts) || col < 1 {
		return -1
	}
	return ix.lineStarts[line-1] + col - 1
}

// has tells whether the document writes path.
func (ix *docIndex) has(path string) bool {
	_, ok := ix.lines[path]
	return ok
}

// line finds the line of path, or of its nearest written ancestor: a missing
// key is reported on its table's header. 0 when nothing is written.
func (ix *docIndex) line(path string) int {
	for path != "" {
		if l, ok := ix.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath drops the last step of a path ("a.b[2]" → "a.b" → "a").
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')]
	}
	// A quoted last key may hold dots: find where it starts first.
	end := len(path)
	if strings.HasSuffix(path, `"`) {
		for i := len(path) - 2; i >= 0; i-- {
			if path[i] == '"' && (i == 0 || path[i-1] == '.') {
				if _, err := strconv.Unquote(path[i:]); err == nil {
					end = i
					break
				}
			}
		}
	}
	if i := strings.LastIndexByte(path[:end], '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// at finds the innermost entry covering a byte offset. Entries are sorted by
// start and their ranges nest, so it is the last one starting before off
// that still covers it.
func (ix *docIndex) at(off int) (entry, bool) {
	i := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].start > off })
	for i--; i >= 0; i-- {
		if off < ix.entries[i].end {
			return ix.entries[i], true
		}
	}
	return entry{}, false
}
