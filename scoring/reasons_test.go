package scoring

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// population gives percentiles something to mean: 20 ordinary customers plus the one under test.
func population(star Customer) []Customer {
	cs := []Customer{star}
	for i := range 20 {
		cs = append(cs, Customer{ID: fmt.Sprintf("p%02d", i), Signals: map[string]float64{
			NPS: float64(i % 9), HealthScore: float64(30 + i*2), LTV: float64(1000 + i*500),
			Tickets90d: float64(1 + i%4), Escalations90d: float64(i % 2), Upsells12m: 0,
			ProductEvents30d: float64(100 * i),
		}})
	}
	return cs
}

func TestReasons(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{
		NPS: 3, HealthScore: 2, ProductEvents30d: 1.5, LTV: 1, Upsells12m: 1, Tickets90d: -1.5, Escalations90d: -2,
		"nps_partner": 1,
	}})
	tests := []struct {
		name string
		star Customer
		want []string
	}{
		{"promoter", Customer{Signals: map[string]float64{NPS: 10, HealthScore: 95, Tickets90d: 0, Escalations90d: 0, LTV: 48200}},
			// Half the base has no escalations either: what sets the star apart comes first.
			[]string{"NPS 10 — promoter", "health score 95 (top 5%)", "LTV $48,200 (top 5%)"}},
		{"red flag takes the last slot", Customer{Signals: map[string]float64{NPS: 10, HealthScore: 95, Escalations90d: 3, LTV: 48200}},
			[]string{"NPS 10 — promoter", "health score 95 (top 5%)", "3 escalations in 90 days"}},
		{"money and counts", Customer{Signals: map[string]float64{LTV: 48200, Upsells12m: 2, ProductEvents30d: 5000}},
			// Nobody else was upsold: that sets the star apart most.
			[]string{"upsold 2 times in 12 months", "product usage in top 5%", "LTV $48,200 (top 5%)"}},
		{"custom signal uses the generic phrase", Customer{Signals: map[string]float64{"nps_partner": 9}},
			[]string{"nps partner 9"}},
		{"passive and detractor", Customer{Signals: map[string]float64{NPS: 3}},
			[]string{"NPS 3 — detractor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.star.ID = "star"
			got := byID(m.Score(testNow, population(tt.star)))["star"].Reasons
			if !slices.Equal(got, tt.want) {
				t.Errorf("Reasons = %q, want %q", got, tt.want)
			}
			if len(got) > maxReasons {
				t.Errorf("%d reasons, at most %d allowed", len(got), maxReasons)
			}
		})
	}
}

// TestReasonsSetCustomersApart: when every customer has something (no escalations), it is not
// what a shortlisted customer's reasons open with; each opens with where they beat the typical
// eligible customer, so the top of the list does not read the same line after line.
func TestReasonsSetCustomersApart(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 3, HealthScore: 2, LTV: 1, Escalations90d: -2}})
	var cs []Customer
	for i := range 40 {
		cs = append(cs, Customer{ID: fmt.Sprintf("c%02d", i), Signals: map[string]float64{
			NPS: float64(7 + i%4), HealthScore: float64(40 + (i*37)%60), LTV: float64(1000 + (i*53)%40*1000), Escalations90d: 0,
		}})
	}
	firsts := map[string]int{}
	for _, r := range m.Score(testNow, cs)[:10] { // the top ten: what a shortlist shows
		if len(r.Reasons) == 0 {
			t.Errorf("%s has no reasons", r.ID)
			continue
		}
		firsts[r.Reasons[0]]++
		if r.Reasons[0] == "no escalations in 90 days" {
			t.Errorf("%s opens with %q, which every customer shares: %q", r.ID, r.Reasons[0], r.Reasons)
		}
	}
	if len(firsts) < 3 {
		t.Errorf("only %d distinct first reasons over the top ten: %v", len(firsts), firsts)
	}
}

func TestReasonCurrency(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{LTV: 1}, Currency: "€"})
	got := byID(m.Score(testNow, population(Customer{ID: "star", Signals: map[string]float64{LTV: 1234567.8}})))["star"].Reasons
	if len(got) == 0 || !strings.HasPrefix(got[0], "LTV €1,234,568") {
		t.Errorf("Reasons = %q", got)
	}
}

func TestNumberFormatting(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 7: "7", 1204: "1,204", -48200: "-48,200", 3.5: "3.5", 1234.126: "1,234.13", 0.1: "0.1"} {
		if got := num(in); got != want {
			t.Errorf("num(%v) = %q, want %q", in, got, want)
		}
	}
}
