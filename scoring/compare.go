package scoring

import (
	"cmp"
	"slices"
	"strings"
)

// MaxMovers is how many movers Compare reports.
const MaxMovers = 10

// Move is one customer's position under two models. Ranks are Result.Rank (1-based position
// among all customers); 0 means the customer is not in that result set.
type Move struct {
	ID             string  `json:"id"`
	RankBefore     int     `json:"rank_before"`
	RankAfter      int     `json:"rank_after"`
	ScoreBefore    float64 `json:"score_before"`
	ScoreAfter     float64 `json:"score_after"`
	EligibleBefore bool    `json:"eligible_before"`
	EligibleAfter  bool    `json:"eligible_after"`
}

// WhatIf is what changing the model does to a ranking, computed without saving anything.
type WhatIf struct {
	TopN int `json:"top_n"`
	// Entering are in the other model's top N eligible but not the base's, in their new order;
	// Leaving are in the base's top N eligible but not the other's, in their old order.
	Entering []Move `json:"entering"`
	Leaving  []Move `json:"leaving"`
	// Movers are the customers in both result sets with the biggest rank change, largest
	// |RankAfter-RankBefore| first (ties: better new rank, then ID); at most MaxMovers.
	Movers []Move `json:"movers"`
	// Spearman is the rank correlation over customers present in both (1 = same order,
	// -1 = reversed). With fewer than two such customers it is 1: nothing to disagree about.
	Spearman float64 `json:"spearman"`
	// Common is how many customers Spearman was computed over.
	Common int `json:"common"`
}

// Compare contrasts a base ranking with another (the same customers scored by another model:
// `advocate score --what-if`). Both must be as Score returns them (sorted by rank). The top N
// counts eligible customers only, as the shortlist does. It is pure and allocates O(n).
func Compare(base, other []Result, topN int) WhatIf {
	w := WhatIf{TopN: topN}
	before, after := indexByID(base), indexByID(other)
	move := func(id string) Move {
		mv := Move{ID: id}
		if i, ok := before[id]; ok {
			mv.RankBefore, mv.ScoreBefore, mv.EligibleBefore = base[i].Rank, base[i].Score, base[i].Eligible
		}
		if i, ok := after[id]; ok {
			mv.RankAfter, mv.ScoreAfter, mv.EligibleAfter = other[i].Rank, other[i].Score, other[i].Eligible
		}
		return mv
	}
	entering, leaving := topChanges(topEligible(base, topN), topEligible(other, topN))
	for _, id := range entering {
		w.Entering = append(w.Entering, move(id))
	}
	for _, id := range leaving {
		w.Leaving = append(w.Leaving, move(id))
	}
	w.Spearman, w.Common = spearman(base, after)
	w.Movers = movers(base, other, after)
	return w
}

// indexByID maps each result's ID to its index.
func indexByID(rs []Result) map[string]int {
	m := make(map[string]int, len(rs))
	for i := range rs {
		m[rs[i].ID] = i
	}
	return m
}

// topChanges compares two top lists: entering are in now only (in its order), leaving in was
// only (in its order).
func topChanges(was, now []string) (entering, leaving []string) {
	inWas := make(map[string]bool, len(was))
	for _, id := range was {
		inWas[id] = true
	}
	inNow := make(map[string]bool, len(now))
	for _, id := range now {
		inNow[id] = true
		if !inWas[id] {
			entering = append(entering, id)
		}
	}
	for _, id := range was {
		if !inNow[id] {
			leaving = append(leaving, id)
		}
	}
	return entering, leaving
}

// spearman is the rank correlation over the customers base and other (given as after, ID to
// index) have in common, and how many those are. They are re-ranked 1..m within the common set
// so that customers only one side has do not shift the others' ranks. Below two common
// customers it is 1: nothing to disagree about.
func spearman(base []Result, after map[string]int) (rho float64, common int) {
	var pos []int // for each common customer in base order, its index in other
	for i := range base {
		if j, ok := after[base[i].ID]; ok {
			pos = append(pos, j)
		}
	}
	m := len(pos)
	if m < 2 {
		return 1, m
	}
	byOther := make([]int, m) // common customers' base ranks, sorted by their other index
	idx := make([]int, m)
	for k := range idx {
		idx[k] = k
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(pos[a], pos[b]) })
	for r, k := range idx {
		byOther[k] = r
	}
	var d2 float64
	for k, r := range byOther {
		d := float64(k - r)
		d2 += d * d
	}
	mf := float64(m)
	return 1 - 6*d2/(mf*(mf*mf-1)), m
}

// moverBefore orders movers: larger |rank change| first, then better new rank, then ID.
func moverBefore(a, b Move) bool {
	da, db := absInt(a.RankAfter-a.RankBefore), absInt(b.RankAfter-b.RankBefore)
	if da != db {
		return da > db
	}
	if a.RankAfter != b.RankAfter {
		return a.RankAfter < b.RankAfter
	}
	return a.ID < b.ID
}

// movers are the at most MaxMovers customers in both rankings with the biggest rank change:
// a bounded selection, not a sort of everyone.
func movers(base, other []Result, after map[string]int) []Move {
	var out []Move
	for i := range base {
		j, ok := after[base[i].ID]
		if !ok || base[i].Rank == other[j].Rank {
			continue
		}
		mv := Move{ID: base[i].ID, RankBefore: base[i].Rank, ScoreBefore: base[i].Score, EligibleBefore: base[i].Eligible,
			RankAfter: other[j].Rank, ScoreAfter: other[j].Score, EligibleAfter: other[j].Eligible}
		if len(out) == MaxMovers && !moverBefore(mv, out[MaxMovers-1]) {
			continue
		}
		k, _ := slices.BinarySearchFunc(out, mv, func(x, y Move) int {
			if moverBefore(x, y) {
				return -1
			}
			return 1
		})
		out = slices.Insert(out, k, mv)
		if len(out) > MaxMovers {
			out = out[:MaxMovers]
		}
	}
	return out
}

// topEligible returns the IDs of the first n eligible results, in rank order.
func topEligible(rs []Result, n int) []string {
	var ids []string
	for i := range rs {
		if len(ids) >= n {
			break
		}
		if rs[i].Eligible {
			ids = append(ids, rs[i].ID)
		}
	}
	return ids
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Insight is how over- or under-represented one attribute value is among the top-scored
// customers compared with the whole base.
type Insight struct {
	Key   string `json:"key"`   // attribute name, e.g. acquisition_channel
	Value string `json:"value"` // "" = customers without the attribute
	Top   int    `json:"top"`   // customers with this value among the top N eligible
	Base  int    `json:"base"`  // customers with this value among all results
	// TopShare and BaseShare are Top / (size of the top N) and Base / (all results).
	TopShare  float64 `json:"top_share"`
	BaseShare float64 `json:"base_share"`
	// Lift = TopShare / BaseShare: 2 means twice as common among the best candidates.
	Lift float64 `json:"lift"`
}

// InsightKeys are the attributes Insights looks at when given none.
var InsightKeys = []string{"acquisition_channel", "industry", "plan"}

// InsightMinTop is the smallest count among the top N for a value to be listed: below it a
// lift is one or two customers' coincidence.
const InsightMinTop = 3

// Insights says which attribute values (acquisition channel, industry, plan, …) the top N
// eligible customers come from, with the lift over the whole base. results are as Score
// returns them; attrs gives a customer's attributes by ID (it may return nil). Shares are of
// all customers (top N, or everyone); customers without the attribute count in those totals
// but their empty value is not listed, and neither are values with fewer than InsightMinTop
// customers in the top N. Sorted by lift descending, then Top descending, then key (in keys
// order) and value. Pure.
func Insights(results []Result, attrs func(id string) map[string]string, keys []string, topN int) []Insight {
	if len(keys) == 0 {
		keys = InsightKeys
	}
	top := topEligible(results, topN)
	if len(top) == 0 || len(results) == 0 {
		return nil
	}
	inTop := make(map[string]bool, len(top))
	for _, id := range top {
		inTop[id] = true
	}
	type count struct{ top, base int }
	counts := make([]map[string]*count, len(keys))
	for k := range keys {
		counts[k] = map[string]*count{}
	}
	for i := range results {
		a := attrs(results[i].ID)
		t := inTop[results[i].ID]
		for k, key := range keys {
			v := a[key]
			c := counts[k][v]
			if c == nil {
				c = &count{}
				counts[k][v] = c
			}
			c.base++
			if t {
				c.top++
			}
		}
	}
	var out []Insight
	nTop, nBase := float64(len(top)), float64(len(results))
	for k, key := range keys {
		for v, c := range counts[k] {
			if c.top < InsightMinTop || v == "" {
				continue
			}
			in := Insight{Key: key, Value: v, Top: c.top, Base: c.base,
				TopShare: float64(c.top) / nTop, BaseShare: float64(c.base) / nBase}
			in.Lift = in.TopShare / in.BaseShare // Base >= Top > 0
			out = append(out, in)
		}
	}
	keyIndex := func(key string) int { return slices.Index(keys, key) }
	slices.SortFunc(out, func(a, b Insight) int {
		return cmp.Or(
			cmp.Compare(b.Lift, a.Lift),
			cmp.Compare(b.Top, a.Top),
			cmp.Compare(keyIndex(a.Key), keyIndex(b.Key)),
			strings.Compare(a.Value, b.Value),
		)
	})
	return out
}
