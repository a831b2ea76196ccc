package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Gauges is the state of the pipeline as the operator's dashboards show it, read from the
// database (so every replica reports the same numbers, right after a restart too).
type Gauges struct {
	Connectors  []ConnectorGauge
	Outbox      map[string]int // every status of OutboxStatuses, 0 when none
	Enrollments map[string]int // every status of EnrollmentStatuses, 0 when none
	// LastScore is the newest score run; nil before the first.
	LastScore *ScoreGauge
}

// ConnectorGauge is one connector's sync health (sync_state; the affiliate outcome sync and
// push sources included).
type ConnectorGauge struct {
	Name                string
	LastSuccessAt       *time.Time // nil: never synced successfully
	ConsecutiveFailures int
}

// ScoreGauge is what the newest score run counted.
type ScoreGauge struct {
	At                  time.Time
	Customers, Eligible int
}

// OutboxStatuses are the outbox states (the CHECK constraint of outbox.status).
var OutboxStatuses = []string{"pending", "sending", "sent", "failed", "cancelled"}

// EnrollmentStatuses are the enrollment states SetEnrollmentStatus and EndEnrollment write.
var EnrollmentStatuses = []string{"active", "paused", "stopped", "completed"}

// Gauges reads the gauges' values. Reads are not one snapshot: each figure is exact, the
// figures may be milliseconds apart, which a dashboard cannot tell.
func (s *Store) Gauges(ctx context.Context) (Gauges, error) {
	var g Gauges
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var c ConnectorGauge
		var ok sql.NullTime
		if err := r.Scan(&c.Name, &ok, &c.ConsecutiveFailures); err != nil {
			return err
		}
		c.LastSuccessAt = nullTime(ok)
		g.Connectors = append(g.Connectors, c)
		return nil
	}, s.q("GaugeConnectors"))
	if err != nil {
		return g, fmt.Errorf("gauges: connectors: %w", err)
	}
	if g.Outbox, err = s.OutboxCounts(ctx); err != nil {
		return g, fmt.Errorf("gauges: %w", err)
	}
	zeroFill(g.Outbox, OutboxStatuses)
	if g.Enrollments, err = pairs[string, int](ctx, s.db, s.q("GaugeEnrollments")); err != nil {
		return g, fmt.Errorf("gauges: enrollments: %w", err)
	}
	zeroFill(g.Enrollments, EnrollmentStatuses)
	var sc ScoreGauge
	switch err := s.db.QueryRowContext(ctx, s.q("GaugeScoreRun")).Scan(&sc.At, &sc.Customers, &sc.Eligible); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return g, fmt.Errorf("gauges: last score run: %w", err)
	default:
		sc.At = sc.At.UTC()
		g.LastScore = &sc
	}
	return g, nil
}

// zeroFill adds the known states a count lacks, so a state's series exists (at 0) before its
// first row and alerts on it can fire without absent() tricks.
func zeroFill(m map[string]int, states []string) {
	for _, st := range states {
		if _, ok := m[st]; !ok {
			m[st] = 0
		}
	}
}
