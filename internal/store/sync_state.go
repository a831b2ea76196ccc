package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
}

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
		} else {
			_, err = tx.ExecContext(ctx, s.q("SyncFailed"), now, msg, connector)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("finish sync run %d for %s: %w", runID, connector, err)
	}
	return nil
}

// SyncStates returns every connector's state, by name.
func (s *Store) SyncStates(ctx context.Context) (map[string]SyncState, error) {
	out := map[string]SyncState{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var st SyncState
		var ok, bad sql.NullTime
		if err := r.Scan(&st.Connector, &st.Cursor, &ok, &st.LastError, &bad, &st.ConsecutiveFailures); err != nil {
			return err
		}
		st.LastSuccessAt, st.LastErrorAt = nullTime(ok), nullTime(bad)
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
	var r SyncRun
	var fin sql.NullTime
	err := s.db.QueryRowContext(ctx, s.q("LastSyncRun"), connector).
		Scan(&r.ID, &r.Connector, &r.StartedAt, &fin, &r.Status, &r.Pages, &r.Records, &r.Problems, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read last sync run of %s: %w", connector, err)
	}
	r.StartedAt = r.StartedAt.UTC()
	r.FinishedAt = nullTime(fin)
	return r, nil
}

// LastDataChange is when data last arrived: the end of the newest successful sync or push
// that brought records. Zero when nothing ever did.
func (s *Store) LastDataChange(ctx context.Context) (time.Time, error) {
	var t *time.Time
	if err := s.db.GetContext(ctx, &t, s.q("LastDataChange")); err != nil {
		return time.Time{}, fmt.Errorf("last data change: %w", err)
	}
	if t == nil {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}
