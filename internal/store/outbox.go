package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/jmoiron/sqlx"
)

// An email is an outbox row before it is an SMTP conversation. Its life:
//
//	pending --claim--> sending --MarkSent--> sent
//	                      |--RetryEmail--> pending (next_attempt_at later)
//	                      |--FailEmail---> failed
//	                      '--lease expires (the sender died)--> claimable again
//	pending/sending --consent or enrollment check at claim--> cancelled
//
// Each arrow is its own committed transaction, so after a crash a row is either still
// pending (never sent), sent, or "sending" — the only ones that may have reached the SMTP
// server without being recorded, and the only ones that can repeat.

// OutboxEmail is one outbox row: a rendered email and its delivery state.
type OutboxEmail struct {
	ID             int64      `json:"id"`
	Key            string     `json:"key"` // unique: "<enrollment>/<step name>"
	EnrollmentID   int64      `json:"enrollment_id"`
	Step           int        `json:"step"`
	From           string     `json:"from"`
	ReplyTo        string     `json:"reply_to,omitempty"`
	To             string     `json:"to"` // lower-case address
	ToName         string     `json:"to_name,omitempty"`
	Subject        string     `json:"subject"`
	Text           string     `json:"-"`
	HTML           string     `json:"-"`
	UnsubscribeURL string     `json:"-"`
	MessageID      string     `json:"message_id"` // without angle brackets; stable across resends
	Status         string     `json:"status"`     // pending | sending | sent | failed | cancelled
	Attempts       int        `json:"attempts"`
	DueAt          time.Time  `json:"due_at"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// EnqueueEmail inserts an outbox row unless one with its key exists (created=false then: the
// step was already planned, maybe by another replica). Status, attempts and times are set here.
func (s *Store) EnqueueEmail(ctx context.Context, m OutboxEmail, now time.Time) (created bool, err error) {
	now = now.UTC()
	res, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO outbox (key, enrollment_id, step, from_addr, reply_to, to_addr, to_name,
		subject, text_body, html_body, unsubscribe_url, message_id, status, attempts, due_at, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		m.Key, nullID(m.EnrollmentID), m.Step, m.From, m.ReplyTo, strings.ToLower(m.To), m.ToName,
		m.Subject, m.Text, m.HTML, m.UnsubscribeURL, m.MessageID, m.DueAt.UTC(), now, now, now)
	if err != nil {
		return false, fmt.Errorf("enqueue email %s: %w", m.Key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Blocked says why a claimed email must not be sent now.
const (
	BlockSuppressed = "suppressed"           // the address unsubscribed or is on the suppression list
	BlockOptedOut   = "opted out in the CRM" // contacts.opted_out
	BlockStopped    = "enrollment ended"     // stopped or completed
	BlockPaused     = "enrollment paused"    // e.g. a health drop: held, not cancelled
)

// ClaimResult is what ClaimEmails took: rows to send now, and rows it withheld.
type ClaimResult struct {
	Send []OutboxEmail
	// Cancelled were claimed but must never be sent (consent, enrollment ended): they are
	// cancelled in the same transaction. Key: outbox id, value: the Block reason.
	Cancelled map[int64]string
	// Deferred belong to paused enrollments; they went back to pending for later.
	Deferred []int64
}

// ClaimEmails takes up to limit due rows for one sender: status pending with next_attempt_at
// reached, or sending with an expired lease (their sender died mid-flight). It marks them
// sending with a lease until now+lease and one more attempt, and checks consent at this
// moment — the last one before the SMTP conversation: a row whose address is suppressed or
// opted out, or whose enrollment ended, is cancelled; one whose enrollment is paused goes back
// to pending for pauseRecheck. All in one transaction.
//
// On Postgres, concurrent claimers never wait for or take each other's rows (FOR UPDATE SKIP
// LOCKED). SQLite has one writer: the claim is a single UPDATE … RETURNING.
func (s *Store) ClaimEmails(ctx context.Context, now time.Time, limit int, lease, pauseRecheck time.Duration) (ClaimResult, error) {
	now = now.UTC()
	var out ClaimResult
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// The two candidate sets are selected separately so each uses its own index.
	q := `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ?
		WHERE id IN (
			SELECT id FROM (SELECT id, next_attempt_at FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?` + lock + `) p
			UNION ALL
			SELECT id FROM (SELECT id, lease_until FROM outbox WHERE status = 'sending' AND lease_until <= ?
				ORDER BY lease_until, id LIMIT ?` + lock + `) x)
		RETURNING id, key, COALESCE(enrollment_id, 0), step, from_addr, reply_to, to_addr, to_name, subject, text_body,
			html_body, unsubscribe_url, message_id, attempts, due_at, created_at,
			EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = outbox.to_addr),
			EXISTS (SELECT 1 FROM contacts c WHERE c.email = outbox.to_addr AND c.opted_out),
			COALESCE((SELECT e.status FROM enrollments e WHERE e.id = outbox.enrollment_id), 'active')`
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		out = ClaimResult{}
		rows, err := tx.QueryContext(ctx, s.rebind(q), now.Add(lease), now, now, limit, now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				m                    OutboxEmail
				suppressed, optedOut bool
				enrollment           string
			)
			if err := rows.Scan(&m.ID, &m.Key, &m.EnrollmentID, &m.Step, &m.From, &m.ReplyTo, &m.To, &m.ToName, &m.Subject, &m.Text,
				&m.HTML, &m.UnsubscribeURL, &m.MessageID, &m.Attempts, &m.DueAt, &m.CreatedAt, &suppressed, &optedOut, &enrollment); err != nil {
				return err
			}
			m.Status, m.DueAt, m.CreatedAt = "sending", m.DueAt.UTC(), m.CreatedAt.UTC()
			switch {
			case suppressed:
				out.cancel(m.ID, BlockSuppressed)
			case optedOut:
				out.cancel(m.ID, BlockOptedOut)
			case enrollment == "paused":
				out.Deferred = append(out.Deferred, m.ID)
			case enrollment != "active" && enrollment != "completed":
				// completed: the last step is sent as its enrollment completes; any other
				// row of a completed enrollment was cancelled when it ended.
				out.cancel(m.ID, BlockStopped)
			default:
				out.Send = append(out.Send, m)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		var extra []int64
		if len(out.Send) > limit { // both candidate sets were full: keep the batch bounded
			for _, m := range out.Send[limit:] {
				extra = append(extra, m.ID)
			}
			out.Send = out.Send[:limit]
		}
		for id, why := range out.Cancelled {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE outbox SET status = 'cancelled', last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ?`),
				"not sent: "+why, now, id); err != nil {
				return err
			}
		}
		for _, back := range []struct {
			ids  []int64
			next time.Time
		}{{out.Deferred, now.Add(pauseRecheck)}, {extra, now}} {
			if len(back.ids) == 0 {
				continue
			}
			q, args, err := sqlx.In(`UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE id IN (?)`,
				back.next, now, back.ids)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ClaimResult{}, fmt.Errorf("claim outbox emails: %w", err)
	}
	return out, nil
}

func (r *ClaimResult) cancel(id int64, why string) {
	if r.Cancelled == nil {
		r.Cancelled = map[int64]string{}
	}
	r.Cancelled[id] = why
}

// MarkSent records that the SMTP server accepted these emails. Rows another sender already
// finished are left alone.
func (s *Store) MarkSent(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = '', updated_at = ?
		WHERE id IN (?) AND status = 'sending'`, now.UTC(), now.UTC(), ids)
	if err == nil {
		_, err = s.db.ExecContext(ctx, s.rebind(q), args...)
	}
	if err != nil {
		return fmt.Errorf("mark %d emails sent: %w", len(ids), err)
	}
	return nil
}

// Release gives claimed rows back without counting an attempt, due again at next (a rate
// limit said "not yet", or the sender is shutting down).
func (s *Store) Release(ctx context.Context, ids []int64, next, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = ?, updated_at = ?
		WHERE id IN (?) AND status = 'sending'`, next.UTC(), now.UTC(), ids)
	if err == nil {
		_, err = s.db.ExecContext(ctx, s.rebind(q), args...)
	}
	if err != nil {
		return fmt.Errorf("release %d emails: %w", len(ids), err)
	}
	return nil
}

// RetryEmail records a temporary failure: the row is pending again from next.
func (s *Store) RetryEmail(ctx context.Context, id int64, next time.Time, reason string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL, updated_at = ?
		WHERE id = ? AND status = 'sending'`), next.UTC(), advocate.ClipBytes(reason, 1000), now.UTC(), id)
	if err != nil {
		return fmt.Errorf("reschedule email %d: %w", id, err)
	}
	return nil
}

// FailEmail records a permanent failure.
func (s *Store) FailEmail(ctx context.Context, id int64, reason string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE outbox SET status = 'failed', last_error = ?, lease_until = NULL, updated_at = ?
		WHERE id = ? AND status = 'sending'`), advocate.ClipBytes(reason, 1000), now.UTC(), id)
	if err != nil {
		return fmt.Errorf("fail email %d: %w", id, err)
	}
	return nil
}

const outboxCols = `id, key, COALESCE(enrollment_id, 0), step, from_addr, reply_to, to_addr, to_name, subject, text_body, html_body,
	unsubscribe_url, message_id, status, attempts, due_at, next_attempt_at, sent_at, last_error, created_at`

func scanOutbox(r rowScanner) (OutboxEmail, error) {
	var (
		m    OutboxEmail
		sent sql.NullTime
	)
	err := r.Scan(&m.ID, &m.Key, &m.EnrollmentID, &m.Step, &m.From, &m.ReplyTo, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML,
		&m.UnsubscribeURL, &m.MessageID, &m.Status, &m.Attempts, &m.DueAt, &m.NextAttemptAt, &sent, &m.LastError, &m.CreatedAt)
	m.SentAt = nullTime(sent)
	m.DueAt, m.NextAttemptAt, m.CreatedAt = m.DueAt.UTC(), m.NextAttemptAt.UTC(), m.CreatedAt.UTC()
	return m, err
}

// OutboxFilter narrows OutboxEmails; zero values mean "any".
type OutboxFilter struct {
	EnrollmentIDs []int64
	Status        string
	To            string
}

// OutboxEmails lists outbox rows, oldest first.
func (s *Store) OutboxEmails(ctx context.Context, f OutboxFilter) ([]OutboxEmail, error) {
	q, args := `SELECT `+outboxCols+` FROM outbox WHERE 1 = 1`, []any{}
	if len(f.EnrollmentIDs) > 0 {
		q += ` AND enrollment_id IN (?)`
		args = append(args, f.EnrollmentIDs)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.To != "" {
		q += ` AND to_addr = ?`
		args = append(args, strings.ToLower(f.To))
	}
	q, args, err := sqlx.In(q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxEmail
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxCounts returns how many rows are in each status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Suppress puts an address on the suppression list and, in the same transaction, stops every
// active or paused enrollment for it and cancels its unsent emails. Suppressing twice keeps
// the first reason. It returns how many enrollments it stopped.
func (s *Store) Suppress(ctx context.Context, email, reason string) (stopped int, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, errors.New("suppress: empty address")
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING`),
			email, reason, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = ?
			WHERE lower(contact_email) = ? AND status IN ('active', 'paused')`), reason, now, email)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		stopped = int(n)
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE outbox SET status = 'cancelled', last_error = ?, updated_at = ?
			WHERE to_addr = ? AND status = 'pending'`), "not sent: "+BlockSuppressed, now, email)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("suppress address: %w", err)
	}
	return stopped, nil
}

// Suppression says whether and why an address is suppressed ("" = not suppressed).
func (s *Store) Suppression(ctx context.Context, email string) (string, error) {
	var reason string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT reason FROM suppressions WHERE email = ?`), strings.ToLower(strings.TrimSpace(email))).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read suppression: %w", err)
	}
	return reason, nil
}

// Personalization is the LLM-written paragraph for one customer's invitation.
type Personalization struct {
	CustomerID string    `json:"customer_id"`
	Text       string    `json:"text"`   // "" when the template's words are used
	Status     string    `json:"status"` // "ok" or "fallback: <why>"
	Model      string    `json:"model,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// SavePersonalization stores a customer's paragraph unless one exists; it returns the stored
// one, so two replicas racing agree on the first.
func (s *Store) SavePersonalization(ctx context.Context, p Personalization) (Personalization, error) {
	var out Personalization
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO personalizations (customer_id, text, status, model, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (customer_id) DO NOTHING`), p.CustomerID, p.Text, p.Status, p.Model, now); err != nil {
			return err
		}
		var err error
		out, err = getPersonalization(ctx, tx, s.rebind(`SELECT customer_id, text, status, model, created_at FROM personalizations WHERE customer_id = ?`), p.CustomerID)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("save personalization of %s: %w", p.CustomerID, err)
	}
	return out, nil
}

// GetPersonalization returns the stored paragraph for a customer's invitation (what the Slack
// "Preview invite" shows), or ErrNotFound when none was written yet.
func (s *Store) GetPersonalization(ctx context.Context, customerID string) (Personalization, error) {
	p, err := getPersonalization(ctx, s.db, s.rebind(`SELECT customer_id, text, status, model, created_at FROM personalizations WHERE customer_id = ?`), customerID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("read personalization of %s: %w", customerID, err)
	}
	return p, err
}

func getPersonalization(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) (Personalization, error) {
	var p Personalization
	err := q.QueryRowxContext(ctx, query, args...).Scan(&p.CustomerID, &p.Text, &p.Status, &p.Model, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// AppSecret returns the secret called name, creating it with generate on first use. Every
// replica sharing the database gets the same value. The value is never logged.
func (s *Store) AppSecret(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT value FROM app_secrets WHERE name = ?`), name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	fresh, err := generate()
	if err != nil {
		return "", fmt.Errorf("generate secret %s: %w", name, err)
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
			name, fresh, now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.rebind(`SELECT value FROM app_secrets WHERE name = ?`), name).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("store secret %s: %w", name, err)
	}
	return v, nil
}
