package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ShortlistEntry is one candidate on a stored shortlist.
type ShortlistEntry struct {
	CustomerID   string   `json:"customer_id"`
	Rank         int      `json:"rank"`
	Score        float64  `json:"score"`
	ContactEmail string   `json:"contact_email"`
	ContactName  string   `json:"contact_name"`
	ContactRole  string   `json:"contact_role"`
	Reasons      []string `json:"reasons"`
	Caution      string   `json:"caution,omitempty"`
}

// Shortlist is the stored shortlist of one ISO week.
type Shortlist struct {
	ID         int64            `json:"id"`
	Week       string           `json:"week"`
	ScoreRunID int64            `json:"score_run_id"`
	CreatedAt  time.Time        `json:"created_at"`
	PostedAt   *time.Time       `json:"posted_at,omitempty"`
	Entries    []ShortlistEntry `json:"entries"`
}

// ErrShortlistPosted is returned when replacing a week's shortlist that was already sent.
var ErrShortlistPosted = errors.New("this week's shortlist was already posted")

// SaveShortlist stores the week's shortlist, replacing an earlier version that was not posted yet.
func (s *Store) SaveShortlist(ctx context.Context, week string, scoreRunID int64, entries []ShortlistEntry) (Shortlist, error) {
	sl := Shortlist{Week: week, ScoreRunID: scoreRunID, Entries: entries}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var posted sql.NullTime
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT id, posted_at FROM shortlists WHERE week = ?`), week).Scan(&sl.ID, &posted)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.GetContext(ctx, &sl.ID, s.rebind(`INSERT INTO shortlists (week, score_run_id, created_at) VALUES (?, ?, ?) RETURNING id`),
				week, scoreRunID, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case posted.Valid:
			return ErrShortlistPosted
		case s.hasMessages(ctx, tx, sl.ID):
			// Posting began (the messages are planned, some maybe sent): the list is frozen so
			// a resumed post sends the same candidates the first messages showed.
			return ErrShortlistPosted
		default:
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM shortlist_entries WHERE shortlist_id = ?`), sl.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE shortlists SET score_run_id = ?, created_at = ? WHERE id = ?`), scoreRunID, now, sl.ID); err != nil {
				return err
			}
		}
		sl.CreatedAt = now
		for _, e := range entries {
			reasons, _ := json.Marshal(nonNil(e.Reasons))
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO shortlist_entries (shortlist_id, customer_id, rank, score, contact_email, contact_name, contact_role, reasons, caution)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), sl.ID, e.CustomerID, e.Rank, e.Score, e.ContactEmail, e.ContactName, e.ContactRole, string(reasons), e.Caution); err != nil {
				return fmt.Errorf("entry %s: %w", e.CustomerID, err)
			}
		}
		return nil
	})
	if err != nil {
		return Shortlist{}, fmt.Errorf("save shortlist for %s: %w", week, err)
	}
	return sl, nil
}

// hasMessages reports whether a shortlist's Slack messages were planned. An error reads as
// true: refusing to rebuild is the safe side.
func (s *Store) hasMessages(ctx context.Context, tx *sqlx.Tx, id int64) bool {
	var n int
	if err := tx.GetContext(ctx, &n, s.rebind(`SELECT COUNT(*) FROM shortlist_messages WHERE shortlist_id = ?`), id); err != nil {
		return true
	}
	return n > 0
}

// GetShortlist reads the shortlist of a week, or ErrNotFound.
func (s *Store) GetShortlist(ctx context.Context, week string) (Shortlist, error) {
	var sl Shortlist
	var posted sql.NullTime
	var run sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, week, score_run_id, created_at, posted_at FROM shortlists WHERE week = ?`), week).
		Scan(&sl.ID, &sl.Week, &run, &sl.CreatedAt, &posted)
	if errors.Is(err, sql.ErrNoRows) {
		return sl, fmt.Errorf("shortlist %s: %w", week, ErrNotFound)
	}
	if err != nil {
		return sl, fmt.Errorf("read shortlist %s: %w", week, err)
	}
	sl.ScoreRunID, sl.CreatedAt, sl.PostedAt = run.Int64, sl.CreatedAt.UTC(), nullTime(posted)
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT customer_id, rank, score, contact_email, contact_name, contact_role, reasons, caution
		FROM shortlist_entries WHERE shortlist_id = ? ORDER BY rank`), sl.ID)
	if err != nil {
		return sl, fmt.Errorf("read shortlist %s entries: %w", week, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ShortlistEntry
		var reasons []byte
		if err := rows.Scan(&e.CustomerID, &e.Rank, &e.Score, &e.ContactEmail, &e.ContactName, &e.ContactRole, &reasons, &e.Caution); err != nil {
			return sl, err
		}
		if err := json.Unmarshal(reasons, &e.Reasons); err != nil {
			return sl, err
		}
		sl.Entries = append(sl.Entries, e)
	}
	return sl, rows.Err()
}

// Decision is what a CSM decided about a candidate.
type Decision struct {
	ID         int64      `json:"id"`
	CustomerID string     `json:"customer_id"`
	Kind       string     `json:"kind"` // approve | skip | snooze
	DecidedBy  string     `json:"decided_by"`
	DecidedAt  time.Time  `json:"decided_at"`
	Until      *time.Time `json:"until,omitempty"`
	Week       string     `json:"week,omitempty"`
	Via        string     `json:"via"` // cli | slack
}

// RecordDecision appends a decision; the newest per customer is the one in force.
func (s *Store) RecordDecision(ctx context.Context, d Decision) (Decision, error) {
	switch d.Kind {
	case "approve", "skip", "snooze":
	default:
		return d, fmt.Errorf("record decision: unknown kind %q (want approve, skip or snooze)", d.Kind)
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if d.DecidedAt.IsZero() {
			d.DecidedAt = now
		}
		if d.Via == "" {
			d.Via = "cli"
		}
		return tx.GetContext(ctx, &d.ID, s.rebind(`INSERT INTO decisions (customer_id, kind, decided_by, decided_at, until, week, via) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			d.CustomerID, d.Kind, d.DecidedBy, d.DecidedAt, d.Until, d.Week, d.Via)
	})
	if err != nil {
		return d, fmt.Errorf("record %s of %s: %w", d.Kind, d.CustomerID, err)
	}
	return d, nil
}

// LatestDecisions returns the decision in force per customer.
func (s *Store) LatestDecisions(ctx context.Context) (map[string]Decision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.customer_id, d.kind, d.decided_by, d.decided_at, d.until, d.week, d.via FROM decisions d
		WHERE d.id = (SELECT MAX(id) FROM decisions x WHERE x.customer_id = d.customer_id)`)
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	defer rows.Close()
	out := map[string]Decision{}
	for rows.Next() {
		var d Decision
		var until sql.NullTime
		if err := rows.Scan(&d.ID, &d.CustomerID, &d.Kind, &d.DecidedBy, &d.DecidedAt, &until, &d.Week, &d.Via); err != nil {
			return nil, fmt.Errorf("read decisions: %w", err)
		}
		d.DecidedAt, d.Until = d.DecidedAt.UTC(), nullTime(until)
		out[d.CustomerID] = d
	}
	return out, rows.Err()
}
