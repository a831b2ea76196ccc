package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// TestProgramGauges: the gauges show what the store read gave, read at most once a minute; a
// failed read keeps the last values and counts an error; before any good read there are none.
func TestProgramGauges(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var (
		reads int
		fail  bool
		p     = Program{Affiliates: 12, Active: 5, Referrals: 9, Conversions: 3, EarningsPerActive: 45.17, Currency: "USD"}
	)
	m := New()
	m.WatchProgram(func(ctx context.Context) (Program, error) {
		reads++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the store read has no deadline")
		}
		if fail {
			return Program{}, errors.New("database is down")
		}
		return p, nil
	}, clock)

	fail = true
	if body := scrape(t, m); strings.Contains(body, "advocate_affiliates_total") {
		t.Fatalf("before any good read: want no program gauges:\n%s", grep(body))
	}
	// The error counter is gathered alongside the read, so the next scrape shows it; within
	// the minute it does not read again.
	if body := scrape(t, m); strings.Contains(body, "advocate_affiliates_total") || !strings.Contains(body, `advocate_errors_total{component="program_metrics"} 1`) {
		t.Fatalf("after a failed read: want no program gauges and one error:\n%s", grep(body))
	}
	if reads != 1 {
		t.Fatalf("%d store reads after two scrapes within a minute, want 1", reads)
	}
	now = now.Add(time.Minute)
	fail = false
	want := []string{"advocate_affiliates_total 12", "advocate_affiliates_active 5", "advocate_program_referrals_90d 9",
		"advocate_program_conversions_90d 3", `advocate_program_earnings_per_active{currency="USD"} 45.17`}
	check := func(what string) {
		t.Helper()
		body := scrape(t, m)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: /metrics lacks %q:\n%s", what, w, grep(body))
			}
		}
	}
	check("first good read")
	p.Active = 6 // within the minute, the cached values stand
	now = now.Add(30 * time.Second)
	check("cached")
	if reads != 2 {
		t.Errorf("%d store reads, want 2 (one failed, one good, then the cache)", reads)
	}
	now = now.Add(time.Minute)
	fail = true
	check("read failed: last values kept")
	if body := scrape(t, m); !strings.Contains(body, `advocate_errors_total{component="program_metrics"} 2`) {
		t.Errorf("the failed read is not counted:\n%s", grep(body))
	}
	now = now.Add(time.Minute)
	fail = false
	want[1] = "advocate_affiliates_active 6"
	check("read again after a minute")
}

// grep keeps the advocate_ lines of a scrape, for failure messages.
func grep(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "advocate_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
