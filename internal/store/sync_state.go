package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/jmoiron/sqlx"
)

// SyncState is what Advocate remembers about one connector between runs.
type SyncState struct {
	Connector           string     `db:"connector" json:"connector"`
	Cursor              string     `db:"cursor" json:"-"`
	LastSuccessAt       *time.Time `json:"last_success_at"`
	LastError           string     `db:"last_error" json:"last_error,omitempty"`
	LastErrorAt         *time.Time `json:"last_error_at,omitempty"`
	ConsecutiveFailures int        `db:"consecutive_failures" json:"consecutive_failures"`
	// NextAttemptAt, while a failing connector backs off, is when a scheduled sync may try it
	// again; nil when it is healthy.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// RunInterrupted is the status of a run whose process died before it finished.
const RunInterrupted = "interrupted"

// Backoff says how long a connector waits after failures consecutive failed runs (at least 1).
type Backoff func(failures int) time.Duration

// SyncRun is one recorded run of one connector.
type SyncRun struct {
	ID         int64      `json:"id"`
	Connector  string     `json:"connector"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Status     string     `json:"status"`
	Pages      int        `json:"pages"`
	Records    int        `json:"records"`
	Problems   int        `json:"problems"`
	Error      string     `json:"error,omitempty"`
	// APICalls is how many requests the run sent to the vendor, retries included.
	APICalls int `json:"api_calls"`
	// APILimit is the vendor's limit as the run's last response reported it; nil when the
	// vendor reports none.
	APILimit *connectors.Limit `json:"api_limit,omitempty"`
}

// BeginSyncRun records the start of a run and returns its id and the cursor to resume from.
func (s *Store) BeginSyncRun(ctx context.Context, connector string) (runID int64, cursor string, err error) {
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("EnsureSyncState"), connector); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &cursor, s.q("SyncCursor"), connector); err != nil {
			return err
		}
		return tx.GetContext(ctx, &runID, s.q("InsertSyncRun"), connector, now)
	})
	if err != nil {
		return 0, "", fmt.Errorf("begin sync run for %s: %w", connector, err)
	}
	return runID, cursor, nil
}

// FinishSyncRun closes a run. A nil runErr marks success; otherwise the failure is recorded and
// counted, and the cursor stays where the last committed page left it.
func (s *Store) FinishSyncRun(ctx context.Context, runID int64, connector string, problems int, runErr error) error {
	return s.FinishSyncRunBackoff(ctx, runID, connector, problems, runErr, nil)
}

// FinishSyncRunBackoff is FinishSyncRun that, after a failure, also sets the connector's next
// attempt to now + backoff(consecutive failures). A nil backoff sets none.
func (s *Store) FinishSyncRunBackoff(ctx context.Context, runID int64, connector string, problems int, runErr error, backoff Backoff) error {
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		status, msg := "ok", ""
		if runErr != nil {
			status, msg = "failed", runErr.Error()
		}
		if _, err := tx.ExecContext(ctx, s.q("FinishSyncRun"), now, status, msg, problems, runID); err != nil {
			return err
		}
		var err error
		if runErr == nil {
			_, err = tx.ExecContext(ctx, s.q("SyncSucceeded"), now, connector)
			return err
		}
		if _, err = tx.ExecContext(ctx, s.q("SyncFailed"), now, msg, connector); err != nil || backoff == nil {
			return err
		}
		var failures int
		if err := tx.GetContext(ctx, &failures, s.q("SyncFailures"), connector); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q("SetNextSyncAttempt"), now.Add(backoff(failures)), connector)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish sync run %d for %s: %w", runID, connector, err)
	}
	return nil
}

// RecordSyncBudget stores a run's API calls and the vendor's limit as last reported (nil:
// none reported).
func (s *Store) RecordSyncBudget(ctx context.Context, runID int64, calls int, limit *connectors.Limit) error {
	var remaining, lim sql.NullInt64
	window := ""
	if limit != nil {
		remaining, lim = sql.NullInt64{Int64: limit.Remaining, Valid: true}, sql.NullInt64{Int64: limit.Limit, Valid: true}
		window = limit.Window
	}
	if _, err := s.db.ExecContext(ctx, s.q("SetSyncRunBudget"), calls, remaining, lim, window, runID); err != nil {
		return fmt.Errorf("record API budget of sync run %d: %w", runID, err)
	}
	return nil
}

// SyncStates returns every connector's state, by name.
func (s *Store) SyncStates(ctx context.Context) (map[string]SyncState, error) {
	out := map[string]SyncState{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var st SyncState
		var ok, bad, next sql.NullTime
		if err := r.Scan(&st.Connector, &st.Cursor, &ok, &st.LastError, &bad, &st.ConsecutiveFailures, &next); err != nil {
			return err
		}
		st.LastSuccessAt, st.LastErrorAt, st.NextAttemptAt = nullTime(ok), nullTime(bad), nullTime(next)
		out[st.Connector] = st
		return nil
	}, s.q("SyncStates"))
	if err != nil {
		return nil, fmt.Errorf("read sync state: %w", err)
	}
	return out, nil
}

// LastSyncRun returns the newest run of a connector, or ErrNotFound.
func (s *Store) LastSyncRun(ctx context.Context, connector string) (SyncRun, error) {
	r, err := scanOne(s.db.QueryRowContext(ctx, s.q("LastSyncRun"), connector), scanSyncRun)
	if err != nil {
		return r, fmt.Errorf("read last sync run of %s: %w", connector, err)
	}
	return r, nil
}

// SyncRuns returns a connector's newest runs, newest first, at most limit.
func (s *Store) SyncRuns(ctx context.Context, connector string, limit int) ([]SyncRun, error) {
	out, err := collect(ctx, s.db, scanSyncRun, s.q("SyncRuns"), connector, limit)
	if err != nil {
		return nil, fmt.Errorf("read sync runs of %s: %w", connector, err)
	}
	return out, nil
}

// scanOne reads one row with scan; no row is ErrNotFound.
func scanOne[T any](row rowScanner, scan func(rowScanner) (T, error)) (T, error) {
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

func scanSyncRun(row rowScanner) (SyncRun, error) {
	var r SyncRun
	var fin sql.NullTime
	var remaining, limit sql.NullInt64
	var window string
	if err := row.Scan(&r.ID, &r.Connector, &r.StartedAt, &fin, &r.Status, &r.Pages, &r.Records, &r.Problems, &r.Error,
		&r.APICalls, &remaining, &limit, &window); err != nil {
		return r, err
	}
	if limit.Valid {
		r.APILimit = &connectors.Limit{Remaining: remaining.Int64, Limit: limit.Int64, Window: window}
	}
	r.StartedAt = r.StartedAt.UTC()
	r.FinishedAt = nullTime(fin)
	return r, nil
}

// Interrupted counts a connector's runs that a dying process left unfinished.
type Interrupted struct {
	Runs          int        `json:"runs"`
	LastStartedAt *time.Time `json:"last_started_at,omitempty"`
}

// InterruptedRuns returns, per connector that had any, its interrupted runs.
func (s *Store) InterruptedRuns(ctx context.Context) (map[string]Interrupted, error) {
	out := map[string]Interrupted{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var name string
		var in Interrupted
		var last sql.NullTime
		if err := r.Scan(&name, &in.Runs, &last); err != nil {
			return err
		}
		in.LastStartedAt = nullTime(last)
		out[name] = in
		return nil
	}, s.q("InterruptedRuns"))
	if err != nil {
		return nil, fmt.Errorf("read interrupted sync runs: %w", err)
	}
	return out, nil
}

// LastDataChange is when data last arrived: the end of the newest successful sync or push
// that brought records. Zero when nothing ever did.
func (s *Store) LastDataChange(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.GetContext(ctx, &t, s.q("LastDataChange"))
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("last data change: %w", err)
	}
	return t.UTC(), nil
}

// NextSyncAttempt is when a backing-off connector may be tried again: nil when it is not
// backing off (or never ran).
func (s *Store) NextSyncAttempt(ctx context.Context, connector string) (*time.Time, error) {
	var next sql.NullTime
	err := s.db.QueryRowContext(ctx, s.q("NextSyncAttempt"), connector).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read next sync attempt of %s: %w", connector, err)
	}
	return nullTime(next), nil
}

// InterruptSyncRuns marks the connector's runs still "running" as interrupted and returns how
// many there were. Call it only while holding the connector's sync lock: then no live process
// is running it, and a "running" row was left by one that died.
func (s *Store) InterruptSyncRuns(ctx context.Context, connector string) (int, error) {
	var n int64
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, s.q("InterruptSyncRuns"), now, "interrupted: the process running it stopped before it finished", connector)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs of %s: %w", connector, err)
	}
	return int(n), nil
}
