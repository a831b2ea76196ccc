package drip

import (
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
)

func TestStepDue(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	nineToFive := config.Window{Start: 9 * 60, End: 17 * 60}
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		timing   Timing
		start    string // UTC
		day      int
		prevSent string // UTC; "" = none
		want     string // UTC
	}{
		{"day 0 inside the window is now", Timing{Loc: time.UTC, Window: nineToFive}, "2026-11-16 10:30", 0, "", "2026-11-16 10:30"},
		{"day 0 after hours waits for the morning", Timing{Loc: time.UTC, Window: nineToFive}, "2026-11-16 18:00", 0, "", "2026-11-17 09:00"},
		{"day 0 before hours waits for the opening", Timing{Loc: time.UTC, Window: nineToFive}, "2026-11-16 06:00", 0, "", "2026-11-16 09:00"},
		{"day 3 keeps the time of day", Timing{Loc: time.UTC, Window: nineToFive}, "2026-11-16 10:30", 3, "", "2026-11-19 10:30"},
		{"calendar days may land on a Saturday", Timing{Loc: time.UTC, Window: nineToFive}, "2026-11-16 10:00", 5, "", "2026-11-21 10:00"},
		{"business days skip the weekend", Timing{Loc: time.UTC, Window: nineToFive, BusinessDays: true}, "2026-11-16 10:00", 5, "", "2026-11-23 10:00"},
		{"business day 1 from Friday is Monday", Timing{Loc: time.UTC, Window: nineToFive, BusinessDays: true}, "2026-11-20 10:00", 1, "", "2026-11-23 10:00"},
		{"a Saturday enrollment starts Monday", Timing{Loc: time.UTC, Window: nineToFive, BusinessDays: true}, "2026-11-21 11:00", 0, "", "2026-11-23 09:00"},
		{"window in the recipient's zone (Berlin, UTC+1)", Timing{Loc: berlin, Window: nineToFive}, "2026-11-16 16:30", 0, "", "2026-11-17 08:00"},
		{"window in New York (UTC-5)", Timing{Loc: ny, Window: nineToFive}, "2026-11-16 12:00", 0, "", "2026-11-16 14:00"},
		{"day 1 across the DST change keeps local time", Timing{Loc: berlin, Window: nineToFive}, "2026-10-24 08:00", 1, "", "2026-10-25 09:00"},
		{"min gap after a late previous email", Timing{Loc: time.UTC, Window: nineToFive, MinGap: 20 * time.Hour}, "2026-11-16 10:00", 1, "2026-11-16 16:00", "2026-11-17 12:00"},
		{"min gap pushing past closing opens next morning", Timing{Loc: time.UTC, Window: nineToFive, MinGap: 20 * time.Hour}, "2026-11-16 10:00", 1, "2026-11-16 22:00", "2026-11-18 09:00"},
		{"always window", Timing{Loc: time.UTC, Window: config.Window{Always: true}}, "2026-11-16 23:30", 1, "", "2026-11-17 23:30"},
		{"always window with business days", Timing{Loc: time.UTC, Window: config.Window{Always: true}, BusinessDays: true}, "2026-11-21 23:30", 0, "", "2026-11-23 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev time.Time
			if tt.prevSent != "" {
				prev = utc(tt.prevSent)
			}
			got := tt.timing.StepDue(utc(tt.start), tt.day, prev).UTC()
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("StepDue = %s, want %s", got.Format("Mon 2006-01-02 15:04"), want.Format("Mon 2006-01-02 15:04"))
			}
		})
	}
}
