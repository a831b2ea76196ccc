package scoring

import (
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// toTable converts customers to a table the way a store-backed caller would: every signal and
// attribute any customer has becomes a column.
func toTable(cs []Customer) *Table {
	sigSet, attrSet := map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		for k := range c.Signals {
			sigSet[k] = true
		}
		for k := range c.Stale {
			sigSet[k] = true
		}
		for k := range c.Attributes {
			attrSet[k] = true
		}
	}
	t := &Table{Signals: slices.Sorted(maps.Keys(sigSet)), Attrs: map[string][]string{}}
	n := len(cs)
	t.Cols, t.Stale, t.Observed = make([][]float64, len(t.Signals)), make([][]bool, len(t.Signals)), make([][]int64, len(t.Signals))
	for j := range t.Signals {
		t.Cols[j] = make([]float64, n)
	}
	for a := range attrSet {
		t.Attrs[a] = make([]string, n)
	}
	for i, c := range cs {
		t.IDs = append(t.IDs, c.ID)
		t.OptedOut = append(t.OptedOut, c.OptedOut)
		t.IsPartner = append(t.IsPartner, c.IsPartner)
		for j, s := range t.Signals {
			v, ok := c.Signals[s]
			if !ok {
				v = math.NaN()
			}
			t.Cols[j][i] = v
			if at, ok := c.Stale[s]; ok {
				if t.Stale[j] == nil {
					t.Stale[j], t.Observed[j] = make([]bool, n), make([]int64, n)
				}
				t.Stale[j][i] = true
				if !at.IsZero() {
					t.Observed[j][i] = at.Unix()
				}
			}
		}
		for a, v := range c.Attributes {
			t.Attrs[a][i] = v
		}
	}
	return t
}

// Score and ScoreTable share one core: the same data gives identical results, explanations
// included, on the serial and the parallel path.
func TestScoreTableMatchesScore(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Gates = append(cfg.Gates, `plan != "free" || nps >= 9`, `plan in ["pro", "enterprise"] || health_score > 50`)
	cfg.Segments = []Segment{{Name: "enterprise", When: map[string]string{"plan": "enterprise"}, Weights: map[string]float64{Seats: 1, TenureDays: 0}}}
	cfg.Transforms[LTV] = Transform{Kind: TransformLog}
	cfg.Transforms[Escalations90d] = Transform{Kind: TransformMinMax, Max: F(5)}
	m := mustModel(t, cfg)
	for _, n := range []int{500, serialBelow + 100} {
		cs := syntheticCustomers(n, uint64(n))
		for i := range cs {
			if i%7 == 0 {
				cs[i].Stale = map[string]time.Time{NPS: testNow.AddDate(0, -5, 0)}
			}
			if i%5 == 0 {
				delete(cs[i].Signals, TenureDays)
				cs[i].Attributes[AttrCustomerSince] = "2025-06-01"
			}
		}
		want := m.Score(testNow, cs)
		tbl := toTable(cs)
		before := cloneTable(tbl)
		got := m.ScoreTable(testNow, tbl, Options{})
		if !reflect.DeepEqual(got, want) {
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("n=%d: first difference at %d:\n table %+v\n score %+v", n, i, got[i], want[i])
				}
			}
		}
		if !sameBits(before.Cols, tbl.Cols) || !reflect.DeepEqual(before.Attrs, tbl.Attrs) {
			t.Fatal("ScoreTable modified its input")
		}
	}
}

// sameBits compares columns bit for bit (NaN never equals itself, so DeepEqual cannot).
func sameBits(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(x, y []float64) bool {
		return slices.EqualFunc(x, y, func(p, q float64) bool { return math.Float64bits(p) == math.Float64bits(q) })
	})
}

func cloneTable(t *Table) *Table {
	c := *t
	c.Cols = make([][]float64, len(t.Cols))
	for j := range t.Cols {
		c.Cols[j] = slices.Clone(t.Cols[j])
	}
	c.Attrs = map[string][]string{}
	for k, v := range t.Attrs {
		c.Attrs[k] = slices.Clone(v)
	}
	return &c
}

// Signals the table lacks are missing for everyone; extra columns are ignored.
func TestScoreTableColumnsAbsentOrExtra(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 1, HealthScore: 1}, Gates: []string{"tenure_days >= 90"}})
	tbl := &Table{IDs: []string{"a", "b"}, Signals: []string{"other", NPS}, Cols: [][]float64{{1, 2}, {10, 5}},
		Attrs: map[string][]string{AttrCustomerSince: {"2020-01-01", ""}}}
	res := byID(m.ScoreTable(testNow, tbl, Options{}))
	if res["a"].Confidence != 0.5 || !res["a"].Eligible {
		t.Errorf("a: %+v (tenure should be derived from customer_since)", res["a"])
	}
	if !slices.Equal(res["b"].FailedGates, []string{"tenure_days >= 90 (tenure_days missing)"}) {
		t.Errorf("b: FailedGates %q", res["b"].FailedGates)
	}
}

func TestTableValidate(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		want string
	}{
		{"short column", Table{IDs: []string{"a", "b"}, Signals: []string{NPS}, Cols: [][]float64{{1}}}, `column "nps" has 1 values for 2 customers`},
		{"names and columns", Table{IDs: []string{"a"}, Signals: []string{NPS, CSAT}, Cols: [][]float64{{1}}}, "2 signal names for 1 columns"},
		{"duplicate", Table{IDs: []string{"a"}, Signals: []string{NPS, NPS}, Cols: [][]float64{{1}, {2}}}, `"nps" appears twice`},
		{"attribute", Table{IDs: []string{"a"}, Attrs: map[string][]string{"plan": {}}}, `attribute "plan" has 0 values`},
		{"flags", Table{IDs: []string{"a"}, OptedOut: []bool{true, false}}, "opted_out has 2 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
			defer func() {
				if recover() == nil {
					t.Error("ScoreTable accepted a malformed table")
				}
			}()
			mustModel(t, DefaultConfig()).ScoreTable(testNow, &tt.t, Options{})
		})
	}
	if got := mustModel(t, DefaultConfig()).ScoreTable(testNow, &Table{}, Options{}); got == nil || len(got) != 0 {
		t.Errorf("empty table: %#v", got)
	}
}

// The parallel order splits customers at a sampled median score; when everyone ties, one half
// is empty and the order must still be by ID.
func TestParallelOrderAllTied(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 1}})
	n := serialBelow + 10
	tbl := &Table{Signals: []string{NPS}, Cols: [][]float64{make([]float64, n)}}
	for i := range n {
		tbl.IDs = append(tbl.IDs, strconv.Itoa(n-i))
	}
	res := m.ScoreTable(testNow, tbl, Options{Detail: func(*Result) bool { return false }})
	if !slices.IsSortedFunc(res, func(a, b Result) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("tied scores are not ordered by ID")
	}
}
