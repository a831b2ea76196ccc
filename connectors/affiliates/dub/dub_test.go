package dub

import (
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

func TestCommissionStatus(t *testing.T) {
	cases := map[string]string{
		"pending": affiliates.CommissionPending, "processed": affiliates.CommissionDue, "paid": affiliates.CommissionPaid,
		"refunded": affiliates.CommissionVoided, "duplicate": affiliates.CommissionVoided, "fraud": affiliates.CommissionVoided,
		"canceled": affiliates.CommissionVoided, "something-new": affiliates.CommissionPending,
	}
	for in, want := range cases {
		if got := commissionStatus(in); got != want {
			t.Errorf("commissionStatus(%q) = %q, want %q", in, got, want)
		}
	}
}
