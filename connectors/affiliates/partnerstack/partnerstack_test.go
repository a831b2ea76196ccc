package partnerstack

import (
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

func TestRewardStatus(t *testing.T) {
	cases := map[string]string{
		"hold": affiliates.CommissionPending, "pending": affiliates.CommissionPending, "approved": affiliates.CommissionDue,
		"scheduled": affiliates.CommissionDue, "paid": affiliates.CommissionPaid, "declined": affiliates.CommissionVoided,
	}
	for in, want := range cases {
		if got := rewardStatus(in); got != want {
			t.Errorf("rewardStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMillis(t *testing.T) {
	want := time.Date(2026, 10, 1, 9, 30, 0, 123e6, time.UTC)
	if got := millis(want.UnixMilli()); !got.Equal(want) {
		t.Errorf("millis = %s, want %s", got, want)
	}
	if !millis(0).IsZero() {
		t.Error("millis(0) is not the zero time")
	}
}

func TestNewRequiresBothKeys(t *testing.T) {
	_, err := New(affiliates.Settings{APIKey: "sk"})
	if err == nil || !strings.Contains(err.Error(), "public_key") {
		t.Fatalf("err = %v, want public_key required", err)
	}
}
