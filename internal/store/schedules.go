package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// JobSchedule is one periodic job's turn as the whole cluster sees it.
type JobSchedule struct {
	Name      string     `json:"name"`
	Spec      string     `json:"spec"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	NextRunAt time.Time  `json:"next_run_at"`
}

// EnsureSchedule makes sure job name has a schedule row and returns its next turn. A new job's
// first turn is next; a job whose spec changed since the row was written gets the new spec and
// next.
func (s *Store) EnsureSchedule(ctx context.Context, name, spec string, next time.Time) (time.Time, error) {
	var js JobSchedule
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		next := next.UTC()
		if _, err := tx.ExecContext(ctx, s.q("EnsureSchedule"), name, spec, next); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("ResetSchedule"), spec, next, name, spec); err != nil {
			return err
		}
		var err error
		js, err = scanSchedule(tx.QueryRowContext(ctx, s.q("JobSchedule"), name))
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("ensure schedule of job %s: %w", name, err)
	}
	return js.NextRunAt, nil
}

// NextScheduledRun is job name's stored next turn.
func (s *Store) NextScheduledRun(ctx context.Context, name string) (time.Time, error) {
	js, err := s.JobSchedule(ctx, name)
	return js.NextRunAt, err
}

// JobSchedule returns job name's schedule, or ErrNotFound.
func (s *Store) JobSchedule(ctx context.Context, name string) (JobSchedule, error) {
	js, err := scanOne(s.db.QueryRowContext(ctx, s.q("JobSchedule"), name), scanSchedule)
	if err != nil {
		return js, fmt.Errorf("read schedule of job %s: %w", name, err)
	}
	return js, nil
}

// JobSchedules returns every job's schedule, by name.
func (s *Store) JobSchedules(ctx context.Context) ([]JobSchedule, error) {
	out, err := collect(ctx, s.db, scanSchedule, s.q("JobSchedules"))
	if err != nil {
		return nil, fmt.Errorf("read job schedules: %w", err)
	}
	return out, nil
}

// ClaimScheduledRun takes job name's turn that was due at now, moving its next turn to next
// (which must be after now). It is one conditional UPDATE: of replicas claiming the same turn,
// exactly one sees claimed = true, and only that one runs the job.
func (s *Store) ClaimScheduledRun(ctx context.Context, name string, now, next time.Time) (claimed bool, err error) {
	res, err := s.db.ExecContext(ctx, s.q("ClaimScheduledRun"), now.UTC(), next.UTC(), name, now.UTC())
	if err != nil {
		return false, fmt.Errorf("claim the turn of job %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim the turn of job %s: %w", name, err)
	}
	return n == 1, nil
}

func scanSchedule(r rowScanner) (JobSchedule, error) {
	var js JobSchedule
	var last sql.NullTime
	if err := r.Scan(&js.Name, &js.Spec, &last, &js.NextRunAt); err != nil {
		return js, err
	}
	js.LastRunAt, js.NextRunAt = nullTime(last), js.NextRunAt.UTC()
	return js, nil
}
