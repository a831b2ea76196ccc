// Package scoring ranks customers as affiliate candidates. It is pure computation: no I/O, no
// clock (callers pass now), nothing from internal/ or connectors/.
//
// # Use
//
//	m, err := scoring.NewModel(cfg)           // validates weights, compiles gates once
//	results := m.Score(now, customers)        // sorted, ranked, explained
//	results = m.ScoreTable(now, table, opt)   // the same, from columns: the fast path
//	run.ConfigHash = m.Hash()                 // store with the run: equal hash = comparable scores
//	w := scoring.Compare(results, other, 20)  // what-if: enter/leave top 20, movers, Spearman
//
// ScoreWith(now, customers, Options{Detail: ...}) explains only the results the caller will
// show (the shortlist's top N eligible, or one customer for `advocate explain`); over a million
// customers the explanations cost more than the scores.
//
// # The model
//
// Scores are relative: a customer is compared with the other customers in the same call.
//
// Goodness. Each weighted signal's value becomes a goodness in 0..1 through its transform
// (Config.Transforms; percentile when not listed). Every transform first yields a level that
// never decreases as the value grows; for a negative weight (friction: tickets, escalations)
// goodness is 1 - level, so fewer is better. Transforms:
//   - percentile (default): percent rank among the customers that have the signal, defined
//     like Postgres percent_rank(): (number of strictly smaller values) / (n-1). Ties share a
//     rank. Needs no assumptions about units or ranges.
//   - minmax: (v-lo)/(hi-lo). lo and hi are Transform.Min/Max when set (values are clamped to
//     them, and scores no longer depend on who else is scored), else the population's min/max.
//   - log: log1p(max(v,0)), then min–max as above (caps are raw values, applied before the
//     log). For long tails such as events or LTV, where min–max would crush everyone but the
//     largest accounts to 0.
//   - buckets: the Goodness of the highest bucket whose Min <= v; 0 below every bucket.
//     Goodness must not decrease as Min grows (checked in NewModel), so buckets are monotone
//     too. Bucket labels word the reasons ("NPS 10 — promoter"). For friction, write the
//     buckets as levels (more tickets, higher level) and let the negative weight invert them.
//   - boolean: 1 when v > 0, else 0 (v > 0 rather than v != 0 keeps it monotone).
//
// Population-relative transforms (percentile, and minmax/log without both caps) give a sole
// observation goodness 1 whatever the sign (there is nobody to be worse than, and 0 for
// friction would make having data worse than not having it); with several customers and no
// spread, level 0. DefaultConfig reads nps with NPSBuckets (9–10 promoter 1, 7–8 passive 0.5,
// 0–6 detractor 0) and everything else by percentile; see DefaultConfig for why.
//
// Score. Points = |weight| * goodness; Score = 100 * sum(points) / sum(|weight|), in 0..100.
// Signals are summed in name order, so results are bit-for-bit reproducible.
//
// Missing data. A missing signal (absent key, NaN, or stale) gets goodness MissingGoodness
// (default 0.25: unknown reads as below the median), capped per signal at the goodness the
// customer would earn with the median value (the lower median for a positive weight, the
// upper one for a negative weight), whatever the transform. The cap is what makes the
// guarantee exact even for tie-heavy signals such as upsells_12m, where most customers have 0
// and the median earns 0: a customer with a signal missing never scores above the same
// customer with a value on the good side of the median — so never outranks one with the same
// present values and good values for the missing ones. When nobody has the signal there is no
// median, and the cap is the best goodness a value could earn. Missing signals still appear in
// Contributions with Present false.
//
// Confidence = sum(|weight| of present signals) / sum(|weight|), over the weights of the
// customer's segment. Below Config.MinConfidence a customer is not eligible.
//
// Segments. Config.Segments override weights for customers whose attributes match (plan,
// industry, any attribute; all of a segment's When must match). The first matching segment in
// config order wins, so list specific segments before general ones; Result.Segment names it.
// A segment's weights are merged over the base: listed signals take the new weight, 0 removes
// a signal (it then neither scores nor counts towards confidence), others keep the base weight.
// Goodness is still computed over the whole population, not per segment: a percentile then
// means the same thing in every segment, so scores stay comparable across segments and one
// shortlist can rank them together; per-segment ranks would also make small segments noisy (the
// best of five would get full credit). For the same reason a signal keeps its sign in every
// segment (checked in NewModel): friction is friction everywhere.
//
// Staleness. The caller marks values older than their source's freshness window
// (Customer.Stale, with when each was observed; Table.Stale for the columnar path). A stale
// value counts as missing everywhere — goodness, confidence, gates (which fail with
// "(nps stale)") — and is listed in Result.Stale. The explanation adds a caution such as
// "NPS is 14 months old — treated as missing". It costs nothing when nothing is stale.
//
// Derived signals. tenure_days is derived from the customer_since attribute (YYYY-MM-DD or
// RFC 3339) when absent (not when stale); Derive does it in place, Score does it on the side
// without modifying the input.
//
// # Eligibility
//
// A customer is eligible when FailedGates is empty. In order:
//   - hard rules: OptedOut adds "opted out", IsPartner adds "already a partner"; such customers
//     skip the gates (they can never become eligible, so evaluating gates would be wasted work);
//   - gates: each failing gate adds its text; if a signal it reads is missing or stale, the
//     text says so ("nps >= 9 (nps missing)", "nps >= 9 (nps stale)"); a runtime error adds
//     "<gate> (error: ...)". Nothing panics;
//   - confidence: "confidence 0.40 below minimum 0.60".
//
// Gates are expr-lang expressions (https://expr-lang.org) compiled once in NewModel against a
// typed environment: canonical and weighted signals are float64, known attributes (plan,
// industry, acquisition_channel, customer_since, segment, owner, lifecycle_stage, name, domain,
// country) are strings that read "" when absent, and opted_out / is_partner are booleans. So
// `nps > "high"`, `plan > 3` and a non-boolean gate are errors at load time, naming the gate by
// position and text. Other names are allowed (expr.AllowUndefinedVariables) because custom
// signals and attributes only show up in data; per customer such a name is the signal if
// present, else the attribute, else missing (the gate fails; an empty attribute counts as
// absent). Model.Gates lists these names as Unknown; Model.Warnings names each one that no
// weight, transform or segment uses either, since a typo there fails the gate for everyone.
//
// Gates of the form `signal OP number` (the common case, e.g. tenure_days >= 90) are evaluated
// directly on the signal column; and/or/not combinations of such comparisons, of known
// attributes with strings (`plan != "free"`, `plan in ["pro", "enterprise"]`) and of
// opted_out/is_partner run as compiled closures; anything else runs in the expr VM with a
// reused environment. All three give the same answers (tested against each other).
//
// # Explanations
//
// Contributions are sorted by Points descending, then Signal, and list the signals of the
// customer's segment. Reasons are at most three plain-English phrases for a CSM: bucket labels
// where a buckets transform has them, else a small table of per-signal formatters ("NPS 10 —
// promoter", "health score 92 (top 5%)", "LTV $48,200 (top 20%)", "upsold 2 times in 12
// months", "no support tickets in 90 days") with a generic phrase for custom signals. Present
// signals are taken in points order; when the customer has a red flag ("3 escalations in 90
// days", "NPS 4 — detractor") the costliest one takes a slot near the end, and a stale caution
// the last one, so the CSM sees both before approving. Percentiles are only quoted when at
// least 10 customers have the signal.
//
// # What-if and insights
//
// Compare contrasts two rankings of the same customers (`advocate score --what-if`): who
// enters and leaves the top N eligible, the biggest movers, and Spearman's rank correlation.
// Insights says which acquisition channels, industries and plans the top N eligible come from,
// with the lift over the whole base. Both are pure functions of results.
//
// # Performance
//
// ScoreTable takes columns (one []float64 per signal, NaN for missing) and is the core:
// Score copies the customers' maps into such a table in one pass and calls it, so both paths
// give identical results. A run ranks each weighted signal over the whole population (signals
// handed out to GOMAXPROCS workers, slowest first), then sums points per block of customers in
// parallel, each customer's signals in name order. Percentile ranks need no comparison sort:
// integer-valued signals with a modest range (most canonical ones) use a counting table, kept
// for lookups instead of a goodness column; others are bucket-sorted by linear interpolation
// between min and max, with per-bucket insertion sort. The final order uses the same bucket
// sort on the score and compares IDs only within equal scores. Eligibility is evaluated
// straight into the results; gates of the common shapes (comparisons of signals with numbers
// and of known attributes with strings, and/or/not) run as compiled closures, the rest in the
// expr VM with a reused environment. Inputs under 16,384 customers run on one goroutine. See
// BenchmarkScoreTable1M and BenchmarkScore1M.
package scoring
