package config

import (
	"fmt"
	"strings"
)

// Error is one problem in a config file, located by file and line so a person can go and fix it.
type Error struct {
	File string
	// Line is 1-based; 0 when the problem belongs to the file as a whole.
	Line int
	// Msg starts with the key path it is about, e.g. `shortlist.size: expected an integer, got "ten"`.
	Msg string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	default:
		return e.File + ": " + e.Msg
	}
}

// Errors is every problem found in one file, in line order. Parse reports them all at once so a
// user fixes everything in one edit instead of one error per run.
type Errors []*Error

// Error prints one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
