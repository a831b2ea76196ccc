package advocate

import (
	"strings"
	"unicode/utf8"
)

// Clip shortens s to at most n characters (runes), ending in "…" when it cut something, so
// text shown to people never ends mid-character.
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// ClipBytes shortens s to at most n bytes without splitting a UTF-8 sequence, for stored text
// with a byte budget (error messages in a column). No ellipsis: the cut is for storage.
func ClipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// FirstLine is s up to its first line break: the summary line of a multi-line error.
func FirstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
