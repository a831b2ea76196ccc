package csvfile

import (
	"testing"
	"time"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"42", 42, true},
		{"-3.5", -3.5, true},
		{"+0.25", 0.25, true},
		{".5", 0.5, true},
		{"1e3", 1000, true},
		{"1,234.5", 1234.5, true},
		{"12,345,678", 12345678, true},
		{"-1,000", -1000, true},
		{"1,5", 0, false},        // decimal comma or a typo: don't guess
		{"1234,567.8", 0, false}, // first group longer than three digits
		{"1,23,456", 0, false},
		{"1.5,0", 0, false},
		{"ten", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"0x10", 0, false},
		{"12%", 0, false},
		{"$100", 0, false},
		{"1e999", 0, false},
		{"--1", 0, false},
	}
	for _, tt := range tests {
		got, err := parseNumber(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "Yes", "y", "1", "x", "X"} {
		if b, err := parseBool(s); !b || err != nil {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, b, err)
		}
	}
	for _, s := range []string{"", "false", "No", "n", "0"} {
		if b, err := parseBool(s); b || err != nil {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, b, err)
		}
	}
	for _, s := range []string{"maybe", "2", "✓"} {
		if _, err := parseBool(s); err == nil {
			t.Errorf("parseBool(%q): want an error", s)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-16", time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
		{"2026-11-16T06:00:00Z", time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)},
		{"2026-11-16T08:00:00+02:00", time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)},
		{"2026-11-16T06:00:00.5Z", time.Date(2026, 11, 16, 6, 0, 0, 5e8, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, s := range []string{"16/11/2026", "2026-11-16 06:00", "yesterday", "2026-13-01"} {
		if _, err := parseTime(s); err == nil {
			t.Errorf("parseTime(%q): want an error", s)
		}
	}
}

func TestParseEmail(t *testing.T) {
	if got, err := parseEmail("Ana.Silva@Acme.IO"); err != nil || got != "ana.silva@acme.io" {
		t.Errorf("parseEmail = %q, %v", got, err)
	}
	for _, s := range []string{"ana", "ana@", "@acme.io", "ana@acme", "Ana <ana@acme.io>", "ana@acme.io, bob@acme.io", "ana silva@acme.io"} {
		if _, err := parseEmail(s); err == nil {
			t.Errorf("parseEmail(%q): want an error", s)
		}
	}
}
