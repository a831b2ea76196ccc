package scoring

import (
	"reflect"
	"testing"
)

func TestCountFailures(t *testing.T) {
	failed := [][]string{
		{"tenure_days >= 90 (tenure_days missing)"},
		{"tenure_days >= 90 (tenure_days missing)", "opted out"},
		nil,
		{"opted out"},
		{"tenure_days >= 90 (tenure_days missing)"},
		{"confidence 0.10 below minimum 0.30"},
	}
	want := FailureCounts{{"tenure_days >= 90 (tenure_days missing)", 3}, {"opted out", 2}}
	if got := CountFailures(failed, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("CountFailures = %v, want %v", got, want)
	}
	if got := CountFailures(failed, 2).String(); got != "3 fail tenure_days >= 90 (tenure_days missing), 2 fail opted out" {
		t.Errorf("String = %q", got)
	}
	if got := CountFailures(nil, 3); len(got) != 0 {
		t.Errorf("no failures: got %v", got)
	}
}
