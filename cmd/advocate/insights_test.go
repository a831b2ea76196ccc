package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/lookalike"
)

// TestInsightsLookalikeOnDemo: on the demo's database `advocate insights` adds what productive
// affiliates have in common: the sample program's referral-channel affiliates refer more often
// than the others. The human section and --json agree, and every listed value has the support
// the section promises.
func TestInsightsLookalikeOnDemo(t *testing.T) {
	dir := t.TempDir()
	mustOK(t, advocateAt(t, fixedNow, "demo", "--out", dir))
	cfg := filepath.Join(dir, "advocate.yaml")

	var doc struct {
		Top       int              `json:"top"`
		Lookalike lookalike.Report `json:"lookalike"`
	}
	r := mustOK(t, advocateAt(t, fixedNow, "--config", cfg, "insights", "--json"))
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("insights --json: %v\n%s", err, r.stdout)
	}
	look := doc.Lookalike
	if doc.Top == 0 || look.Affiliates == 0 || look.Productive == 0 || look.Productive > look.Affiliates || look.Customers != 500 {
		t.Fatalf("insights --json: top %d, lookalike %+v", doc.Top, look)
	}
	var referral *lookalike.Insight
	for i, in := range look.Insights {
		if in.Productive < look.MinProductive || in.Affiliates < look.MinAffiliates || (in.LiftVsAffiliates <= 1 && in.LiftVsCustomers <= 1) {
			t.Errorf("listed without support or lift: %+v", in)
		}
		if in.Dimension == "acquisition_channel" && in.Value == "referral" {
			referral = &look.Insights[i]
		}
	}
	if referral == nil || referral.LiftVsAffiliates <= 1 {
		t.Fatalf("lookalike insights = %+v, want the referral channel over-represented among productive affiliates", look.Insights)
	}

	human := mustOK(t, advocateAt(t, fixedNow, "--config", cfg, "insights")).stdout
	for _, want := range []string{
		fmt.Sprintf("Productive affiliates look like (%d of %d affiliate customers referred within 90 days of joining; 500 customers in all)",
			look.Productive, look.Affiliates),
		fmt.Sprintf("acquisition channel  referral  %d", referral.Productive),
		fmt.Sprintf("%.2f×", referral.LiftVsAffiliates),
	} {
		if !strings.Contains(human, want) {
			t.Errorf("insights lacks %q:\n%s", want, human)
		}
	}
}
