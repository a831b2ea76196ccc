package rewardful

import (
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

func TestMapReferral(t *testing.T) {
	cases := []struct {
		name   string
		in     referral
		ok     bool
		status string
	}{
		{"visitor is a click", referral{ConversionState: "visitor"}, false, ""},
		{"lead", referral{ConversionState: "lead"}, true, affiliates.ReferralLead},
		{"conversion", referral{ConversionState: "conversion", BecameConversionAt: "2026-10-01T10:00:00Z"}, true, affiliates.ReferralConverted},
		{"deactivated", referral{ConversionState: "conversion", DeactivatedAt: "2026-10-02T10:00:00Z"}, true, affiliates.ReferralCancelled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := mapReferral(c.in)
			if ok != c.ok || got.Status != c.status {
				t.Errorf("mapReferral = %+v, %v; want status %q, %v", got, ok, c.status, c.ok)
			}
		})
	}
}

func TestNewRequiresKey(t *testing.T) {
	if _, err := New(affiliates.Settings{}); err == nil {
		t.Fatal("New without api_key succeeded")
	}
}
