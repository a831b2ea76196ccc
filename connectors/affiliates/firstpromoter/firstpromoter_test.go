package firstpromoter

import (
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

func TestCommissionStatus(t *testing.T) {
	cases := []struct {
		in   commission
		want string
	}{
		{commission{Status: "pending"}, affiliates.CommissionPending},
		{commission{Status: "approved"}, affiliates.CommissionDue},
		{commission{Status: "approved", IsPaid: true}, affiliates.CommissionPaid},
		{commission{Status: "denied", IsPaid: true}, affiliates.CommissionVoided},
	}
	for _, c := range cases {
		if got := commissionStatus(c.in); got != c.want {
			t.Errorf("commissionStatus(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name string
		s    affiliates.Settings
		want string
	}{
		{"no account", affiliates.Settings{APIKey: "k"}, "account_id"},
		{"campaign not numeric", affiliates.Settings{APIKey: "k", AccountID: "a", Campaign: "spring"}, "numeric campaign"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.s); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
