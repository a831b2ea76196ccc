package email

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func TestHighlights(t *testing.T) {
	tests := []struct {
		name    string
		attrs   map[string]string
		signals map[string]float64
		want    []string
	}{
		{"OKAll", map[string]string{"customer_since": "2022-03-14", "plan": "scale"},
			map[string]float64{"active_users": 48, "usage_trend": 1.25, "upsells_12m": 1, "nps": 10, "health_score": 97},
			[]string{"You have been with us since March 2022", "Your team's use of us grew over the last month, to 48 active users", "You moved up to the Scale plan in the past year"}},
		{"OKTenureFromSignal", nil, map[string]float64{"tenure_days": 400},
			[]string{"You have been with us since October 2025"}},
		{"TooNew", map[string]string{"customer_since": "2026-09-01"}, nil, nil},
		{"SteadyTeam", nil, map[string]float64{"active_users": 12, "usage_trend": 1.0}, []string{"12 people on your team use us"}},
		{"SmallSteadyTeam", nil, map[string]float64{"active_users": 6}, nil},
		{"FadingTeam", nil, map[string]float64{"active_users": 80, "usage_trend": 0.7}, nil},
		{"UpgradeWithoutPlan", nil, map[string]float64{"upsells_12m": 1}, []string{"You upgraded your plan in the past year"}},
		{"UpgradePlanIsAnID", map[string]string{"plan": "price_1Nx"}, map[string]float64{"upsells_12m": 1}, []string{"You upgraded your plan in the past year"}},
		{"UpgradedTwice", map[string]string{"plan": "growth"}, map[string]float64{"upsells_12m": 2}, []string{"You upgraded twice in the past year"}},
		{"UpgradedThrice", nil, map[string]float64{"upsells_12m": 3}, []string{"You upgraded three times in the past year"}},
		{"UpgradedOften", nil, map[string]float64{"upsells_12m": 12}, []string{"You upgraded 12 times in the past year"}},
		{"OnlyInternalMetrics", nil, map[string]float64{"nps": 10, "health_score": 97, "csat": 100, "ltv": 90000, "tickets_90d": 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Highlights(advocate.Customer{ID: "c1", Name: "Northwind", Attributes: tt.attrs}, tt.signals, now)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Highlights = %q, want %q", got, tt.want)
			}
			if len(got) > MaxHighlights {
				t.Errorf("%d highlights, at most %d", len(got), MaxHighlights)
			}
			for _, h := range got {
				if term := InternalTerm(h); term != "" {
					t.Errorf("highlight %q says %q", h, term)
				}
			}
		})
	}
}

type fakeSignals []advocate.SignalValue

func (f fakeSignals) LatestSignals(context.Context, string) ([]advocate.SignalValue, error) {
	return f, nil
}

// TestCurrentHighlightsIgnoresStale: a stale value counts as missing, as it does to the score.
func TestCurrentHighlightsIgnoresStale(t *testing.T) {
	src := advocate.Sources{Order: []string{"crm"}, FreshFor: map[string]time.Duration{"crm": 30 * 24 * time.Hour}}
	vals := fakeSignals{
		{Name: "active_users", Source: "crm", Value: 40, ObservedAt: now.AddDate(0, -3, 0)},
		{Name: "upsells_12m", Source: "crm", Value: 2, ObservedAt: now.AddDate(0, 0, -1)},
	}
	got, err := CurrentHighlights(context.Background(), src, vals, advocate.Customer{ID: "c1"}, now)
	if err != nil || !slices.Equal(got, []string{"You upgraded twice in the past year"}) {
		t.Errorf("CurrentHighlights = %q, %v", got, err)
	}
}

func TestInternalTerm(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Why we thought of you: health score 97 (top 2%)", "top 2%"},
		{"Your Health is great", "Health"},
		{"NPS is 11 months old — treated as missing", "NPS"},
		{"only 1 support ticket in 90 days", "ticket"},
		{"You are a promoter of ours", "promoter"},
		{"in the 97th percentile of accounts", "97th percentile"},
		{"bottom 10 % of churn risk", "bottom 10 %"},
		{"LTV $90k, MRR $1.4k", "LTV"},
		{"great revenue", "revenue"},
		{"retention cost is low", "retention cost"},
		{"CSAT 100", "CSAT"},
		{"no escalations", "escalations"},
		{"score confidence 0.8", "score"},
		{"You have been with us since March 2022", ""},
		{"48 people on your team use us; scoreboard, rankings", ""},
		{"the top 3 tips", ""},
	}
	for _, tt := range tests {
		if got := InternalTerm(tt.text); got != tt.want {
			t.Errorf("InternalTerm(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestEmailCopy covers what a reader notices: a name ending in "." before the template's own
// period, the sign-off matching who the email is from, and short one-line subjects.
func TestEmailCopy(t *testing.T) {
	t.Run("NoDoublePeriod", func(t *testing.T) {
		d := sampleInvite()
		d.CustomerName = "Cedarwave Inc."
		for _, name := range TemplateNames() {
			c, err := RenderStepContent(name, d)
			if err != nil {
				t.Fatal(err)
			}
			for part, body := range map[string]string{"subject": c.Subject, "text": c.Text, "html": c.HTML} {
				if strings.Contains(body, "Inc..") {
					t.Errorf("%s %s has a double period: %q", name, part, around(body, "Inc.."))
				}
			}
		}
		if got := tidy("Wait... Cedarwave Inc.. Then"); got != "Wait... Cedarwave Inc. Then" {
			t.Errorf("tidy = %q", got)
		}
	})
	t.Run("SignOffMatchesSender", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			csm      bool
			csmEmail string
			from     string
			sign     string
			helpLine bool
		}{
			{"Marketing", false, "sam@acme.io", "Dana from Acme <dana@acme.io>", "Best,\nDana from Acme\n", true},
			{"CSMSameDomain", true, "sam@acme.io", `"Sam Rivera" <sam@acme.io>`, "Best,\nSam Rivera\nYour customer success manager\n", false},
			{"CSMOtherDomain", true, "sam@acme-cs.io", "Dana from Acme <dana@acme.io>", "Best,\nDana from Acme\n", true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				d := sampleInvite()
				d.CSMEmail = tt.csmEmail
				if tt.csm {
					d.SendAsCSM()
				}
				if d.From != tt.from || (tt.csm && d.ReplyTo != tt.csmEmail) {
					t.Fatalf("From = %q, Reply-To = %q", d.From, d.ReplyTo)
				}
				for _, name := range TemplateNames() {
					c, err := RenderStepContent(name, d)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(c.Text, tt.sign) {
						t.Errorf("%s: sign-off is not %q:\n%s", name, tt.sign, c.Text)
					}
					if got := strings.Contains(c.Text, "your customer success manager, is happy to help"); got != tt.helpLine {
						t.Errorf("%s: CSM introduced as a third person = %v, want %v", name, got, tt.helpLine)
					}
				}
			})
		}
	})
	t.Run("ShortSubjects", func(t *testing.T) {
		d := sampleInvite()
		d.CustomerName = "The International Federation of Very Long Company Names and Associated Subsidiaries GmbH & Co. KG"
		d.ContactName = "Maximiliana-Theodora von Hohenzollern"
		for _, name := range TemplateNames() {
			c, err := RenderStepContent(name, d)
			if err != nil {
				t.Fatal(err)
			}
			if n := len([]rune(c.Subject)); n > MaxSubject || strings.ContainsAny(c.Subject, "\r\n") {
				t.Errorf("%s subject (%d characters) = %q", name, n, c.Subject)
			}
		}
	})
}

func around(s, sub string) string {
	i := strings.Index(s, sub)
	return s[max(0, i-30):min(len(s), i+len(sub)+10)]
}
