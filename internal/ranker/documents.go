package ranker

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// SignalDoc is a signal as the JSON contract shows it.
type SignalDoc struct {
	Value      float64   `json:"value"`
	ObservedAt time.Time `json:"observed_at"`
	Source     string    `json:"source"`
	Stale      bool      `json:"stale,omitempty"` // older than its source's freshness: the score treats it as missing
}

// CustomerDoc is a customer as the JSON contract shows it.
type CustomerDoc struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Domain     string            `json:"domain"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes"`
}

func customerDoc(c advocate.Customer) CustomerDoc {
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return CustomerDoc{ID: c.ID, Name: c.Name, Domain: c.Domain, Owner: c.Owner, Attributes: attrs}
}

func signalDocs(m map[string]advocate.Current) map[string]SignalDoc {
	out := make(map[string]SignalDoc, len(m))
	for k, v := range m {
		out[k] = SignalDoc{Value: v.Value, ObservedAt: v.ObservedAt, Source: v.Source, Stale: v.Stale}
	}
	return out
}

// ExportRow is one customer in `advocate export`.
type ExportRow struct {
	CustomerDoc
	Signals  map[string]SignalDoc `json:"signals"`
	Score    *float64             `json:"score"`    // null when never scored
	Eligible *bool                `json:"eligible"` // null when never scored
	Rank     *int                 `json:"rank,omitempty"`
}

// Export reads every customer with attributes, current signals and latest score.
func Export(ctx context.Context, st *store.Store, src advocate.Sources, now time.Time) ([]ExportRow, error) {
	snap, err := Load(ctx, st, src, now)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	scores := map[string]store.Score{}
	if run, err := st.LatestScoreRun(ctx); err == nil {
		list, err := st.Scores(ctx, run.ID)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		for _, s := range list {
			scores[s.CustomerID] = s
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("export: %w", err)
	}
	rows := make([]ExportRow, 0, len(snap.Customers))
	for _, c := range snap.Customers {
		r := ExportRow{CustomerDoc: customerDoc(c), Signals: signalDocs(snap.Signals[c.ID])}
		if sc, ok := scores[c.ID]; ok {
			r.Score, r.Eligible, r.Rank = &sc.Score, &sc.Eligible, &sc.Rank
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// WriteExportJSON writes {"customers":[…]}.
func WriteExportJSON(w io.Writer, rows []ExportRow) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Customers []ExportRow `json:"customers"`
	}{rows})
}

// WriteExportCSV writes one row per customer: fixed columns, then one column per attribute and
// per signal seen anywhere (sorted), so spreadsheets get a stable header.
func WriteExportCSV(w io.Writer, rows []ExportRow) error {
	attrSet, sigSet := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		for k := range r.Attributes {
			attrSet[k] = true
		}
		for k := range r.Signals {
			sigSet[k] = true
		}
	}
	attrs, sigs := slices.Sorted(maps.Keys(attrSet)), slices.Sorted(maps.Keys(sigSet))
	cw := csv.NewWriter(w)
	header := []string{"id", "name", "domain", "owner", "score", "eligible", "rank"}
	header = append(header, attrs...)
	header = append(header, sigs...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.ID, r.Name, r.Domain, r.Owner, "", "", ""}
		if r.Score != nil {
			rec[4], rec[5], rec[6] = fmt.Sprintf("%.2f", *r.Score), fmt.Sprint(*r.Eligible), fmt.Sprint(*r.Rank)
		}
		for _, a := range attrs {
			rec = append(rec, r.Attributes[a])
		}
		for _, s := range sigs {
			if v, ok := r.Signals[s]; ok {
				rec = append(rec, FormatValue(v.Value))
			} else {
				rec = append(rec, "")
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Explanation is `advocate explain CUSTOMER --json`.
type Explanation struct {
	Customer      CustomerDoc          `json:"customer"`
	Signals       map[string]SignalDoc `json:"signals"`
	Score         float64              `json:"score"`
	Rank          int                  `json:"rank"`
	Of            int                  `json:"of"` // customers in the run
	Confidence    float64              `json:"confidence"`
	Eligible      bool                 `json:"eligible"`
	FailedGates   []string             `json:"failed_gates"`
	Contributions []store.Contribution `json:"contributions"`
	Reasons       []string             `json:"reasons"`
	ScoredAt      time.Time            `json:"scored_at"`
	History       []HistoryPoint       `json:"history"` // newest first
	// Changes compares this score with the one from about a week earlier (the newest run at
	// least six days older), factor by factor, largest point change first.
	Changes *ChangeSet `json:"changes,omitempty"`
	// ModelHash is the model the stored score came from ("" when that run is not the latest).
	ModelHash string `json:"model_hash"`
	// Recomputed is true when the stored run kept no breakdown for this customer (large bases
	// store one only for the top) and Contributions and Reasons were computed now, from the
	// current data with the current config's model.
	Recomputed bool `json:"recomputed"`
	// RecomputedScore is the score those contributions add up to, and RecomputedModelHash the
	// model that computed them; both only when Recomputed.
	RecomputedScore     *float64 `json:"recomputed_score,omitempty"`
	RecomputedModelHash string   `json:"recomputed_model_hash,omitempty"`
	// Note says, in a sentence, why a recomputed breakdown may not add up to the stored score.
	Note string `json:"note,omitempty"`
}

// ChangeSet is what moved a customer's score since an earlier run.
type ChangeSet struct {
	Since       time.Time `json:"since"`
	ScoreBefore float64   `json:"score_before"`
	RankBefore  int       `json:"rank_before"`
	Factors     []Change  `json:"factors"`
}

// Change is one factor that moved.
type Change struct {
	Signal       string   `json:"signal"`
	Before       *float64 `json:"before"` // nil: missing then
	After        *float64 `json:"after"`  // nil: missing now
	PointsBefore float64  `json:"points_before"`
	PointsAfter  float64  `json:"points_after"`
}

// changesSince diffs two scores' contributions.
func changesSince(now, then store.Score) *ChangeSet {
	cs := &ChangeSet{Since: then.CreatedAt, ScoreBefore: then.Score, RankBefore: then.Rank}
	before := map[string]store.Contribution{}
	for _, c := range then.Contributions {
		before[c.Signal] = c
	}
	val := func(c store.Contribution, ok bool) *float64 {
		if !ok || !c.Present {
			return nil
		}
		v := c.Value
		return &v
	}
	seen := map[string]bool{}
	for _, c := range now.Contributions {
		seen[c.Signal] = true
		b, ok := before[c.Signal]
		ch := Change{Signal: c.Signal, Before: val(b, ok), After: val(c, true), PointsBefore: b.Points, PointsAfter: c.Points}
		if !sameValue(ch.Before, ch.After) || math.Abs(ch.PointsAfter-ch.PointsBefore) >= 0.05 {
			cs.Factors = append(cs.Factors, ch)
		}
	}
	for _, b := range then.Contributions {
		if !seen[b.Signal] {
			cs.Factors = append(cs.Factors, Change{Signal: b.Signal, Before: val(b, true), PointsBefore: b.Points})
		}
	}
	slices.SortStableFunc(cs.Factors, func(a, b Change) int {
		return cmp.Compare(math.Abs(b.PointsAfter-b.PointsBefore), math.Abs(a.PointsAfter-a.PointsBefore))
	})
	return cs
}

func sameValue(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// HistoryPoint is the customer's score in an earlier run.
type HistoryPoint struct {
	RunID    int64     `json:"run_id"`
	ScoredAt time.Time `json:"scored_at"`
	Score    float64   `json:"score"`
	Rank     int       `json:"rank"`
}

// Explain reads one customer's latest stored score with its factors and recent history. When
// the stored score has no factors (ranker.Score keeps them only for the top of a large base)
// and model is not nil, it recomputes them: it scores the current snapshot with model,
// explaining only this customer, and marks the explanation Recomputed. Nothing is written.
func Explain(ctx context.Context, st *store.Store, src advocate.Sources, model *scoring.Model, now time.Time, customer string) (Explanation, error) {
	c, err := st.FindCustomer(ctx, customer)
	if err != nil {
		return Explanation{}, err
	}
	values, err := st.LatestSignals(ctx, c.ID)
	if err != nil {
		return Explanation{}, err
	}
	hist, err := st.ScoreHistory(ctx, c.ID, 60)
	if err != nil {
		return Explanation{}, err
	}
	if len(hist) == 0 {
		return Explanation{}, fmt.Errorf("customer %s (%s) has no score yet: run `advocate score` first", c.Name, c.ID)
	}
	latest := hist[0]
	run, err := st.LatestScoreRun(ctx)
	if err != nil {
		return Explanation{}, err
	}
	ex := Explanation{Customer: customerDoc(c), Signals: signalDocs(src.Current(values, now)), Score: latest.Score, Rank: latest.Rank,
		Confidence: latest.Confidence, Eligible: latest.Eligible, FailedGates: latest.FailedGates,
		Contributions: latest.Contributions, Reasons: latest.Reasons, ScoredAt: latest.CreatedAt}
	if run.ID == latest.RunID {
		ex.Of = run.Customers
		ex.ModelHash = run.ModelHash
	}
	if len(latest.Contributions) == 0 && model != nil {
		if err := recompute(ctx, st, src, model, now, &ex); err != nil {
			return Explanation{}, err
		}
		latest.Contributions = ex.Contributions // what changed since last week, factor by factor
	}
	for _, h := range hist {
		ex.History = append(ex.History, HistoryPoint{RunID: h.RunID, ScoredAt: h.CreatedAt, Score: h.Score, Rank: h.Rank})
		if ex.Changes == nil && latest.CreatedAt.Sub(h.CreatedAt) >= 6*24*time.Hour {
			if len(h.Contributions) == 0 { // no factors stored then either: only the totals compare
				ex.Changes = &ChangeSet{Since: h.CreatedAt, ScoreBefore: h.Score, RankBefore: h.Rank, Factors: []Change{}}
			} else {
				ex.Changes = changesSince(latest, h)
			}
		}
	}
	return ex, nil
}

// recompute fills ex's factors and reasons by scoring the current snapshot with model and
// explaining only ex's customer. Ranks and percentiles are relative to everyone, so the whole
// base is scored; only one explanation is built.
func recompute(ctx context.Context, st *store.Store, src advocate.Sources, model *scoring.Model, now time.Time, ex *Explanation) error {
	t, err := LoadTable(ctx, st, src, now)
	if err != nil {
		return fmt.Errorf("explain: recompute: %w", err)
	}
	id := ex.Customer.ID
	results := model.ScoreTable(now, t, scoring.Options{Detail: func(r *scoring.Result) bool { return r.ID == id }})
	i := slices.IndexFunc(results, func(r scoring.Result) bool { return r.ID == id })
	if i < 0 {
		return nil // not in the current data: nothing to recompute from
	}
	r := results[i]
	sc := ToStore(r)
	ex.Contributions, ex.Reasons = sc.Contributions, r.Reasons
	ex.Recomputed, ex.RecomputedScore, ex.RecomputedModelHash = true, &r.Score, model.Hash()
	switch {
	case ex.ModelHash != "" && ex.ModelHash != model.Hash():
		ex.Note = fmt.Sprintf("the scoring config changed since this score was stored (model %s, now %s): the factors are today's and add up to %.1f; run `advocate score` to refresh",
			ex.ModelHash, model.Hash(), r.Score)
	case ex.ModelHash == "":
		ex.Note = fmt.Sprintf("this score is from an older run: the factors are today's and add up to %.1f", r.Score)
	case math.Abs(r.Score-ex.Score) >= 0.05:
		ex.Note = fmt.Sprintf("the data changed since this score was stored: the factors are today's and add up to %.1f", r.Score)
	}
	return nil
}
