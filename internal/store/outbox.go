package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// An email is an outbox row before it is an SMTP conversation. Its life:
//
//	pending --claim (token, lease)--> sending --MarkSent--> sent
//	                      |--RetryEmail--> pending (next_attempt_at later)
//	                      |--FailEmail---> failed
//	                      |--Release-----> pending (not an attempt)
//	                      '--lease expires (the sender died)--> claimable again, new token
//	pending/sending --consent or enrollment check (claim, CheckClaimed, Suppress)--> cancelled
//
// Each arrow is its own committed transaction, so after a crash a row is either still
// pending (never sent), sent, or "sending" — the only ones that may have reached the SMTP
// server without being recorded, and the only ones that can repeat. A claim is a lease owned by
// one worker: the claim writes the worker's random token, and RenewLease and every arrow out of
// "sending" match it, so a worker whose lease was taken over can neither send (CheckClaimed
// says so) nor record anything.

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
	res, err := s.db.ExecContext(ctx, s.q("EnqueueEmail"), m.Key, nullID(m.EnrollmentID), m.Step, m.From, m.ReplyTo, strings.ToLower(m.To), m.ToName,
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

// ClaimEmails takes up to limit due rows for the sender holding token (fresh and random per
// claim): status pending with next_attempt_at
// reached, or sending with an expired lease (their sender died mid-flight). It marks them
// sending with token and a lease until now+lease and one more attempt, and checks consent
// (CheckClaimed checks again right before each SMTP conversation): a row whose address is suppressed or
// opted out, or whose enrollment ended, is cancelled; one whose enrollment is paused goes back
// to pending for pauseRecheck. All in one transaction.
//
// On Postgres, concurrent claimers never wait for or take each other's rows (FOR UPDATE SKIP
// LOCKED). SQLite has one writer: the claim is a single UPDATE … RETURNING.
func (s *Store) ClaimEmails(ctx context.Context, token string, now time.Time, limit int, lease, pauseRecheck time.Duration) (ClaimResult, error) {
	now = now.UTC()
	var out ClaimResult
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		out = ClaimResult{}
		err := each(ctx, tx, out.scan, s.q("ClaimEmails"), claimArgs(token, now, limit, lease)...)
		if err != nil {
			return err
		}
		var extra []int64
		if len(out.Send) > limit { // both candidate sets were full: keep the batch bounded
			for _, m := range out.Send[limit:] {
				extra = append(extra, m.ID)
			}
			out.Send = out.Send[:limit]
		}
		for id, why := range out.Cancelled {
			if _, err := tx.ExecContext(ctx, s.q("CancelEmail"), "not sent: "+why, now, id); err != nil {
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
			if err := s.execIn(ctx, tx, "ReturnClaimedEmails", back.next, now, back.ids); err != nil {
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

func claimArgs(token string, now time.Time, limit int, lease time.Duration) []any {
	return []any{token, now.Add(lease), now, now, limit, now, limit}
}

// scan reads one row of ClaimEmails.
func (r *ClaimResult) scan(rows *sql.Rows) error {
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
	r.sort(m, suppressed, optedOut, enrollment)
	return nil
}

// sort files a claimed email under Send, Cancelled or Deferred by the consent and enrollment
// state read with the claim.
func (r *ClaimResult) sort(m OutboxEmail, suppressed, optedOut bool, enrollment string) {
	switch why := blocked(suppressed, optedOut, enrollment); why {
	case "":
		r.Send = append(r.Send, m)
	case BlockPaused:
		r.Deferred = append(r.Deferred, m.ID)
	default:
		r.cancel(m.ID, why)
	}
}

// blocked is the one rule for whether a claimed email may be sent now: "" if so, else the
// Block reason (BlockPaused holds it, the others cancel it).
func blocked(suppressed, optedOut bool, enrollment string) string {
	switch {
	case suppressed:
		return BlockSuppressed
	case optedOut:
		return BlockOptedOut
	case enrollment == "paused":
		return BlockPaused
	case enrollment != "active" && enrollment != "completed":
		// completed: the last step is sent as its enrollment completes; any other
		// row of a completed enrollment was cancelled when it ended.
		return BlockStopped
	}
	return ""
}

func (r *ClaimResult) cancel(id int64, why string) {
	if r.Cancelled == nil {
		r.Cancelled = map[int64]string{}
	}
	r.Cancelled[id] = why
}

// ErrLeaseLost says a claimed row is no longer the caller's: its lease ran out and another
// worker took it over, or an unsubscribe cancelled it. The caller must not send it.
var ErrLeaseLost = errors.New("outbox: lease lost")

// Step is what OutboxStep found: whether the email the server accepted was recorded as sent,
// and whether the next one is still the sender's and may be sent.
type Step struct {
	Recorded bool   // the accepted email is marked sent (false: its claim had ended)
	Held     bool   // the next row is still "sending" under the token
	Block    string // "" when the next row may be sent now, else why not (a Block reason)
}

// StepRequest is one sender's step between two SMTP conversations, under its claim token: mark
// Sent (0: none) sent, and check Next (0: none) right before its conversation — still claimed,
// and consent (suppression list, CRM opt-out, enrollment) read at this moment.
type StepRequest struct {
	Token      string
	Sent, Next int64
}

// OutboxStep runs one StepRequest. Senders use an OutboxSender, which prepares the statements
// once and commits the steps of every worker waiting at that moment together.
func (s *Store) OutboxStep(ctx context.Context, token string, sent, next int64, now time.Time) (Step, error) {
	w, err := s.OutboxSender(ctx, 1, true)
	if err != nil {
		return Step{}, err
	}
	defer w.Close()
	st, err := w.Steps(ctx, []StepRequest{{Token: token, Sent: sent, Next: next}}, now)
	if err != nil {
		return Step{}, err
	}
	return st[0], nil
}

// CheckClaimed returns ErrLeaseLost unless id is still "sending" under token, else "" when it
// may be sent now or the Block reason.
func (s *Store) CheckClaimed(ctx context.Context, token string, id int64) (string, error) {
	st, err := s.OutboxStep(ctx, token, 0, id, s.Now())
	if err == nil && !st.Held {
		err = ErrLeaseLost
	}
	return st.Block, err
}

// MarkSent records that the SMTP server accepted the email: one UPDATE, committed at once. It
// returns ErrLeaseLost when the row is no longer "sending" under token.
func (s *Store) MarkSent(ctx context.Context, token string, id int64, now time.Time) error {
	st, err := s.OutboxStep(ctx, token, id, 0, now)
	if err == nil && !st.Recorded {
		err = ErrLeaseLost
	}
	return err
}

// staleAfter is how many rows may change in the outbox before a send refreshes the planner's
// statistics itself: autovacuum does so too, but only up to a minute later and after 10% of the
// table has changed, and until then a backlog just enqueued looks empty to the planner, which
// then sorts the whole backlog for every batch claimed instead of reading the queue index.
const staleAfter = 1000

// RefreshOutboxStats gathers the outbox's planner statistics when many rows changed since they
// were last gathered (Postgres; SQLite plans the claim from the index alone). It reports
// whether it did. The outbox calls it before each drain.
func (s *Store) RefreshOutboxStats(ctx context.Context) (bool, error) {
	if s.dialect != Postgres {
		return false, nil
	}
	var changed, counted float64
	if err := s.db.QueryRowContext(ctx, s.q("OutboxChurn")).Scan(&changed, &counted); err != nil {
		return false, fmt.Errorf("read outbox statistics: %w", err)
	}
	if changed < staleAfter || changed < counted/10 {
		return false, nil
	}
	if _, err := s.db.ExecContext(ctx, s.q("AnalyzeOutbox")); err != nil {
		return false, fmt.Errorf("analyze outbox: %w", err)
	}
	return true, nil
}

// OutboxSender holds the statements senders run for every email, prepared once: on Postgres
// one round trip (OutboxStep), on SQLite MarkSent then CheckClaimedEmail. Close it when the
// senders stop.
type OutboxSender struct {
	s      *Store
	conns  chan *stepConn // Postgres: the connections steps run on, one step at a time each
	claims chan *stepConn // Postgres: the connections claims run on
	mark   *sql.Stmt      // SQLite
	check  *sql.Stmt      // SQLite
}

// claimConns is how many claims may run at once on an OutboxSender's own connections. A claim
// takes a few milliseconds and a worker claims once per batch, so two rarely make one wait.
const claimConns = 2

// stepConn is a pooled Postgres connection set aside for OutboxStep and ClaimEmails, with both
// statements prepared on it and generic plans forced.
type stepConn struct {
	c     *sql.Conn
	step  *sql.Stmt
	claim *sql.Stmt
}

// OutboxSender prepares the per-email statements for at most parallel steps at once.
//
// On Postgres each of those gets a connection of its own for as long as the sender is open, with
// plan_cache_mode forced to generic: OutboxStep's plan does not depend on its arrays, but the
// planner's cost model keeps choosing custom plans, and planning it anew for every group of
// emails cost more than running it (measured with the drip benchmark: about 0.4 ms of a 0.7 ms
// step, most of Postgres's work per email).
//
// Those connections also commit asynchronously (synchronous_commit off) unless durable is set:
// every email is recorded before its worker's next SMTP conversation, and waiting for each
// commit's WAL flush (0.5-5 ms here) left the workers idle most of the time — 0.20-0.24x raw
// go-mail with 4 workers, 0.42-0.48x without the wait, measured back to back. An Advocate crash
// loses nothing either way (the commit is in Postgres's hands); only a crash of the database
// server or its machine can lose the last fraction of a second of steps, whose emails are then
// sent again.
func (s *Store) OutboxSender(ctx context.Context, parallel int, durable bool) (*OutboxSender, error) {
	w := &OutboxSender{s: s}
	if s.dialect != Postgres {
		var err error
		if w.mark, err = s.db.PrepareContext(ctx, s.q("MarkSent")); err == nil {
			w.check, err = s.db.PrepareContext(ctx, s.q("CheckClaimedEmail"))
		}
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("prepare outbox sender: %w", err)
		}
		return w, nil
	}
	w.conns = make(chan *stepConn, max(parallel, 1))
	w.claims = make(chan *stepConn, claimConns)
	for _, pool := range []chan *stepConn{w.conns, w.claims} {
		for range cap(pool) {
			sc, err := s.stepConn(ctx, durable)
			if err != nil {
				w.Close()
				return nil, fmt.Errorf("prepare outbox sender: %w", err)
			}
			pool <- sc
		}
	}
	return w, nil
}

// Claim is ClaimEmails for a sender. On Postgres it runs on the sender's own connections as one
// prepared statement in one round trip and one commit, where ClaimEmails parses and plans the
// claim anew and wraps it in a transaction (three round trips): the drip benchmark measured
// about 5 ms of Postgres time per claim that way, as much per email as the rest of its steps.
// The rows the claim took but must not send (consent withdrawn, enrollment paused, more than
// limit) are settled afterwards with the claim token, as any claimed row is: if the sender
// dies in between, the lease runs out and the next claimer decides afresh.
func (w *OutboxSender) Claim(ctx context.Context, token string, now time.Time, limit int, lease, pauseRecheck time.Duration) (ClaimResult, error) {
	if w.claims == nil {
		return w.s.ClaimEmails(ctx, token, now, limit, lease, pauseRecheck)
	}
	now = now.UTC()
	var out ClaimResult
	err := func() error {
		sc := <-w.claims
		defer func() { w.claims <- sc }()
		rows, err := sc.claim.QueryContext(ctx, claimArgs(token, now, limit, lease)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := out.scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return ClaimResult{}, fmt.Errorf("claim outbox emails: %w", err)
	}
	var extra []int64
	if len(out.Send) > limit { // both candidate sets were full: keep the batch bounded
		for _, m := range out.Send[limit:] {
			extra = append(extra, m.ID)
		}
		out.Send = out.Send[:limit]
	}
	for id, why := range out.Cancelled {
		if err := w.s.CancelClaimed(ctx, token, id, why, now); err != nil && !errors.Is(err, ErrLeaseLost) {
			return ClaimResult{}, fmt.Errorf("claim outbox emails: %w", err)
		}
	}
	if err := w.s.Release(ctx, token, out.Deferred, now.Add(pauseRecheck), now); err != nil {
		return ClaimResult{}, fmt.Errorf("claim outbox emails: %w", err)
	}
	if err := w.s.Release(ctx, token, extra, now, now); err != nil {
		return ClaimResult{}, fmt.Errorf("claim outbox emails: %w", err)
	}
	return out, nil
}

// stepConn takes a connection from the pool for OutboxStep and ClaimEmails.
func (s *Store) stepConn(ctx context.Context, durable bool) (*stepConn, error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	settings := []string{"ForceGenericPlans", "AsyncStepCommits"}
	if durable {
		settings = settings[:1]
	}
	for _, q := range settings {
		if _, err := c.ExecContext(ctx, s.q(q)); err != nil {
			c.Close()
			return nil, err
		}
	}
	sc := &stepConn{c: c}
	if sc.step, err = c.PrepareContext(ctx, s.q("OutboxStep")); err == nil {
		sc.claim, err = c.PrepareContext(ctx, s.q("ClaimEmails"))
	}
	if err != nil {
		sc.close(s)
		return nil, err
	}
	return sc, nil
}

// close gives the connection back to the pool with the server's plan settings restored; one
// that cannot be restored is discarded, not pooled.
func (sc *stepConn) close(s *Store) error {
	var err error
	for _, st := range []*sql.Stmt{sc.step, sc.claim} {
		if st != nil {
			err = errors.Join(err, st.Close())
		}
	}
	for _, q := range []string{"DefaultPlans", "DefaultCommits"} {
		if _, rerr := sc.c.ExecContext(context.Background(), s.q(q)); rerr != nil {
			_ = sc.c.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, rerr)
			break
		}
	}
	return errors.Join(err, sc.c.Close())
}

// Close releases the prepared statements and the connections.
func (w *OutboxSender) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{w.mark, w.check} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, pool := range []chan *stepConn{w.conns, w.claims} {
		if pool != nil {
			close(pool)
			for sc := range pool {
				errs = append(errs, sc.close(w.s))
			}
		}
	}
	return errors.Join(errs...)
}

// Steps runs several senders' steps together: each email is still recorded before its
// sender's next SMTP conversation, but the senders share one commit (one WAL flush) instead of
// paying one each. Postgres: one statement; SQLite: one transaction.
func (w *OutboxSender) Steps(ctx context.Context, reqs []StepRequest, now time.Time) ([]Step, error) {
	now = now.UTC()
	if w.conns != nil {
		sc := <-w.conns
		defer func() { w.conns <- sc }()
		return pgSteps(ctx, sc.step, reqs, now)
	}
	out := make([]Step, len(reqs))
	err := w.s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		for i, r := range reqs {
			st, err := w.sqliteStep(ctx, tx, r, now)
			if err != nil {
				return err
			}
			out[i] = st
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func pgSteps(ctx context.Context, step *sql.Stmt, reqs []StepRequest, now time.Time) ([]Step, error) {
	sent, next, tokens := make([]int64, len(reqs)), make([]int64, len(reqs)), make([]string, len(reqs))
	bySent, byNext := map[int64]int{}, map[int64]int{}
	for i, r := range reqs {
		sent[i], next[i], tokens[i] = r.Sent, r.Next, r.Token
		bySent[r.Sent], byNext[r.Next] = i, i
	}
	rows, err := step.QueryContext(ctx, pq.Array(sent), pq.Array(next), pq.Array(tokens), now)
	if err != nil {
		return nil, fmt.Errorf("outbox steps: %w", err)
	}
	defer rows.Close()
	out := make([]Step, len(reqs))
	for rows.Next() {
		var (
			recorded, suppressed, optedOut bool
			id                             int64
			enrollment                     string
		)
		if err := rows.Scan(&recorded, &id, &suppressed, &optedOut, &enrollment); err != nil {
			return nil, fmt.Errorf("outbox steps: %w", err)
		}
		if recorded {
			out[bySent[id]].Recorded = true
		} else {
			st := &out[byNext[id]]
			st.Held, st.Block = true, blocked(suppressed, optedOut, enrollment)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox steps: %w", err)
	}
	return out, nil
}

// sqliteStep runs one step in the shared transaction.
func (w *OutboxSender) sqliteStep(ctx context.Context, tx *sqlx.Tx, r StepRequest, now time.Time) (Step, error) {
	var st Step
	if r.Sent != 0 {
		res, err := tx.StmtContext(ctx, w.mark).ExecContext(ctx, now, now, r.Sent, r.Token)
		if err != nil {
			return st, fmt.Errorf("mark email %d sent: %w", r.Sent, err)
		}
		n, _ := res.RowsAffected()
		st.Recorded = n == 1
	}
	if r.Next == 0 {
		return st, nil
	}
	rows, err := tx.StmtContext(ctx, w.check).QueryContext(ctx, r.Next, r.Token)
	return scanStep(rows, err, r.Sent, r.Next, st)
}

// scanStep reads the rows OutboxStep or CheckClaimedEmail returned into st.
func scanStep(rows *sql.Rows, err error, sent, next int64, st Step) (Step, error) {
	if err != nil {
		return st, fmt.Errorf("outbox step (sent %d, next %d): %w", sent, next, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                   int64
			suppressed, optedOut bool
			enrollment           string
		)
		if err := rows.Scan(&id, &suppressed, &optedOut, &enrollment); err != nil {
			return st, fmt.Errorf("outbox step: %w", err)
		}
		if id == sent {
			st.Recorded = true
		} else {
			st.Held, st.Block = true, blocked(suppressed, optedOut, enrollment)
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("outbox step (sent %d, next %d): %w", sent, next, err)
	}
	return st, nil
}

// RenewLease extends the lease of those of ids still "sending" under token to until and
// returns how many there are. Rows another worker took over keep their new owner.
func (s *Store) RenewLease(ctx context.Context, token string, ids []int64, until, now time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	q, args, err := s.in("RenewLease", until.UTC(), now.UTC(), ids, token)
	if err != nil {
		return 0, fmt.Errorf("renew outbox lease: %w", err)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("renew outbox lease: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Release gives claimed rows back without counting an attempt, due again at next (a rate
// limit said "not yet", the enrollment is paused, or the sender is shutting down).
func (s *Store) Release(ctx context.Context, token string, ids []int64, next, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.execIn(ctx, s.db, "ReleaseEmails", next.UTC(), now.UTC(), ids, token); err != nil {
		return fmt.Errorf("release %d emails: %w", len(ids), err)
	}
	return nil
}

// RetryEmail records a temporary failure: the row is pending again from next.
func (s *Store) RetryEmail(ctx context.Context, token string, id int64, next time.Time, reason string, now time.Time) error {
	return s.changeClaimed(ctx, "reschedule email", id, "RetryEmail", next.UTC(), advocate.ClipBytes(reason, 1000), now.UTC(), id, token)
}

// FailEmail records a permanent failure.
func (s *Store) FailEmail(ctx context.Context, token string, id int64, reason string, now time.Time) error {
	return s.changeClaimed(ctx, "fail email", id, "FailEmail", advocate.ClipBytes(reason, 1000), now.UTC(), id, token)
}

// CancelClaimed cancels a claimed row that must never be sent (why: a Block reason).
func (s *Store) CancelClaimed(ctx context.Context, token string, id int64, why string, now time.Time) error {
	return s.changeClaimed(ctx, "cancel email", id, "CancelClaimedEmail", "not sent: "+why, now.UTC(), id, token)
}

// changeClaimed runs one of the token-checked single-row updates; no row changed means the
// lease was lost.
func (s *Store) changeClaimed(ctx context.Context, what string, id int64, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrLeaseLost)
	}
	return nil
}

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

// OutboxEmails lists outbox rows, oldest first. The filters combine freely, so they are
// appended to the named ListOutbox here rather than written out as eight named variants.
func (s *Store) OutboxEmails(ctx context.Context, f OutboxFilter) ([]OutboxEmail, error) {
	q, args := s.query("ListOutbox").Raw, []any{}
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
	q, args, err := s.expand(q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	out, err := collect(ctx, s.db, scanOutbox, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

// OutboxCounts returns how many rows are in each status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	out, err := pairs[string, int](ctx, s.db, s.q("OutboxCounts"))
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return out, nil
}
