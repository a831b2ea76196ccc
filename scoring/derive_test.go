package scoring

import (
	"testing"
)

func TestDeriveTenure(t *testing.T) {
	tests := []struct {
		name  string
		c     Customer
		want  float64
		found bool
	}{
		{"date", Customer{Attributes: map[string]string{AttrCustomerSince: "2026-08-18"}}, 90, true},
		{"rfc3339", Customer{Attributes: map[string]string{AttrCustomerSince: "2025-11-16T10:00:00+01:00"}}, 365, true},
		{"future date clamps to zero", Customer{Attributes: map[string]string{AttrCustomerSince: "2027-01-01"}}, 0, true},
		{"present value wins", Customer{Signals: map[string]float64{TenureDays: 5}, Attributes: map[string]string{AttrCustomerSince: "2020-01-01"}}, 5, true},
		{"impossible date", Customer{Attributes: map[string]string{AttrCustomerSince: "2026-02-30"}}, 0, false},
		{"garbage", Customer{Attributes: map[string]string{AttrCustomerSince: "last spring"}}, 0, false},
		{"no attribute", Customer{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Derive(testNow, &tt.c)
			got, ok := tt.c.Signals[TenureDays]
			if ok != tt.found || got != tt.want {
				t.Errorf("tenure_days = %v (present %v), want %v (present %v)", got, ok, tt.want, tt.found)
			}
		})
	}
	Derive(testNow, nil) // must not panic
}
