package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

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
	if err := s.db.SelectContext(ctx, &runs, `SELECT id, created_at FROM score_runs ORDER BY id DESC`); err != nil {
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
		for chunk := range slices.Chunk(drop, 500) {
			for _, table := range []string{"scores", "score_runs"} {
				col := "run_id"
				if table == "score_runs" {
					col = "id"
				}
				q, args, err := sqlx.In(`DELETE FROM `+table+` WHERE `+col+` IN (?)`, chunk)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
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

// LastDataChange is when data last arrived: the end of the newest successful sync or push
// that brought records. Zero when nothing ever did.
func (s *Store) LastDataChange(ctx context.Context) (time.Time, error) {
	var t *time.Time
	if err := s.db.GetContext(ctx, &t, `SELECT MAX(finished_at) FROM sync_runs WHERE status = 'ok' AND records > 0`); err != nil {
		return time.Time{}, fmt.Errorf("last data change: %w", err)
	}
	if t == nil {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}
