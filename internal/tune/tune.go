// Package tune learns scoring weights from affiliate outcomes (`advocate tune`): which
// customers, once they joined the affiliate program, actually brought referrals. It fits a
// penalised logistic regression over the scoring model's own goodness features, backtests it
// against the current weights out of sample, and proposes the result as a scoring section for
// `score --what-if` — nothing is applied automatically.
//
// Run and Features are pure; FromStore is the thin loader over the store.
package tune

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/advocate-hq/advocate/internal/lookalike"
	"gonum.org/v1/gonum/stat"
)

// Thresholds below which tune refuses to propose weights: with fewer labelled affiliates (or
// fewer who referred) a 5-fold backtest has a handful of positives per fold and its AUC is noise.
const (
	MinSamples   = 50
	MinPositives = 10
	// LabelDays is the window after joining in which a referral makes an affiliate productive;
	// affiliates who joined less than LabelDays ago are not labelled yet.
	LabelDays = int(lookalike.Window / (24 * time.Hour))
)

// Sample is one customer who became an affiliate.
type Sample struct {
	ID string
	// Goodness per signal (Data.Signals order), 0..1, as the scoring model reads it: a
	// friction signal's goodness falls as the signal grows.
	Goodness []float64
	// Positive: at least one referral within LabelDays of joining.
	Positive bool
	// Referrals is how many referrals it brought within LabelDays of joining.
	Referrals int
	// FromCurrent: signal history did not reach back to the join date, so current values
	// stand in.
	FromCurrent bool
}

// Data is what Run fits on.
type Data struct {
	Signals []string  // the tuned signals: those with a non-zero base weight
	Weights []float64 // their current weights, same order
	Samples []Sample
	// Pending counts affiliates who joined less than LabelDays ago (not labelled, left out).
	Pending int
	// NoJoinDate counts customers marked is_partner whose affiliate has no recorded join date
	// (neither Advocate's affiliates row nor the platform's listing), so the window their label
	// counts is unknown: left out.
	NoJoinDate int
}

// Options are the backtest's knobs; the zero value takes the defaults.
type Options struct {
	Folds         int    // default 5
	Seed          uint64 // folds and bootstrap; default 1
	ShortlistSize int    // precision is measured at this many (capped at the fold size); default 20
	Bootstrap     int    // resamples for the AUC-difference interval; default 1000
}

func (o Options) withDefaults() Options {
	o.Folds = cmp.Or(o.Folds, 5)
	o.Seed = cmp.Or(o.Seed, 1)
	o.ShortlistSize = cmp.Or(o.ShortlistSize, 20)
	o.Bootstrap = cmp.Or(o.Bootstrap, 1000)
	return o
}

// Backtest is one weight set's out-of-sample result. Nil figures: not measured (too little data).
type Backtest struct {
	AUC *float64 `json:"auc"`
	// PrecisionAtK is the share of referrers among the top K of each held-out fold, averaged.
	PrecisionAtK *float64 `json:"precision_at_k"`
	K            int      `json:"k"`
}

// Interval is a bootstrap interval.
type Interval struct {
	Level float64 `json:"level"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// SignalChange is one row of the proposal.
type SignalChange struct {
	Signal  string  `json:"signal"`
	Current float64 `json:"current"`
	Learned float64 `json:"learned"`
	// OddsRatioPerSD: how the odds of referring multiply per standard deviation of the signal's
	// goodness (more of a positive signal, less of a friction one), in the full fit.
	OddsRatioPerSD float64 `json:"odds_ratio_per_sd"`
	// Confidence: high when all fold fits move the weight the same way (up or down from
	// current) as the full fit, medium when all but one do, low otherwise.
	Confidence string `json:"confidence"`
}

// Report is `advocate tune --json`.
type Report struct {
	Samples   int `json:"samples"`
	Positives int `json:"positives"`
	// Pending: affiliates who joined less than 90 days ago, not labelled yet.
	Pending int `json:"pending"`
	// NoJoinDate: customers marked as partners whose join date neither Advocate nor the
	// platform recorded.
	NoJoinDate int `json:"no_join_date"`
	// FromCurrentValues: samples whose signals are current values because history does not
	// reach back to their join date.
	FromCurrentValues int `json:"from_current_values"`
	// ReferralsPer90Days is the mean referral count in the first 90 days, over all samples.
	ReferralsPer90Days float64 `json:"referrals_per_90_days"`
	// Weights are the learned weights on the config's scale; the current ones when nothing
	// was fitted.
	Weights        map[string]float64 `json:"weights"`
	CurrentWeights map[string]float64 `json:"current_weights"`
	Current        Backtest           `json:"current"`
	Learned        Backtest           `json:"learned"`
	// AUCDifference is learned minus current, 90% bootstrap interval.
	AUCDifference *Interval      `json:"auc_difference,omitempty"`
	Changes       []SignalChange `json:"changes"`
	// Proposed: the learned weights beat the current ones reliably (the interval is above 0).
	Proposed bool `json:"proposed"`
	// Verdict says in one sentence what to make of the result.
	Verdict string `json:"verdict"`
	// Insights are the lookalike insights (channels, industries, plans over-represented among
	// productive affiliates, internal/lookalike); always a list. The caller fills it in.
	Insights []lookalike.Insight `json:"insights"`
}

// Run fits, backtests and reports. It never fails: too little data is a verdict, not an error.
func Run(d Data, opt Options) Report {
	opt = opt.withDefaults()
	r := Report{
		Pending:        d.Pending,
		NoJoinDate:     d.NoJoinDate,
		Weights:        map[string]float64{},
		CurrentWeights: map[string]float64{},
		Insights:       []lookalike.Insight{},
		Changes:        []SignalChange{},
	}
	refs := 0
	for _, s := range d.Samples {
		r.Samples++
		if s.Positive {
			r.Positives++
		}
		if s.FromCurrent {
			r.FromCurrentValues++
		}
		refs += s.Referrals
	}
	if r.Samples > 0 {
		r.ReferralsPer90Days = float64(refs) / float64(r.Samples)
	}
	for j, name := range d.Signals {
		r.CurrentWeights[name] = d.Weights[j]
		r.Weights[name] = d.Weights[j]
	}
	if r.Samples < MinSamples || r.Positives < MinPositives || r.Positives == r.Samples || len(d.Signals) == 0 {
		r.Verdict = fmt.Sprintf("not enough outcomes to propose weights: needs at least %d labelled affiliates of whom %d referred (and some who did not), has %d of whom %d referred",
			MinSamples, MinPositives, r.Samples, r.Positives)
		return r
	}
	p, absW := design(d)
	prior := calibratedPrior(p, absW)
	_, beta := fit(p, prior, lambda)
	learned := toConfigScale(beta, d.Weights)
	for j, name := range d.Signals {
		r.Weights[name] = learned[j]
	}
	bt := backtest(p, absW, opt)
	r.Current, r.Learned, r.AUCDifference = bt.current, bt.learned, &bt.diff
	r.Changes = changes(d, p, beta, learned, bt.foldWeights)
	r.Proposed = bt.diff.Low > 0
	if r.Proposed {
		r.Verdict = fmt.Sprintf("the learned weights rank referrers better out of sample (AUC %.2f vs %.2f, difference %+.2f, 90%% interval %+.2f to %+.2f); preview them with --write FILE and `advocate score --what-if FILE`",
			*bt.learned.AUC, *bt.current.AUC, *bt.learned.AUC-*bt.current.AUC, bt.diff.Low, bt.diff.High)
	} else {
		r.Verdict = fmt.Sprintf("no reliable improvement: the 90%% interval of the AUC difference (%+.2f to %+.2f) includes 0, so keep the current weights",
			bt.diff.Low, bt.diff.High)
	}
	return r
}

// design builds the fitting problem and the current weights' magnitudes.
func design(d Data) (problem, []float64) {
	k := len(d.Signals)
	p := problem{x: make([]float64, 0, len(d.Samples)*k), y: make([]float64, len(d.Samples)), n: len(d.Samples), k: k}
	for i, s := range d.Samples {
		p.x = append(p.x, s.Goodness...)
		if s.Positive {
			p.y[i] = 1
		}
	}
	absW := make([]float64, k)
	for j, w := range d.Weights {
		absW[j] = math.Abs(w)
	}
	return p, absW
}

// toConfigScale expresses logit coefficients as config weights: each keeps its signal's sign
// and the set is rescaled so Σ|w| equals the current Σ|w|. Scores are 100·Σ|w|g/Σ|w|, so the
// rescaling changes no ranking (it ranks exactly as the fitted logit does), and the numbers
// read like the ones marketing wrote. All-zero coefficients leave the current weights.
func toConfigScale(beta, current []float64) []float64 {
	sumB, sumW := 0.0, 0.0
	for j := range beta {
		sumB += beta[j]
		sumW += math.Abs(current[j])
	}
	out := make([]float64, len(beta))
	if !(sumB > 0) {
		copy(out, current)
		return out
	}
	for j, b := range beta {
		w := round2(b * sumW / sumB)
		if current[j] < 0 && w != 0 {
			w = -w
		}
		out[j] = w
	}
	return out
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

type backtestResult struct {
	current, learned Backtest
	diff             Interval
	foldWeights      [][]float64 // per fold, learned weight magnitudes on the config's scale
}

// backtest runs stratified k-fold: each fold is scored by weights fitted without it, and the
// held-out scores of all folds are pooled for the AUC.
func backtest(p problem, absW []float64, opt Options) backtestResult {
	folds := stratifiedFolds(p.y, opt.Folds, opt.Seed)
	cur, lrn := make([]float64, p.n), make([]float64, p.n)
	var res backtestResult
	var precCur, precLrn float64
	k := opt.ShortlistSize
	for _, test := range folds {
		k = min(k, len(test))
	}
	for _, test := range folds {
		train := complement(p.n, test)
		tp := p.rows(train)
		prior := calibratedPrior(tp, absW)
		_, beta := fit(tp, prior, lambda)
		res.foldWeights = append(res.foldWeights, toConfigScale(beta, absW))
		for _, i := range test {
			row := p.x[i*p.k : (i+1)*p.k]
			for j, x := range row {
				cur[i] += absW[j] * x
				lrn[i] += beta[j] * x
			}
		}
		precCur += precisionAt(test, cur, p.y, k)
		precLrn += precisionAt(test, lrn, p.y, k)
	}
	nf := float64(len(folds))
	all := make([]int, p.n)
	for i := range all {
		all[i] = i
	}
	ac, al := auc(all, cur, p.y), auc(all, lrn, p.y)
	pc, pl := precCur/nf, precLrn/nf
	res.current = Backtest{AUC: &ac, PrecisionAtK: &pc, K: k}
	res.learned = Backtest{AUC: &al, PrecisionAtK: &pl, K: k}
	res.diff = bootstrapDiff(cur, lrn, p.y, opt)
	return res
}

// stratifiedFolds splits row indices into k folds with positives and negatives spread evenly,
// shuffled with the seed.
func stratifiedFolds(y []float64, k int, seed uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, 0x7475_6e65))
	var pos, neg []int
	for i, v := range y {
		if v == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	rng.Shuffle(len(pos), func(a, b int) { pos[a], pos[b] = pos[b], pos[a] })
	rng.Shuffle(len(neg), func(a, b int) { neg[a], neg[b] = neg[b], neg[a] })
	folds := make([][]int, k)
	for n, i := range append(pos, neg...) {
		folds[n%k] = append(folds[n%k], i)
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds
}

func complement(n int, idx []int) []int {
	in := make([]bool, n)
	for _, i := range idx {
		in[i] = true
	}
	out := make([]int, 0, n-len(idx))
	for i := range n {
		if !in[i] {
			out = append(out, i)
		}
	}
	return out
}

// precisionAt is the share of positives among the k highest-scored of rows (ties by row).
func precisionAt(rows []int, score, y []float64, k int) float64 {
	if k == 0 {
		return 0
	}
	r := slices.Clone(rows)
	slices.SortStableFunc(r, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	hits := 0.0
	for _, i := range r[:k] {
		hits += y[i]
	}
	return hits / float64(k)
}

// auc is the area under the ROC curve of score over rows: the chance that a random referrer
// outscores a random non-referrer, ties counting half (Mann–Whitney, with average ranks).
func auc(rows []int, score, y []float64) float64 {
	r := slices.Clone(rows)
	slices.SortFunc(r, func(a, b int) int { return cmp.Compare(score[a], score[b]) })
	var rankSum, npos float64
	for lo := 0; lo < len(r); {
		hi := lo + 1
		for hi < len(r) && score[r[hi]] == score[r[lo]] {
			hi++
		}
		avg := float64(lo+hi+1) / 2 // ranks lo+1..hi
		for _, i := range r[lo:hi] {
			if y[i] == 1 {
				rankSum += avg
				npos++
			}
		}
		lo = hi
	}
	nneg := float64(len(r)) - npos
	if npos == 0 || nneg == 0 {
		return 0.5
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

// bootstrapDiff is the 90% percentile interval of AUC(learned) − AUC(current) over resamples
// of the held-out scores (seeded, so the same data gives the same interval).
func bootstrapDiff(cur, lrn, y []float64, opt Options) Interval {
	rng := rand.New(rand.NewPCG(opt.Seed, 0x626f_6f74))
	n := len(y)
	diffs := make([]float64, opt.Bootstrap)
	idx := make([]int, n)
	bc, bl, by := make([]float64, n), make([]float64, n), make([]float64, n)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for b := range diffs {
		for i := range idx {
			j := rng.IntN(n)
			bc[i], bl[i], by[i] = cur[j], lrn[j], y[j]
		}
		diffs[b] = auc(all, bl, by) - auc(all, bc, by)
	}
	slices.Sort(diffs)
	return Interval{Level: 0.9, Low: stat.Quantile(0.05, stat.Empirical, diffs, nil), High: stat.Quantile(0.95, stat.Empirical, diffs, nil)}
}

// changes builds the proposal's rows.
func changes(d Data, p problem, beta, learned []float64, folds [][]float64) []SignalChange {
	out := make([]SignalChange, len(d.Signals))
	col := make([]float64, p.n)
	for j, name := range d.Signals {
		for i := range p.n {
			col[i] = p.x[i*p.k+j]
		}
		agree := 0
		for _, fw := range folds {
			fup := math.Abs(fw[j]) > math.Abs(d.Weights[j])
			if fup == (math.Abs(learned[j]) > math.Abs(d.Weights[j])) {
				agree++
			}
		}
		conf := "low"
		switch {
		case agree == len(folds):
			conf = "high"
		case agree == len(folds)-1:
			conf = "medium"
		}
		out[j] = SignalChange{
			Signal: name, Current: d.Weights[j], Learned: learned[j],
			OddsRatioPerSD: math.Round(math.Exp(beta[j]*stat.StdDev(col, nil))*100) / 100,
			Confidence:     conf,
		}
	}
	return out
}
