package csvfile

import (
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// Cell parsers. Each returns an error whose text completes the sentence
// `column "x": ...`, so a Problem reads as one line a person can act on.

var errNotNumber = errors.New("not a number")

// parseNumber reads a signal value. Spreadsheets export large numbers with thousands
// separators ("1,234.5"), so a comma is accepted when it groups digits in threes before the
// decimal point; anything else with a comma ("1,5") is ambiguous between locales and rejected
// rather than guessed. NaN, Inf, hex floats and words are rejected: a signal is a plain number.
func parseNumber(s string) (float64, error) {
	hasComma := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		case c == ',':
			hasComma = true
		default:
			return 0, errNotNumber
		}
	}
	if hasComma {
		var ok bool
		if s, ok = stripThousands(s); !ok {
			return 0, errors.New("not a number (a comma is only read as a thousands separator, as in 1,234.5)")
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("out of range")
		}
		return 0, errNotNumber
	}
	return v, nil
}

// stripThousands removes commas that separate groups of three digits in the integer part.
func stripThousands(s string) (string, bool) {
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	intPart, rest := s, ""
	if i := strings.IndexAny(s, ".eE"); i >= 0 {
		intPart, rest = s[:i], s[i:]
	}
	if strings.Contains(rest, ",") {
		return "", false
	}
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return sign + strings.Join(groups, "") + rest, true
}

// parseBool reads the ways people mark a flag in a spreadsheet. An empty cell is false: the
// source did not mark the contact as a champion (or as opted out).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "x":
		return true, nil
	case "false", "no", "n", "0", "":
		return false, nil
	}
	return false, errors.New("not a yes/no value (want true/false, yes/no, 1/0, x or empty)")
}

// parseTime accepts RFC 3339 timestamps and plain dates (midnight UTC). Times are returned in
// UTC so equal instants compare and print the same.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("not a date (want RFC 3339 like 2026-11-16T06:00:00Z, or YYYY-MM-DD)")
}

// parseEmail accepts a bare address ("ana@acme.io") and returns it normalized. A display-name
// form ("Ana <ana@acme.io>") is rejected: the name belongs in its own column, and accepting
// both would hide a column mix-up.
func parseEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || !strings.EqualFold(a.Address, s) || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", errors.New("not an email address")
	}
	return connectors.NormalizeEmail(a.Address), nil
}
