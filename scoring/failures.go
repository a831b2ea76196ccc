package scoring

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// FailureCount is how many customers fail eligibility for one reason (a Result.FailedGates
// entry: a gate, "opted out", "already a partner", low confidence).
type FailureCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// CountFailures tallies the failed-gate lists of ineligible customers, most common first (ties
// by reason), keeping at most top reasons (top <= 0: all). A customer failing two gates counts
// under both, so the counts say how many each gate keeps out, not a partition.
func CountFailures(failed [][]string, top int) FailureCounts {
	counts := map[string]int{}
	for _, reasons := range failed {
		for _, r := range reasons {
			counts[r]++
		}
	}
	out := make(FailureCounts, 0, len(counts))
	for r, n := range counts {
		out = append(out, FailureCount{r, n})
	}
	slices.SortFunc(out, func(a, b FailureCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}

// FailureCounts is CountFailures' answer.
type FailureCounts []FailureCount

// String words the counts for people: "300 fail tenure_days >= 90 (tenure_days missing), 12
// fail opted out".
func (fs FailureCounts) String() string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strconv.Itoa(f.Count) + " fail " + f.Reason
	}
	return strings.Join(parts, ", ")
}
