package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// SaveScoreRun stores a run and all its scores in one transaction and returns the run. Every
// customer's rank, score, confidence, eligibility and failed gates go into packs of a few thousand
// (scorepack.go, table score_packs); only the scores with detail — contributions or reasons,
// which scoring gives the top of a large base and everyone in a small one — also get a full row
// in scores. A million rows cost seconds to write however they are sent; a few hundred packs do
// not (issue 16). Contributions are stored compactly — [value or null, points, weight] per signal
// in the run's signal order — because even the detailed rows would otherwise repeat field names.
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
	sorted, err := byCustomerID(scores)
	if err != nil {
		return ScoreRun{}, fmt.Errorf("save score run: %w", err)
	}
	w := scoreWrite{run: &run, signalsJSON: string(signalsJSON), packs: buildPacks(sorted), col: col}
	for _, sc := range sorted {
		if len(sc.Contributions) > 0 || len(sc.Reasons) > 0 {
			w.detailed = append(w.detailed, sc)
		}
	}
	if s.dialect == Postgres {
		err = s.saveScoresPostgres(ctx, &w)
	} else {
		err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error { return s.saveScoresSQLite(ctx, tx, now, &w) })
	}
	if err != nil {
		return ScoreRun{}, fmt.Errorf("save score run: %w", err)
	}
	return run, nil
}

// scoreWrite is what one run writes: the run row, its packs and its detailed rows.
type scoreWrite struct {
	run         *ScoreRun
	signalsJSON string
	packs       []scorePack
	detailed    []*Score // in customer-id order
	col         map[string]int
}

// scorePack is one pack of a run as stored: the first customer id it holds and its data, which
// is set when ready is closed.
type scorePack struct {
	first string
	data  []byte
	ready chan struct{}
}

// byCustomerID returns the scores in customer-id order, or an error when an id repeats (the
// row form's primary key refused that too). Packs and rows are written in that order: the
// primary keys lead with the run, then the id, so sorted input makes inserts appends.
// The sort compares 8 bytes of each id past the prefix all ids share, loaded once into the sort
// key, and reads the ids themselves only on a tie: comparing strings scattered over a million
// allocations missed the cache on nearly every comparison.
func byCustomerID(scores []Score) ([]*Score, error) {
	type key struct {
		head uint64 // big-endian bytes [skip, skip+8) of the id, zero-padded
		i    int
	}
	skip := 0
	if len(scores) > 0 {
		skip = len(scores[0].CustomerID)
		for i := range scores {
			skip = min(skip, commonPrefix(scores[0].CustomerID[:skip], scores[i].CustomerID))
		}
	}
	keys := make([]key, len(scores))
	for i := range scores {
		var b [8]byte
		copy(b[:], scores[i].CustomerID[skip:])
		keys[i] = key{binary.BigEndian.Uint64(b[:]), i}
	}
	byID := func(a, b key) int {
		if a.head != b.head {
			return cmp.Compare(a.head, b.head)
		}
		return strings.Compare(scores[a.i].CustomerID, scores[b.i].CustomerID)
	}
	// The two halves sort on two cores, then merge.
	lo, hi := keys[:len(keys)/2], keys[len(keys)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(lo, byID) })
	slices.SortFunc(hi, byID)
	wg.Wait()
	out := make([]*Score, 0, len(keys))
	for len(lo) > 0 || len(hi) > 0 {
		var k key
		if len(hi) == 0 || len(lo) > 0 && byID(lo[0], hi[0]) <= 0 {
			k, lo = lo[0], lo[1:]
		} else {
			k, hi = hi[0], hi[1:]
		}
		out = append(out, &scores[k.i])
		if n := len(out); n > 1 && out[n-1].CustomerID == out[n-2].CustomerID {
			return nil, fmt.Errorf("customer %s scored twice", out[n-1].CustomerID)
		}
	}
	return out, nil
}

// buildPacks encodes sorted scores into packs of packSize on every core, and returns them at
// once: a pack's ready channel closes when its data is encoded, so writing the first packs
// overlaps encoding the rest.
func buildPacks(sorted []*Score) []scorePack {
	packs := make([]scorePack, (len(sorted)+packSize-1)/packSize)
	for k := range packs {
		packs[k].first = sorted[k*packSize].CustomerID
		packs[k].ready = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), len(packs))
	for w := range workers {
		go func() {
			for k := w; k < len(packs); k += workers {
				chunk := sorted[k*packSize : min((k+1)*packSize, len(sorted))]
				packs[k].data = encodePack(make([]byte, 0, 40*len(chunk)), chunk)
				close(packs[k].ready)
			}
		}()
	}
	return packs
}

// saveScoresSQLite writes w in tx: the run, its packs, its detailed rows.
func (s *Store) saveScoresSQLite(ctx context.Context, tx *sqlx.Tx, now time.Time, w *scoreWrite) error {
	run := w.run
	run.CreatedAt = now
	if err := tx.GetContext(ctx, &run.ID, s.q("InsertScoreRun"), now, run.ModelHash, w.signalsJSON, run.Customers, run.Eligible); err != nil {
		return err
	}
	for i := range w.packs {
		p := &w.packs[i]
		<-p.ready // data is set by then
		if _, err := tx.ExecContext(ctx, s.q("InsertScorePack"), run.ID, p.first, p.data); err != nil {
			return fmt.Errorf("score pack from %s: %w", p.first, err)
		}
	}
	stmt, err := tx.PrepareContext(ctx, s.q("InsertScore"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	buf := make([]byte, 0, 512)
	for _, sc := range w.detailed {
		buf = encodeContributions(buf[:0], sc.Contributions, w.col)
		if _, err := stmt.ExecContext(ctx, run.ID, sc.CustomerID, sc.Rank, sc.Score, sc.Confidence, sc.Eligible,
			encodeStrings(sc.FailedGates), string(buf), encodeStrings(sc.Reasons)); err != nil {
			return fmt.Errorf("score of %s: %w", sc.CustomerID, err)
		}
	}
	return nil
}

// saveScoresPostgres stores w in one transaction, the packs and the detailed rows through COPY
// with lines formatted here (copyText): database/sql's per-row Exec cost more than the COPY.
// The COPYs are written here rather than in queries/ because they cannot be prepared at boot to
// check them (a prepared COPY starts the copy).
func (s *Store) saveScoresPostgres(ctx context.Context, w *scoreWrite) error {
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
	run := w.run
	run.CreatedAt = s.Now().UTC()
	if err := tx.QueryRowContext(ctx, s.q("InsertScoreRun"), run.CreatedAt, run.ModelHash, w.signalsJSON, run.Customers, run.Eligible).Scan(&run.ID); err != nil {
		return err
	}
	runID := strconv.FormatInt(run.ID, 10)
	k := 0
	// bytea in COPY's text format is \\x and hex digits (the backslash escaped for COPY).
	err = copyText(ctx, conn, "score_packs", "run_id, first_id, data", func(b []byte) ([]byte, bool) {
		if k == len(w.packs) {
			return b, false
		}
		p := &w.packs[k]
		k++
		<-p.ready
		b = append(b, runID...)
		b = append(b, '\t')
		b = appendCopyText(b, p.first)
		b = append(b, "\t\\\\x"...)
		return hex.AppendEncode(b, p.data), true
	})
	if err != nil {
		return fmt.Errorf("score packs: %w", err)
	}
	k = 0
	err = copyText(ctx, conn, "scores", "run_id, customer_id, rank, score, confidence, eligible, failed_gates, contributions, reasons",
		func(b []byte) ([]byte, bool) {
			if k == len(w.detailed) {
				return b, false
			}
			sc := w.detailed[k]
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
			b = encodeContributions(b, sc.Contributions, w.col) // JSON numbers and punctuation only
			b = append(b, '\t')
			return appendCopyText(b, encodeStrings(sc.Reasons)), true
		})
	if err != nil {
		return fmt.Errorf("detailed scores: %w", err)
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

// Retention says which score runs are kept: every run younger than Recent, and the newest run of
// each ISO week younger than Weekly (what trends and "score last week" read).
type Retention struct {
	Recent time.Duration
	Weekly time.Duration
}

// DefaultRetention keeps a week of every run and two years of weekly runs.
var DefaultRetention = Retention{Recent: 8 * 24 * time.Hour, Weekly: 2 * 365 * 24 * time.Hour}

// PruneScoreRuns deletes the score runs (and their scores and packs) that r does not keep, never the
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
			for _, name := range []string{"DeleteScoresOfRuns", "DeleteScorePacksOfRuns", "DeleteScoreRuns"} {
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
