package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// What the Go types expect, told in the file's own words: used to explain
// wrong types and unknown keys.

var (
	configType        = reflect.TypeOf(Config{})
	textUnmarshalType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// tomlKey is the key a struct field is written as.
func tomlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// typeAt follows segs through Config the way go-toml decodes: a key matches
// a field's tag, or failing that, the tag ignoring case. t is nil past a key
// that matches nothing; wrongCase is the index of the first key that only
// matched ignoring case, or -1.
func typeAt(segs []seg) (t reflect.Type, wrongCase int) {
	t, wrongCase = configType, -1
	for i, s := range segs {
		switch {
		case s.isIndex && t.Kind() == reflect.Slice:
			t = t.Elem()
		case !s.isIndex && t.Kind() == reflect.Map:
			t = t.Elem()
		case !s.isIndex && t.Kind() == reflect.Struct && !readsText(t):
			var folded reflect.Type
			found := false
			for j := 0; j < t.NumField(); j++ {
				k := tomlKey(t.Field(j))
				if k == s.key {
					t, found = t.Field(j).Type, true
					break
				}
				if folded == nil && k != "" && strings.EqualFold(k, s.key) {
					folded = t.Field(j).Type
				}
			}
			if !found && folded == nil {
				return nil, wrongCase
			}
			if !found {
				t = folded
				if wrongCase < 0 {
					wrongCase = i
				}
			}
		default:
			return nil, wrongCase
		}
	}
	return t, wrongCase
}

var durationType = reflect.TypeOf(Duration{})

// readsText tells a struct written as one text in the file (a duration,
// opening hours, a date) from a table.
func readsText(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textUnmarshalType) }

// knownKeys lists the keys a table of type t takes.
func knownKeys(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct || readsText(t) {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k := tomlKey(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// expected describes what a value of type t is written as.
func expected(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration in quotes, such as "90s" or "2m"`
	case t == reflect.TypeOf(Size(0)):
		return `a size in quotes, such as "5 MB"`
	case t == reflect.TypeOf(DayHours{}):
		return `opening hours in quotes, such as "08:30-12:00, 13:30-17:00"`
	case t == reflect.TypeOf(DateRange{}):
		return `a date in quotes, such as "2026-12-24"`
	}
	switch t.Kind() {
	case reflect.String:
		return "a text in quotes"
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Map:
		return `one text per language, such as { fr = "…", en = "…" }`
	case reflect.Struct:
		return "a section of keys"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct && !readsText(t.Elem()) {
			return "[[…]] sections"
		}
		return `a list in brackets, such as ["…", "…"]`
	}
	return t.String()
}

// found describes the value an entry holds.
func found(e entry) string {
	switch e.kind {
	case unstable.String:
		s := e.data
		if len([]rune(s)) > 40 {
			s = string([]rune(s)[:40]) + "…"
		}
		return fmt.Sprintf("the text %q", s)
	case unstable.Integer, unstable.Float:
		return "the number " + e.data
	case unstable.Bool:
		return e.data
	case unstable.Array:
		return "a list"
	case unstable.InlineTable, unstable.Table:
		return "a section of keys"
	case unstable.ArrayTable:
		return "a [[…]] section"
	}
	return "the date " + e.data
}

// unknownKey explains a key (or a section's name) that fits nowhere,
// suggesting the closest one.
func unknownKey(segs []seg, section bool) string {
	key := segs[len(segs)-1].key
	parent, _ := typeAt(segs[:len(segs)-1])
	keys := knownKeys(parent)
	msg := fmt.Sprintf("unknown key %q", key)
	if section {
		msg = fmt.Sprintf("unknown section %q", key)
	}
	if len(keys) == 0 {
		return msg
	}
	best, bestDist := "", 3 // beyond two edits a suggestion is a guess
	for _, k := range keys {
		if d := editDistance(strings.ToLower(key), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		msg += fmt.Sprintf(": did you mean %q?", best)
	} else if home := sectionOf(key); home != "" && len(segs) > 1 {
		msg += fmt.Sprintf(": it belongs in [%s]", home)
	}
	sort.Strings(keys)
	where := "at the top of the file"
	if len(segs) > 1 {
		where = "in " + pathString(segs[:len(segs)-1])
	}
	return msg + fmt.Sprintf(" (keys allowed %s: %s)", where, strings.Join(keys, ", "))
}

// sectionOf names the top-level section that has key, or "".
func sectionOf(key string) string {
	for i := 0; i < configType.NumField(); i++ {
		f := configType.Field(i)
		t := f.Type
		if t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if slices.Contains(knownKeys(t), key) {
			if f.Type.Kind() == reflect.Slice {
				return "[" + tomlKey(f) + "]"
			}
			return tomlKey(f)
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// isScalar tells a single value from a list or a table.
func isScalar(k unstable.Kind) bool {
	switch k {
	case unstable.Array, unstable.InlineTable, unstable.Table, unstable.ArrayTable:
		return false
	}
	return true
}

// checkText runs t's UnmarshalText on a scalar, when t has one: go-toml
// hands it numbers and booleans too, but its errors then carry no position.
func checkText(t reflect.Type, text string) error {
	if t == nil || !reflect.PointerTo(t).Implements(textUnmarshalType) {
		return nil
	}
	return reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text))
}
