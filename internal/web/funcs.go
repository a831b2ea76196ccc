package web

import (
	"fmt"
	"time"
)

// The shell's template helpers, added to the shared funcs (render.go) before any page parses.
func init() {
	funcs["change"] = func(d *float64) string {
		switch {
		case d == nil:
			return "new"
		case *d > 0:
			return fmt.Sprintf("+%.1f", *d)
		case *d < 0:
			return fmt.Sprintf("−%.1f", -*d) // a real minus sign reads better than a hyphen
		}
		return "±0"
	}
	funcs["datetime"] = func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	funcs["past"] = pastTense
	funcs["score"] = func(f float64) string { return fmt.Sprintf("%.1f", f) }
}
