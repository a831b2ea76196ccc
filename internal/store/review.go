package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ShortlistMessage is one Slack message of a week's shortlist: planned first, then sent.
type ShortlistMessage struct {
	ID            int64      `json:"id"`
	Week          string     `json:"week"`
	Seq           int        `json:"seq"`
	Recipient     string     `json:"recipient,omitempty"` // CSM email for a DM; "" for the channel
	Channel       string     `json:"channel"`             // channel name/id, or a Slack user id for a DM
	Text          string     `json:"text"`
	Blocks        string     `json:"blocks"` // Block Kit JSON
	PostedChannel string     `json:"posted_channel,omitempty"`
	TS            string     `json:"ts,omitempty"` // "" until sent
	PostedAt      *time.Time `json:"posted_at,omitempty"`
}

// Sent reports whether the message reached Slack.
func (m ShortlistMessage) Sent() bool { return m.TS != "" }

const shortlistMessageCols = `m.id, s.week, m.seq, m.recipient, m.channel, m.text, m.blocks, m.posted_channel, m.ts, m.posted_at`

func scanShortlistMessage(r rowScanner) (ShortlistMessage, error) {
	var m ShortlistMessage
	var posted sql.NullTime
	err := r.Scan(&m.ID, &m.Week, &m.Seq, &m.Recipient, &m.Channel, &m.Text, &m.Blocks, &m.PostedChannel, &m.TS, &posted)
	m.PostedAt = nullTime(posted)
	return m, err
}

// PlanShortlistMessages freezes the messages a week's shortlist will be posted as. The first
// plan wins: when the week already has one it is returned unchanged and plan is ignored, so a
// poster restarted mid-week sends exactly what the first run meant to send. Once planned, the
// week's shortlist is no longer rebuilt (SaveShortlist returns ErrShortlistPosted).
func (s *Store) PlanShortlistMessages(ctx context.Context, week string, plan []ShortlistMessage) ([]ShortlistMessage, error) {
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var id int64
		if err := tx.GetContext(ctx, &id, s.rebind(`SELECT id FROM shortlists WHERE week = ?`), week); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no shortlist stored for %s: %w", week, ErrNotFound)
		} else if err != nil {
			return err
		}
		var have int
		if err := tx.GetContext(ctx, &have, s.rebind(`SELECT COUNT(*) FROM shortlist_messages WHERE shortlist_id = ?`), id); err != nil {
			return err
		}
		if have > 0 {
			return nil
		}
		for i, m := range plan {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO shortlist_messages (shortlist_id, seq, recipient, channel, text, blocks) VALUES (?, ?, ?, ?, ?, ?)`),
				id, i, m.Recipient, m.Channel, m.Text, m.Blocks); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan shortlist messages for %s: %w", week, err)
	}
	return s.ShortlistMessages(ctx, week)
}

// ShortlistMessages returns a week's planned messages in posting order (none: an empty slice).
func (s *Store) ShortlistMessages(ctx context.Context, week string) ([]ShortlistMessage, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+shortlistMessageCols+` FROM shortlist_messages m JOIN shortlists s ON s.id = m.shortlist_id
		WHERE s.week = ? ORDER BY m.seq`), week)
	if err != nil {
		return nil, fmt.Errorf("read shortlist messages of %s: %w", week, err)
	}
	defer rows.Close()
	out := []ShortlistMessage{}
	for rows.Next() {
		m, err := scanShortlistMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("read shortlist messages of %s: %w", week, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// FindShortlistMessage finds a sent message by the channel id and ts Slack reported, or ErrNotFound.
func (s *Store) FindShortlistMessage(ctx context.Context, channel, ts string) (ShortlistMessage, error) {
	m, err := scanShortlistMessage(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+shortlistMessageCols+` FROM shortlist_messages m
		JOIN shortlists s ON s.id = m.shortlist_id WHERE m.posted_channel = ? AND m.ts = ?`), channel, ts))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("shortlist message %s/%s: %w", channel, ts, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("find shortlist message %s/%s: %w", channel, ts, err)
	}
	return m, nil
}

// MarkShortlistMessageSent records where and as what Slack stored a planned message. When it
// was the week's last unsent message, the shortlist itself is marked posted (posted_at, and
// channel/message_ts of the first message).
func (s *Store) MarkShortlistMessageSent(ctx context.Context, id int64, channel, ts string) error {
	if ts == "" {
		return fmt.Errorf("mark shortlist message %d sent: empty ts", id)
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var shortlistID int64
		if err := tx.GetContext(ctx, &shortlistID, s.rebind(`SELECT shortlist_id FROM shortlist_messages WHERE id = ?`), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE shortlist_messages SET posted_channel = ?, ts = ?, posted_at = ? WHERE id = ?`),
			channel, ts, now, id); err != nil {
			return err
		}
		var unsent int
		if err := tx.GetContext(ctx, &unsent, s.rebind(`SELECT COUNT(*) FROM shortlist_messages WHERE shortlist_id = ? AND ts = ''`), shortlistID); err != nil {
			return err
		}
		if unsent > 0 {
			return nil
		}
		var firstChannel, firstTS string
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT posted_channel, ts FROM shortlist_messages WHERE shortlist_id = ? ORDER BY seq LIMIT 1`), shortlistID).
			Scan(&firstChannel, &firstTS); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.rebind(`UPDATE shortlists SET posted_at = ?, channel = ?, message_ts = ? WHERE id = ? AND posted_at IS NULL`),
			now, firstChannel, firstTS, shortlistID)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark shortlist message %d sent: %w", id, err)
	}
	return nil
}

// MarkShortlistPosted marks a week posted without messages (nothing to send, e.g. no Slack
// recipient for anyone), so the scheduled job does not try again every turn.
func (s *Store) MarkShortlistPosted(ctx context.Context, week string) error {
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, s.rebind(`UPDATE shortlists SET posted_at = ? WHERE week = ? AND posted_at IS NULL`), now, week)
		if err != nil {
			return fmt.Errorf("mark shortlist %s posted: %w", week, err)
		}
		return nil
	})
}

// RecordSlackDecision records a decision made with a Slack button. The first one per customer
// and shortlist week wins: a repeated click (or a second CSM) gets the decision already in
// force back with created=false, so a double click is one decision.
func (s *Store) RecordSlackDecision(ctx context.Context, d Decision) (Decision, bool, error) {
	switch d.Kind {
	case "approve", "skip", "snooze":
	default:
		return d, false, fmt.Errorf("record decision: unknown kind %q (want approve, skip or snooze)", d.Kind)
	}
	if d.Week == "" {
		return d, false, fmt.Errorf("record slack decision of %s: no week", d.CustomerID)
	}
	d.Via = "slack"
	var created bool
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if d.DecidedAt.IsZero() {
			d.DecidedAt = now
		}
		res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO decisions (customer_id, kind, decided_by, decided_at, until, week, via)
			VALUES (?, ?, ?, ?, ?, ?, 'slack') ON CONFLICT (customer_id, week) WHERE via = 'slack' DO NOTHING`),
			d.CustomerID, d.Kind, d.DecidedBy, d.DecidedAt, d.Until, d.Week)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		var until sql.NullTime
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT id, kind, decided_by, decided_at, until FROM decisions
			WHERE customer_id = ? AND week = ? AND via = 'slack'`), d.CustomerID, d.Week).Scan(&d.ID, &d.Kind, &d.DecidedBy, &d.DecidedAt, &until); err != nil {
			return err
		}
		d.DecidedAt, d.Until = d.DecidedAt.UTC(), nullTime(until)
		return nil
	})
	if err != nil {
		return d, false, fmt.Errorf("record %s of %s: %w", d.Kind, d.CustomerID, err)
	}
	return d, created, nil
}

// DecisionsOf returns the decision in force for each of ids that has one.
func (s *Store) DecisionsOf(ctx context.Context, ids []string) (map[string]Decision, error) {
	all, err := s.LatestDecisions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Decision{}
	for _, id := range ids {
		if d, ok := all[id]; ok {
			out[id] = d
		}
	}
	return out, nil
}

// LastAsked returns, per customer, the newest time anyone asked them to advocate: an
// enrollment in any sequence, or an approval. Customers never asked are absent.
func (s *Store) LastAsked(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, created_at FROM enrollments
		UNION ALL SELECT customer_id, decided_at FROM decisions WHERE kind = 'approve'`)
	if err != nil {
		return nil, fmt.Errorf("read when customers were last asked: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("read when customers were last asked: %w", err)
		}
		if at = at.UTC(); at.After(out[id]) {
			out[id] = at
		}
	}
	return out, rows.Err()
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
	err := s.db.GetContext(ctx, &runID, s.rebind(`SELECT id FROM score_runs WHERE created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1`), t.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find score run before %s: %w", t.Format(time.RFC3339), err)
	}
	q, args, err := sqlx.In(`SELECT customer_id, score FROM scores WHERE run_id = ? AND customer_id IN (?)`, runID, ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read scores of run %d: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sc float64
		if err := rows.Scan(&id, &sc); err != nil {
			return nil, err
		}
		out[id] = sc
	}
	return out, rows.Err()
}

// Alert is one queued Slack alert.
type Alert struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// QueueAlert stores an alert for the next digest.
func (s *Store) QueueAlert(ctx context.Context, kind, text string) (Alert, error) {
	a := Alert{Kind: kind, Text: text}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		a.CreatedAt = now
		return tx.GetContext(ctx, &a.ID, s.rebind(`INSERT INTO alerts (kind, text, created_at) VALUES (?, ?, ?) RETURNING id`), kind, text, now)
	})
	if err != nil {
		return a, fmt.Errorf("queue %s alert: %w", kind, err)
	}
	return a, nil
}

// PendingAlerts returns unsent alerts, oldest first, at most limit (<= 0: all).
func (s *Store) PendingAlerts(ctx context.Context, limit int) ([]Alert, error) {
	q := `SELECT id, kind, text, created_at FROM alerts WHERE sent_at IS NULL ORDER BY id`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read pending alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		if err := rows.Scan(&a.ID, &a.Kind, &a.Text, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("read pending alerts: %w", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// MarkAlertsSent marks alerts as delivered.
func (s *Store) MarkAlertsSent(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		q, args, err := sqlx.In(`UPDATE alerts SET sent_at = ? WHERE id IN (?)`, now, ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
			return fmt.Errorf("mark %d alerts sent: %w", len(ids), err)
		}
		return nil
	})
}

// AlertStates returns every remembered alert state whose key starts with prefix.
func (s *Store) AlertStates(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT key, state FROM alert_state WHERE substr(key, 1, ?) = ?`), len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read alert state: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetAlertState remembers what was last alerted about key; an empty state forgets it.
func (s *Store) SetAlertState(ctx context.Context, key, state string) error {
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var err error
		if state == "" {
			_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM alert_state WHERE key = ?`), key)
		} else {
			_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO alert_state (key, state, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`), key, state, now)
		}
		if err != nil {
			return fmt.Errorf("set alert state %s: %w", key, err)
		}
		return nil
	})
}
