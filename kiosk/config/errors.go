package config

import (
	"strconv"
	"strings"
)

// FieldError is one problem in a configuration file, located precisely
// enough for site staff to fix it.
type FieldError struct {
	File  string // file name as given to Parse
	Line  int    // 1-based; 0 when the problem has no line (a missing section)
	Field string // e.g. "service[1].name.fr"; empty for a syntax error outside any section
	Msg   string // what is wrong and what is expected
}

// Error prints FILE:LINE: FIELD: MESSAGE, leaving out the parts that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one configuration file.
type Errors []FieldError

// Error prints one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(*e))
	for i := range *e {
		lines[i] = (*e)[i].Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *FieldError.
func (e *Errors) Unwrap() []error {
	errs := make([]error, len(*e))
	for i := range *e {
		errs[i] = &(*e)[i]
	}
	return errs
}
