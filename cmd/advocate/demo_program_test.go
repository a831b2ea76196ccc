package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/program"
)

// TestDemoProgramCommand: the `advocate program` command the demo prints works as printed,
// weeks later on the user's clock, and its --json shows the figures the demo printed.
func TestDemoProgramCommand(t *testing.T) {
	later := fixedNow.Add(23*24*time.Hour + 7*time.Hour)
	out := mustOK(t, advocateAt(t, later, "demo", "--out", t.TempDir())).stdout
	_, cmd, ok := strings.Cut(out, "Every KPI: go run ./cmd/advocate ")
	if !ok {
		t.Fatalf("the demo prints no program command:\n%s", out)
	}
	cmd, _, _ = strings.Cut(cmd, "\n")
	r := mustOK(t, advocateAt(t, later, append(strings.Fields(cmd), "--json")...))
	var got program.Report
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%s --json: %v\n%s", cmd, err, r.stdout)
	}
	if got.Affiliates == 0 || got.Referrals == 0 {
		t.Fatalf("%s --json shows no program: %s", cmd, r.stdout)
	}
	f := got.Funnel
	for _, want := range []string{
		fmt.Sprintf("%d affiliates, %d active (%.0f%%): %d referrals, %d conversions",
			got.Affiliates, got.Active, got.ActivityRate*100, got.Referrals, got.Conversions),
		fmt.Sprintf("earnings %.2f %s (%.2f per active affiliate)", got.Earnings, got.Currency, got.EarningsPerActive),
		fmt.Sprintf("funnel: shortlisted %d → approved %d → invited %d → joined %d → first referral %d",
			f.Shortlisted, f.Approved, f.Invited, f.Joined, f.FirstReferral),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s --json says %q; the demo printed:\n%s", cmd, want, out)
		}
	}
}
