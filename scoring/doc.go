// Package scoring ranks customers as affiliate candidates. It is pure computation: no I/O, no
// clock (callers pass now), nothing from internal/ or connectors/.
//
// # Use
//
//	m, err := scoring.NewModel(cfg)           // validates weights, compiles gates once
//	results := m.Score(now, customers)        // sorted, ranked, explained
//	run.ConfigHash = m.Hash()                 // store with the run: equal hash = comparable scores
//
// ScoreWith(now, customers, Options{Detail: ...}) explains only the results the caller will
// show (the shortlist's top N eligible, or one customer for `advocate explain`); over a million
// customers the explanations cost more than the scores.
//
// # The model
//
// Scores are relative: a customer is compared with the other customers in the same call.
//
// Goodness. For each weighted signal, a customer's goodness (0..1) is the percentile rank of
// its value among the customers that have the signal, defined like Postgres percent_rank():
// (number of strictly smaller values) / (n-1). Ties share a rank. For a negative weight
// (friction: tickets, escalations) goodness is 1 - percent rank, so fewer is better. When only
// one customer has the signal it gets goodness 1 whatever the sign: there is nobody to be worse
// than, and 0 for friction would make having data worse than not having it.
//
// Score. Points = |weight| * goodness; Score = 100 * sum(points) / sum(|weight|), in 0..100.
// Signals are summed in name order, so results are bit-for-bit reproducible.
//
// Missing data. A missing signal (absent key or NaN) gets goodness MissingGoodness (default
// 0.25: unknown reads as below the median), capped per signal at the goodness the customer would
// earn with the median value (the lower median for a positive weight, the upper one for a
// negative weight). The cap is what makes the guarantee exact even for tie-heavy signals such as
// upsells_12m, where most customers have 0 and the median earns 0: a customer with a signal
// missing never scores above the same customer with a value on the good side of the median.
// Missing signals still appear in Contributions with Present false.
//
// Confidence = sum(|weight| of present signals) / sum(|weight|). Below Config.MinConfidence a
// customer is not eligible.
//
// Derived signals. tenure_days is derived from the customer_since attribute (YYYY-MM-DD or
// RFC 3339) when absent; Derive does it in place, Score does it on the side without modifying
// the input.
//
// # Eligibility
//
// A customer is eligible when FailedGates is empty. In order:
//   - hard rules: OptedOut adds "opted out", IsPartner adds "already a partner"; such customers
//     skip the gates (they can never become eligible, so evaluating gates would be wasted work);
//   - gates: each failing gate adds its text; if a signal it reads is missing, the text says so
//     ("nps >= 9 (nps missing)"); a runtime error adds "<gate> (error: ...)". Nothing panics;
//   - confidence: "confidence 0.40 below minimum 0.60".
//
// Gates are expr-lang expressions (https://expr-lang.org) compiled once in NewModel against a
// typed environment: canonical and weighted signals are float64, known attributes (plan,
// industry, acquisition_channel, customer_since, segment, owner, lifecycle_stage, name, domain,
// country) are strings that read "" when absent, and opted_out / is_partner are booleans. So
// `nps > "high"`, `plan > 3` and a non-boolean gate are errors at load time, naming the gate by
// position and text. Other names are allowed (expr.AllowUndefinedVariables) because custom
// signals and attributes only show up in data; per customer such a name is the signal if
// present, else the attribute, else missing (the gate fails). Model.Gates lists these names as
// Unknown so config validation can warn about typos.
//
// Gates of the form `signal OP number` (the common case, e.g. tenure_days >= 90) are evaluated
// directly on the signal column; others run in the expr VM with a reused environment.
//
// # Explanations
//
// Contributions are sorted by Points descending, then Signal. Reasons are at most three
// plain-English phrases for a CSM, from a small table of per-signal formatters ("NPS 10 —
// promoter", "health score 92 (top 5%)", "LTV $48,200 (top 20%)", "upsold 2 times in 12
// months", "no support tickets in 90 days") with a generic phrase for custom signals. Present
// signals are taken in points order; when the customer has a red flag ("3 escalations in 90
// days", "NPS 4 — detractor") the costliest one takes the last slot, so the CSM sees it before
// approving. Percentiles are only quoted when at least 10 customers have the signal.
//
// # Performance
//
// Score works on a columnar copy: one []float64 per signal with NaN for missing, filled in a
// single pass over the customers' maps (the only map access). Percentile ranks need no
// comparison sort: integer-valued signals with a modest range (most canonical ones) use a
// counting table; others are bucket-sorted by linear interpolation between min and max, with
// per-bucket insertion sort. The final order uses the same bucket sort on the score and compares
// IDs only within equal scores. Columns, ranks and gates run on GOMAXPROCS goroutines for
// inputs of 16,384 customers or more. See BenchmarkScore1M.
package scoring
