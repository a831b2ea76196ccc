package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// ScoreRun is one scoring of every customer under one model.
type ScoreRun struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	ModelHash string    `json:"model_hash"`
	Signals   []string  `json:"signals"` // the weighted signals, in the order contributions are stored
	Customers int       `json:"customers"`
	Eligible  int       `json:"eligible"`
}

// Contribution is one factor of a stored score.
type Contribution struct {
	Signal   string  `json:"signal"`
	Value    float64 `json:"value"`
	Present  bool    `json:"present"`
	Goodness float64 `json:"goodness"`
	Weight   float64 `json:"weight"`
	Points   float64 `json:"points"`
}

// Score is one customer's result in a run.
type Score struct {
	RunID         int64          `json:"run_id"`
	CustomerID    string         `json:"customer_id"`
	Rank          int            `json:"rank"`
	Score         float64        `json:"score"`
	Confidence    float64        `json:"confidence"`
	Eligible      bool           `json:"eligible"`
	FailedGates   []string       `json:"failed_gates"`
	Contributions []Contribution `json:"contributions"`
	Reasons       []string       `json:"reasons"`
	CreatedAt     time.Time      `json:"created_at"` // of the run
}

// SaveScoreRun stores a run and all its scores in one transaction and returns the run. Scores
// go through COPY on Postgres. Contributions are stored compactly — [value or null, points,
// weight] per signal in the run's signal order — because a run of a million customers would
// otherwise write gigabytes of repeated field names.
func (s *Store) SaveScoreRun(ctx context.Context, modelHash string, scores []Score) (ScoreRun, error) {
	run := ScoreRun{ModelHash: modelHash, Customers: len(scores)}
	seen := map[string]bool{}
	for _, sc := range scores {
		if sc.Eligible {
			run.Eligible++
		}
		for _, c := range sc.Contributions {
			if !seen[c.Signal] {
				seen[c.Signal] = true
				run.Signals = append(run.Signals, c.Signal)
			}
		}
	}
	slices.Sort(run.Signals)
	col := make(map[string]int, len(run.Signals))
	for i, name := range run.Signals {
		col[name] = i
	}
	signalsJSON, _ := json.Marshal(nonNil(run.Signals))
	// Rows go in customer-id order: the primary key leads with the run, then the customer, so
	// sorted input turns a million random B-tree inserts into appends.
	// The ids sort beside their indexes: comparing through scores[i] would miss the cache on
	// every comparison of a million-row run.
	type key struct {
		id string
		i  int
	}
	keys := make([]key, len(scores))
	for i := range scores {
		keys[i] = key{scores[i].CustomerID, i}
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.id, b.id) })
	order := make([]int, len(keys))
	for k, key := range keys {
		order[k] = key.i
	}
	var err error
	if s.dialect == Postgres {
		err = s.saveScoresPostgres(ctx, &run, string(signalsJSON), scores, order, col)
	} else {
		err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
			run.CreatedAt = now
			if err := tx.GetContext(ctx, &run.ID, s.q("InsertScoreRun"), now, modelHash, string(signalsJSON), run.Customers, run.Eligible); err != nil {
				return err
			}
			stmt, err := tx.PrepareContext(ctx, s.q("InsertScore"))
			if err != nil {
				return err
			}
			defer stmt.Close()
			buf := make([]byte, 0, 512)
			for _, i := range order {
				sc := &scores[i]
				buf = encodeContributions(buf[:0], sc.Contributions, col)
				if _, err := stmt.ExecContext(ctx, run.ID, sc.CustomerID, sc.Rank, sc.Score, sc.Confidence, sc.Eligible,
					encodeStrings(sc.FailedGates), string(buf), encodeStrings(sc.Reasons)); err != nil {
					return fmt.Errorf("score of %s: %w", sc.CustomerID, err)
				}
			}
			return nil
		})
	}
	if err != nil {
		return ScoreRun{}, fmt.Errorf("save score run: %w", err)
	}
	return run, nil
}

// saveScoresPostgres stores the run and its scores in one transaction, the scores through COPY
// with rows formatted here (copyText): database/sql's per-row Exec cost more than the COPY.
// The COPY is written here rather than in queries/ because it cannot be prepared at boot to
// check it (a prepared COPY starts the copy).
func (s *Store) saveScoresPostgres(ctx context.Context, run *ScoreRun, signalsJSON string, scores []Score, order []int, col map[string]int) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() // after Commit, a no-op
	run.CreatedAt = s.Now().UTC()
	if err := tx.QueryRowContext(ctx, s.q("InsertScoreRun"), run.CreatedAt, run.ModelHash, signalsJSON, run.Customers, run.Eligible).Scan(&run.ID); err != nil {
		return err
	}
	runID := strconv.FormatInt(run.ID, 10)
	k := 0
	err = copyText(ctx, conn, "scores", "run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons",
		func(b []byte) ([]byte, bool) {
			if k == len(order) {
				return b, false
			}
			sc := &scores[order[k]]
			k++
			b = append(b, runID...)
			b = append(b, '\t')
			b = appendCopyText(b, sc.CustomerID)
			b = append(b, '\t')
			b = strconv.AppendInt(b, int64(sc.Rank), 10)
			b = append(b, '\t')
			b = strconv.AppendFloat(b, sc.Score, 'g', -1, 64)
			b = append(b, '\t')
			b = strconv.AppendFloat(b, sc.Confidence, 'g', -1, 64)
			if sc.Eligible {
				b = append(b, "\tt\t"...)
			} else {
				b = append(b, "\tf\t"...)
			}
			b = appendCopyText(b, encodeStrings(sc.FailedGates))
			b = append(b, '\t')
			b = encodeContributions(b, sc.Contributions, col) // JSON numbers and punctuation only
			b = append(b, '\t')
			return appendCopyText(b, encodeStrings(sc.Reasons)), true
		})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// encodeContributions writes [[value|null, points, weight], …] aligned with col; a signal the
// result did not detail is [null,0,0]. An empty list (no detail at all) is [].
func encodeContributions(b []byte, cs []Contribution, col map[string]int) []byte {
	if len(cs) == 0 {
		return append(b, "[]"...)
	}
	row := make([]*Contribution, len(col))
	for i := range cs {
		row[col[cs[i].Signal]] = &cs[i]
	}
	b = append(b, '[')
	for i, c := range row {
		if i > 0 {
			b = append(b, ',')
		}
		if c == nil {
			b = append(b, "[null,0,0]"...)
			continue
		}
		b = append(b, '[')
		if c.Present {
			b = strconv.AppendFloat(b, c.Value, 'g', -1, 64)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, ',')
		b = strconv.AppendFloat(b, c.Points, 'g', 8, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, c.Weight, 'g', -1, 64)
		b = append(b, ']')
	}
	return append(b, ']')
}

func encodeStrings(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

// decodeContributions reads the compact form back, sorted by |points| (largest first), then
// signal, as scoring produced them.
func decodeContributions(raw []byte, signals []string) ([]Contribution, error) {
	var rows [][3]*float64
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows) != len(signals) {
		return nil, fmt.Errorf("%d contributions for %d signals", len(rows), len(signals))
	}
	out := make([]Contribution, 0, len(rows))
	for i, r := range rows {
		c := Contribution{Signal: signals[i]}
		if r[1] != nil {
			c.Points = *r[1]
		}
		if r[2] != nil {
			c.Weight = *r[2]
		}
		if c.Weight == 0 && r[0] == nil && c.Points == 0 {
			continue // not detailed
		}
		if r[0] != nil {
			c.Value, c.Present = *r[0], true
		}
		if c.Weight != 0 {
			c.Goodness = c.Points / math.Abs(c.Weight)
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Contribution) int {
		if d := cmp.Compare(math.Abs(b.Points), math.Abs(a.Points)); d != 0 {
			return d
		}
		return strings.Compare(a.Signal, b.Signal)
	})
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// LatestScoreRun returns the newest run, or ErrNotFound when nothing was scored yet.
func (s *Store) LatestScoreRun(ctx context.Context) (ScoreRun, error) {
	var r ScoreRun
	var signals []byte
	err := s.db.QueryRowContext(ctx, s.q("LatestScoreRun")).Scan(&r.ID, &r.CreatedAt, &r.ModelHash, &signals, &r.Customers, &r.Eligible)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("no score run yet (run `advocate score`): %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read latest score run: %w", err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if err := json.Unmarshal(signals, &r.Signals); err != nil {
		return r, fmt.Errorf("read latest score run: %w", err)
	}
	return r, nil
}

func scanScore(r rowScanner) (Score, error) {
	var sc Score
	var gates, contrib, reasons, signals []byte
	if err := r.Scan(&sc.RunID, &sc.CustomerID, &sc.Rank, &sc.Score, &sc.Confidence, &sc.Eligible, &gates, &contrib, &reasons, &sc.CreatedAt, &signals); err != nil {
		return sc, err
	}
	sc.CreatedAt = sc.CreatedAt.UTC()
	var names []string
	err := errors.Join(json.Unmarshal(gates, &sc.FailedGates), json.Unmarshal(reasons, &sc.Reasons), json.Unmarshal(signals, &names))
	if err == nil {
		sc.Contributions, err = decodeContributions(contrib, names)
	}
	if err != nil {
		return sc, fmt.Errorf("score of %s: %w", sc.CustomerID, err)
	}
	return sc, nil
}

// Scores returns a run's scores in rank order.
func (s *Store) Scores(ctx context.Context, runID int64) ([]Score, error) {
	out, err := collect(ctx, s.db, scanScore, s.q("ScoresOfRun"), runID)
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	return out, nil
}

// ScoreHistory returns a customer's scores, newest run first, from the last limit runs.
func (s *Store) ScoreHistory(ctx context.Context, customerID string, limit int) ([]Score, error) {
	out, err := collect(ctx, s.db, scanScore, s.q("ScoreHistory"), customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("read score history of %s: %w", customerID, err)
	}
	return out, nil
}

// ScoresBefore returns the scores of ids in the newest run created at or before t: what "last
// week's score" means for a shortlist built at t plus a week. Customers that run did not score
// are absent; so is everyone when no run is that old.
func (s *Store) ScoresBefore(ctx context.Context, t time.Time, ids []string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	var runID int64
	err := s.db.GetContext(ctx, &runID, s.q("ScoreRunAtOrBefore"), t.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find score run before %s: %w", t.Format(time.RFC3339), err)
	}
	q, args, err := s.in("ScoresOfCustomers", runID, ids)
	if err == nil {
		out, err = pairs[string, float64](ctx, s.db, q, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	return out, nil
}

// Retention says which score runs are kept: every run younger than Recent, and the newest run of
// each ISO week younger than Weekly (what trends and "score last week" read).
type Retention struct {
	Recent time.Duration
	Weekly time.Duration
}

// DefaultRetention keeps a week of every run and two years of weekly runs.
var DefaultRetention = Retention{Recent: 8 * 24 * time.Hour, Weekly: 2 * 365 * 24 * time.Hour}

// PruneScoreRuns deletes the score runs (and their scores) that r does not keep, never the
// newest run, and returns how many runs went.
func (s *Store) PruneScoreRuns(ctx context.Context, r Retention) (int, error) {
	type run struct {
		ID        int64     `db:"id"`
		CreatedAt time.Time `db:"created_at"`
	}
	var runs []run
	if err := s.db.SelectContext(ctx, &runs, s.q("ScoreRunTimes")); err != nil {
		return 0, fmt.Errorf("prune score runs: %w", err)
	}
	now := s.Now()
	newestOfWeek := map[string]bool{}
	var drop []int64
	for i, rn := range runs {
		y, w := rn.CreatedAt.UTC().ISOWeek()
		key := fmt.Sprint(y, w)
		first := !newestOfWeek[key]
		newestOfWeek[key] = true
		age := now.Sub(rn.CreatedAt)
		if i == 0 || age < r.Recent || (first && age < r.Weekly) {
			continue
		}
		drop = append(drop, rn.ID)
	}
	if len(drop) == 0 {
		return 0, nil
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		for chunk := range slices.Chunk(drop, 500) { // SQLite caps bound parameters
			for _, name := range []string{"DeleteScoresOfRuns", "DeleteScoreRuns"} {
				if err := s.execIn(ctx, tx, name, chunk); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune score runs: %w", err)
	}
	return len(drop), nil
}
