package drip

import (
	"time"

	"github.com/advocate-hq/advocate/internal/config"
)

// Timing says when a sequence's steps may go out for one recipient.
type Timing struct {
	Loc          *time.Location // the recipient's zone, or the configured one
	Window       config.Window  // local send window
	BusinessDays bool           // count days Monday–Friday and send on weekdays only
	MinGap       time.Duration  // least time between two emails of one enrollment
}

// StepDue is when step day `day` of an enrollment that started at start becomes due: that
// many (business) days later in the recipient's zone, at the enrollment's local time of day,
// moved forward into the send window (and onto a weekday with business days), and no sooner
// than MinGap after the previous email (prevSent; zero for the first). Pure.
//
// Keeping the enrollment's time of day spreads a day's sends instead of firing them all when
// the window opens; day 0 is "now, or when the window next opens".
func (t Timing) StepDue(start time.Time, day int, prevSent time.Time) time.Time {
	local := start.In(t.Loc)
	var d time.Time
	if t.BusinessDays {
		d = addBusinessDays(local, day)
	} else {
		d = local.AddDate(0, 0, day)
	}
	if !prevSent.IsZero() {
		if earliest := prevSent.Add(t.MinGap).In(t.Loc); earliest.After(d) {
			d = earliest
		}
	}
	return t.NextOpen(d)
}

// NextOpen returns at if the window is open then, else when it next opens. Pure.
func (t Timing) NextOpen(at time.Time) time.Time {
	at = at.In(t.Loc)
	for range 10 { // at most a weekend plus a closed evening
		if !(t.BusinessDays && weekend(at)) {
			if t.Window.Always {
				return at
			}
			m := at.Hour()*60 + at.Minute()
			if m >= t.Window.Start && m < t.Window.End {
				return at
			}
			if m < t.Window.Start {
				return t.opening(at, 0)
			}
		}
		at = t.opening(at, 1)
	}
	return at
}

// opening is the window's start on the day `days` after at's local date.
func (t Timing) opening(at time.Time, days int) time.Time {
	start := 0
	if !t.Window.Always {
		start = t.Window.Start
	}
	return time.Date(at.Year(), at.Month(), at.Day()+days, start/60, start%60, 0, 0, t.Loc)
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// addBusinessDays moves n weekdays forward from t, keeping the time of day; n = 0 is t itself
// (NextOpen moves a weekend start to Monday).
func addBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if !weekend(t) {
			n--
		}
	}
	return t
}
