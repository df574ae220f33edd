package config

import (
	"fmt"
	"io"
	"os"
)

// Bounds on a configuration file. A real site's file is a few KB; these let
// a national catalogue through and refuse, in bounded time and memory, a file
// made to hang start-up: the kiosk then runs its last good copy.
const (
	// MaxFileBytes is the largest file Parse reads.
	MaxFileBytes = 1 << 20
	// MaxDepth is how deep sections, dotted keys, lists and inline tables
	// may nest; Borne's deepest path, service[0].next_step[0].text.fr, is 6.
	MaxDepth = 12
	// MaxKeys is how many keys, list items and section headers a file may
	// hold.
	MaxKeys = 10000
	// MaxSectionKeys is how many keys one section (or inline table) may
	// hold; Borne's widest, the top of the file, has about a dozen.
	MaxSectionKeys = 100
	// maxErrors is how many problems are reported: past that, staff fix
	// the first ones and look again.
	maxErrors = 50
)

var (
	errTooBig  = fmt.Sprintf("the file is larger than 1 MiB (%d bytes), the most a configuration may be: is it the right file?", MaxFileBytes)
	errTooDeep = fmt.Sprintf("sections, keys or lists nested more than %d deep: a Borne configuration needs at most 6 (service[0].next_step[0].text.fr)", MaxDepth)
	errTooMany = fmt.Sprintf("more than %d keys and list items: a Borne configuration needs a few hundred", MaxKeys)
	errTooWide = fmt.Sprintf("more than %d keys in one section", MaxSectionKeys)
)

// readFile reads a configuration file, never more than one byte past
// MaxFileBytes, so that Parse can refuse it without the rest in memory.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err) // the *PathError names the file
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return data, nil
}

// tooDeep finds the line where lists and inline tables ([ and { outside
// strings and comments) first nest deeper than MaxDepth, or a dotted key
// has more parts, or 0. It runs before go-toml's parser, which recurses once
// per level and builds every part of a key: a file of a million "[" or "a."
// would otherwise cost it hundreds of MB. Headers ([a], [[a]]) count too and
// close on their line. Dots are counted since the last line, "=", ",", "["
// or "{": a value holds at most one (a number such as 1.5).
func tooDeep(data []byte) int {
	line, depth, dots := 1, 0, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n', '=', ',':
			if c == '\n' {
				line++
			}
			dots = 0
		case '.':
			if dots++; dots >= MaxDepth {
				return line
			}
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			var nl int
			i, nl = skipString(data, i)
			line += nl
		case '[', '{':
			if depth++; depth > MaxDepth {
				return line
			}
			dots = 0
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return 0
}

// skipString skips the string opening at data[i] (a quote), returning the
// index of its last byte and the newlines inside. An unterminated string runs
// to the end: the parser reports it.
func skipString(data []byte, i int) (end, newlines int) {
	q := data[i]
	multi := i+2 < len(data) && data[i+1] == q && data[i+2] == q
	if multi {
		i += 2
	}
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\n':
			if !multi {
				return i - 1, newlines // the parser refuses it; the line ends the string
			}
			newlines++
		case c == '\\' && q == '"':
			if i+1 < len(data) && data[i+1] == '\n' {
				newlines++
			}
			i++
		case c == q && !multi:
			return i, newlines
		case c == q && i+2 < len(data) && data[i+1] == q && data[i+2] == q:
			// """ closes, and a run of up to five quotes keeps the first
			// ones in the string: the string ends with the run.
			for i+1 < len(data) && data[i+1] == q {
				i++
			}
			return i, newlines
		}
	}
	return len(data) - 1, newlines
}
