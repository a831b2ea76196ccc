package scoring

import (
	"math"
	"slices"
	"testing"
)

// ranked builds results in the given order; ids starting with "x" are not eligible.
func rankedIDs(ids ...string) []Result {
	out := make([]Result, len(ids))
	for i, id := range ids {
		out[i] = Result{ID: id, Rank: i + 1, Score: float64(100 - i), Eligible: id[0] != 'x'}
	}
	return out
}

func moveIDs(ms []Move) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestCompare(t *testing.T) {
	base := rankedIDs("a", "b", "xc", "d", "e", "f")
	other := rankedIDs("d", "a", "xc", "f", "b", "e")
	w := Compare(base, other, 3) // top 3 eligible: a b d -> d a f
	if !slices.Equal(moveIDs(w.Entering), []string{"f"}) || !slices.Equal(moveIDs(w.Leaving), []string{"b"}) {
		t.Errorf("entering %v leaving %v", moveIDs(w.Entering), moveIDs(w.Leaving))
	}
	if f := w.Entering[0]; f.RankBefore != 6 || f.RankAfter != 4 || f.ScoreBefore != 95 || f.ScoreAfter != 97 || !f.EligibleAfter {
		t.Errorf("entering move = %+v", f)
	}
	// |changes|: d 3, b 3, f 2, a 1, e 1; ties by better new rank.
	if got := moveIDs(w.Movers); !slices.Equal(got, []string{"d", "b", "f", "a", "e"}) {
		t.Errorf("movers %v", got)
	}
	if w.Common != 6 {
		t.Errorf("common %d", w.Common)
	}

	same := Compare(base, base, 3)
	if same.Spearman != 1 || len(same.Entering)+len(same.Leaving)+len(same.Movers) != 0 {
		t.Errorf("identical rankings: %+v", same)
	}
	rev := slices.Clone(base)
	slices.Reverse(rev)
	for i := range rev {
		rev[i].Rank = i + 1
	}
	if got := Compare(base, rev, 3).Spearman; math.Abs(got+1) > 1e-12 {
		t.Errorf("reversed ranking: spearman %v, want -1", got)
	}
	// Customers only one side has are left out of the correlation, not counted as moved.
	extra := append(rankedIDs("new"), rankedIDs("a", "b", "xc", "d", "e", "f")...)
	for i := range extra {
		extra[i].Rank = i + 1
	}
	if w := Compare(base, extra, 3); w.Spearman != 1 || w.Common != 6 || !slices.Equal(moveIDs(w.Entering), []string{"new"}) {
		t.Errorf("with a new customer: %+v", w)
	}
	if w := Compare(nil, nil, 5); w.Spearman != 1 || w.Entering != nil {
		t.Errorf("empty: %+v", w)
	}
}

func TestCompareMoversBounded(t *testing.T) {
	var ids []string
	for i := range 100 {
		ids = append(ids, string(rune('A'+i%26))+string(rune('a'+i/26)))
	}
	base := rankedIDs(ids...)
	slices.Reverse(ids)
	w := Compare(base, rankedIDs(ids...), 10)
	if len(w.Movers) != MaxMovers || absInt(w.Movers[0].RankAfter-w.Movers[0].RankBefore) != 99 {
		t.Errorf("movers %+v", w.Movers)
	}
}

func TestInsights(t *testing.T) {
	// 20 customers; the top 5 eligible are 4 referrals and 1 paid; the base is 25% referral.
	channel := map[string]string{}
	for i := range 20 {
		id := string(rune('a' + i))
		channel[id] = "paid"
		if i%4 == 0 {
			channel[id] = "referral"
		}
	}
	// The referral customers (a, e, i, m, q) lead, with one paid customer among them.
	order := []string{"a", "e", "i", "m", "b", "q", "c", "d", "f", "g", "h", "j", "k", "l", "n", "o", "p", "r", "s", "t"}
	res := rankedIDs(order...)
	attrs := func(id string) map[string]string { return map[string]string{"acquisition_channel": channel[id]} }
	got := Insights(res, attrs, nil, 5)
	if len(got) != 1 {
		t.Fatalf("insights %+v, want only referral (paid has 1 in the top 5, below InsightMinTop)", got)
	}
	in := got[0]
	if in.Key != "acquisition_channel" || in.Value != "referral" || in.Top != 4 || in.Base != 5 || !near(in.Lift, (4.0/5)/(5.0/20)) {
		t.Errorf("insight %+v, want referral 4 of 5 vs 5 of 20, lift 3.2", in)
	}
	// Ineligible customers are skipped for the top N but counted in the base.
	res[0].Eligible, res[1].Eligible = false, false // top 5 eligible: i m b q c
	if got := Insights(res, attrs, []string{"acquisition_channel"}, 5); len(got) != 1 || got[0].Top != 3 || got[0].Base != 5 || !near(got[0].Lift, 2.4) {
		t.Errorf("with a and e ineligible: %+v", got)
	}
	if got := Insights(nil, attrs, nil, 5); got != nil {
		t.Errorf("no results: %+v", got)
	}
}
