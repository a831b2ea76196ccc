// Package outbox sends the emails the drip put in the outbox table: N workers claim due rows
// (FOR UPDATE SKIP LOCKED on Postgres), send each over their own reused SMTP connection with
// go-mail, and record the outcome, honouring a global and a per-domain rate limit.
//
// Delivery guarantee (DESIGN.md "Reliability rules"): a row moves pending -> sending (claimed)
// -> sent in committed steps. A claim is a lease owned by one worker: the claim writes a random
// token, the worker renews the lease while it works (at most every lease/3), and right before
// each SMTP conversation it checks that the row is still "sending" under its token and that the
// address may be emailed (store.CheckClaimed). Marking sent, retrying, failing and releasing all
// match the token. So however slow the server, a row is never in two workers' hands: a worker
// whose lease was taken over skips the row instead of sending it. Config validation keeps one
// SMTP conversation (at most two smtp_timeouts: connect, then the message) well inside the
// two thirds of a lease that remain after a renewal.
//
// Each email is marked sent as soon as the server accepted it, by one UPDATE that also checks
// the token, committed before the worker's next SMTP conversation; the same statement checks
// the next row (store.OutboxSender). Workers that finish a message at the same moment share
// that commit (commit.go). If the process dies, only an email accepted but not yet recorded —
// at most one per worker — is sent again when its lease has run out, with the same
// Message-ID; every other claimed row is still "sending" and is taken over, not lost.
//
// Consent is checked at claim time and again right before each SMTP conversation (suppression
// list, CRM opt-out, enrollment state); store.Suppress also cancels claimed rows. An unsubscribe
// that has been answered therefore stops every email whose conversation had not begun.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"github.com/advocate-hq/advocate/internal/backoff"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
)

// SMTP says how to reach the mail server.
type SMTP = email.SMTP

// Config tunes the workers.
type Config struct {
	Workers    int           // concurrent workers, each with one SMTP connection; default config.DefaultDripWorkers
	BatchSize  int           // rows claimed at once per worker; default config.DefaultDripBatchSize
	Rate       float64       // emails/s for the whole process; 0 = unlimited
	DomainRate float64       // emails/s to one recipient domain; 0 = unlimited
	Lease      time.Duration // how long a claimed row is ours; default 5m
	// SynchronousCommit makes each step wait for its WAL flush on Postgres (store.OutboxSender).
	SynchronousCommit bool
	// PauseRecheck is when an email of a paused enrollment is looked at again; default 1h.
	PauseRecheck time.Duration
	Retry        RetryPolicy
	// NewToken makes the claim token owning one batch's lease; default 128 random bits.
	NewToken func() string
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// RetryPolicy is the backoff after temporary SMTP failures. Its state lives in the row
// (attempts, next_attempt_at), so a restart continues the schedule.
type RetryPolicy struct {
	Base, Max   time.Duration
	MaxAttempts int
}

// Backoff is the delay before attempt+1 after a temporary failure of attempt (1-based):
// Base·2^(attempt-1), capped at Max, with ±10% jitter derived from the row id so replicas
// retrying many rows do not stampede, and the schedule is reproducible. Pure.
func (p RetryPolicy) Backoff(attempt int, id int64) time.Duration {
	attempt = max(attempt, 1)
	return backoff.Jitter(backoff.Exponential(p.Base, p.Max, attempt), fmt.Sprintf("%d/%d", id, attempt))
}

// GiveUp reports whether a row that failed temporarily attempts times is failed for good.
func (p RetryPolicy) GiveUp(attempts int) bool { return p.MaxAttempts > 0 && attempts >= p.MaxAttempts }

// Stats counts what one Drain did.
type Stats struct {
	Sent, Retried, Failed, Cancelled, Held, Released int
	// Lost counts claimed rows this worker did not send because its claim was gone by then:
	// another worker took them over after the lease ran out, or an unsubscribe cancelled them.
	Lost int
}

func (s *Stats) add(o Stats) {
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Cancelled += o.Cancelled
	s.Held += o.Held
	s.Released += o.Released
	s.Lost += o.Lost
}

// Outbox sends what is due. Safe for one Drain at a time per process; several processes may
// drain the same Postgres outbox at once.
type Outbox struct {
	store   *store.Store
	smtp    SMTP
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	Metrics *metrics.Metrics // optional
	// OnFailed is called once for every email that failed for good (5xx, or too many
	// temporary failures); the drip alerts the CSM from it. Optional.
	OnFailed func(ctx context.Context, m store.OutboxEmail, reason string)

	global  *rate.Limiter
	mu      sync.Mutex
	domains map[string]*rate.Limiter
}

// New returns an Outbox. now is the clock deciding what is due (tests inject one).
func New(st *store.Store, smtp SMTP, cfg Config, now func() time.Time, log *slog.Logger) *Outbox {
	if cfg.Workers < 1 {
		cfg.Workers = config.DefaultDripWorkers
	}
	if cfg.BatchSize < 1 {
		cfg.BatchSize = config.DefaultDripBatchSize
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	if cfg.NewToken == nil {
		cfg.NewToken = randomToken
	}
	if cfg.PauseRecheck <= 0 {
		cfg.PauseRecheck = time.Hour
	}
	if cfg.Retry.Base <= 0 {
		cfg.Retry.Base = time.Minute
	}
	if cfg.Retry.Max < cfg.Retry.Base {
		cfg.Retry.Max = max(6*time.Hour, cfg.Retry.Base)
	}
	if smtp.Timeout <= 0 {
		smtp.Timeout = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	o := &Outbox{store: st, smtp: smtp, cfg: cfg, now: now, log: log, domains: map[string]*rate.Limiter{}}
	if cfg.Rate > 0 {
		o.global = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/10)))
		// A batch must fit in its lease even at the slowest rate, or rows would be reclaimed
		// (and sent twice) while still waiting their turn here.
		if fit := int(cfg.Rate * cfg.Lease.Seconds() / 2 / float64(cfg.Workers)); fit < o.cfg.BatchSize {
			o.cfg.BatchSize = max(1, fit)
		}
	}
	return o
}

// Drain sends every email due now with cfg.Workers workers and returns when none is left (or
// ctx ends: rows not yet sent are released for the next run). Rows a per-domain limit held
// back are due again shortly and left for the next Drain.
func (o *Outbox) Drain(ctx context.Context) (Stats, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total Stats
		errs  []error
	)
	if _, err := o.store.RefreshOutboxStats(ctx); err != nil {
		// Only the speed of claiming depends on it.
		o.log.Warn("outbox statistics not refreshed", "err", err)
	}
	w, err := o.store.OutboxSender(ctx, committers, o.cfg.SynchronousCommit)
	if err != nil {
		return total, err
	}
	defer w.Close()
	c := startCommitter(context.WithoutCancel(ctx), w, o.now)
	defer c.stop()
	for i := range o.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := o.work(ctx, c, i)
			mu.Lock()
			total.add(st)
			if err != nil {
				errs = append(errs, err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, errors.Join(errs...)
}

// conn is one worker's SMTP connection, dialled on first use and reused until it fails or
// idles too long.
type conn struct {
	o        *Outbox
	client   *mail.Client
	lastUsed time.Time
}

// idleRedial is how long a connection may sit unused before we dial afresh instead of finding
// out mid-send that the server hung up (servers drop idle clients after 30 s to 5 min).
const idleRedial = 20 * time.Second

func (c *conn) get(ctx context.Context) (*mail.Client, error) {
	if c.client != nil && time.Since(c.lastUsed) > idleRedial {
		c.close()
	}
	if c.client != nil {
		return c.client, nil
	}
	s := c.o.smtp
	// One NOOP per send and a RSET after each message would add two round trips to every
	// email; a fresh transaction after DATA needs neither (RFC 5321 §4.1.4).
	opts := append(email.ClientOptions(s), mail.WithoutNoop(), mail.WithoutRset())
	client, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", s.Host, err)
	}
	if err := client.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to smtp %s:%d: %w", s.Host, s.Port, err)
	}
	c.client = client
	return client, nil
}

func (c *conn) close() {
	if c.client != nil {
		c.client.Close()
		c.client = nil
	}
}

// outcome of one send.
type outcome int

const (
	sent outcome = iota
	temporary
	permanent
)

// classify reads go-mail's error: an SMTP 5xx reply is permanent; 4xx replies, network errors
// and timeouts are temporary (RFC 5321 §4.2.1).
func classify(err error) (outcome, string) {
	if err == nil {
		return sent, ""
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return permanent, err.Error()
		}
	}
	return temporary, err.Error()
}

// work is one worker: it claims due rows and sends them until none is left or ctx ends.
func (o *Outbox) work(ctx context.Context, steps *committer, worker int) (Stats, error) {
	var st Stats
	c := &conn{o: o}
	defer c.close()
	for ctx.Err() == nil {
		l := &lease{token: o.cfg.NewToken(), renewed: o.now(), steps: steps}
		claim, err := steps.w.Claim(ctx, l.token, l.renewed, o.cfg.BatchSize, o.cfg.Lease, o.cfg.PauseRecheck)
		if err != nil {
			if ctx.Err() != nil {
				return st, nil
			}
			return st, err
		}
		st.Cancelled += len(claim.Cancelled)
		st.Held += len(claim.Deferred)
		o.count("cancelled", len(claim.Cancelled))
		for id, why := range claim.Cancelled {
			o.log.Info("email not sent", "outbox_id", id, "why", why)
		}
		if len(claim.Send) == 0 {
			return st, nil
		}
		for _, m := range claim.Send {
			l.ids = append(l.ids, m.ID)
		}
		b := &batch{lease: l}
		err = o.sendBatch(ctx, c, claim.Send, b)
		st.add(b.stats)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// lease is one worker's claim on the rows of one batch.
type lease struct {
	token   string
	ids     []int64   // the batch's rows
	renewed time.Time // when the lease was last written: now+Lease was stored then
	steps   *committer
}

// batch is what one claimed batch came to.
type batch struct {
	lease    *lease
	stats    Stats
	accepted int64   // the server accepted this row; recorded by the next step (or flush)
	release  []int64 // not attempted (shutdown, server unreachable): due again now
	stop     error   // the server is unreachable: leave the rest for later
}

// sendBatch sends the claimed rows in order, each recorded as soon as its outcome is known.
// Recording must survive a cancelled ctx: an email the server accepted is marked sent even
// during shutdown, and even when sending the rest failed.
func (o *Outbox) sendBatch(ctx context.Context, c *conn, rows []store.OutboxEmail, b *batch) error {
	bg := context.WithoutCancel(ctx)
	var sendErr error
	for i, m := range rows {
		if ctx.Err() != nil || b.stop != nil {
			for _, r := range rows[i:] {
				b.release = append(b.release, r.ID)
			}
			break
		}
		if sendErr = o.sendOne(ctx, c, m, b); sendErr != nil {
			break // the rest stay claimed until their lease ends
		}
	}
	if err := o.flush(b); err != nil || sendErr != nil {
		return errors.Join(sendErr, err)
	}
	if err := o.store.Release(bg, b.lease.token, b.release, o.now(), o.now()); err != nil {
		return err
	}
	b.stats.Released += len(b.release)
	return b.stop
}

// sendOne waits for the rate limits, makes sure the row is still ours and may be sent, and
// sends it.
func (o *Outbox) sendOne(ctx context.Context, c *conn, m store.OutboxEmail, b *batch) error {
	bg := context.WithoutCancel(ctx)
	if o.global != nil || o.cfg.DomainRate > 0 {
		// A limit may make us wait: record the last email first, not after the wait.
		if err := o.flush(b); err != nil {
			return err
		}
	}
	if ok, wait := o.domainAllows(ctx, m.To); !ok {
		// Due again when the domain has room; not an attempt.
		if err := o.store.Release(bg, b.lease.token, []int64{m.ID}, o.now().Add(wait), o.now()); err != nil {
			return err
		}
		b.stats.Released++
		return nil
	}
	if o.global != nil {
		if err := o.global.Wait(ctx); err != nil {
			b.release = append(b.release, m.ID)
			return nil
		}
	}
	// The step (record the last email, check this one) commits while the email is composed.
	if err := o.renew(bg, b.lease); err != nil {
		return err
	}
	pending := o.startStep(b, m.ID)
	msg, composeErr := o.compose(m)
	if ok, err := o.mayStart(bg, m, b, pending); !ok || err != nil {
		return err
	}
	start := time.Now()
	res, why := o.send(ctx, c, msg, composeErr)
	if o.Metrics != nil {
		o.Metrics.EmailDuration.Observe(time.Since(start).Seconds())
	}
	switch res {
	case sent:
		b.accepted = m.ID
	case permanent:
		o.fail(bg, b.lease, m, why)
		b.stats.Failed++
	case temporary:
		if c.client == nil && strings.HasPrefix(why, "connect") {
			b.stop = errors.New(why)
		}
		return o.retry(bg, m, why, b)
	}
	return nil
}

// mayStart is asked immediately before an SMTP conversation, with the step startStep handed
// in for m: that statement recorded the email the server accepted last and checked that m is
// still claimed under the batch's token and that consent still holds. A row that is no longer
// ours is skipped; one whose address may no longer be emailed is cancelled, one of a paused
// enrollment is held.
func (o *Outbox) mayStart(ctx context.Context, m store.OutboxEmail, b *batch, pending <-chan stepResult) (bool, error) {
	st, err := o.finishStep(b, pending)
	switch {
	case err != nil:
		return false, err
	case !st.Held:
		o.log.Info("email not sent by this worker: its claim was taken over or cancelled", "outbox_id", m.ID)
		b.stats.Lost++
		return false, nil
	case st.Block == store.BlockPaused:
		err = o.store.Release(ctx, b.lease.token, []int64{m.ID}, o.now().Add(o.cfg.PauseRecheck), o.now())
		b.stats.Held++
	case st.Block != "":
		err = o.store.CancelClaimed(ctx, b.lease.token, m.ID, st.Block, o.now())
		o.log.Info("email not sent", "outbox_id", m.ID, "why", st.Block)
		o.count("cancelled", 1)
		b.stats.Cancelled++
	}
	if errors.Is(err, store.ErrLeaseLost) {
		err = nil
	}
	return st.Block == "", err
}

// startStep hands in the step that records b.accepted (if any) as sent and checks next (if
// any); finishStep waits until it is committed.
func (o *Outbox) startStep(b *batch, next int64) <-chan stepResult {
	return b.lease.steps.submit(store.StepRequest{Token: b.lease.token, Sent: b.accepted, Next: next})
}

// finishStep waits for the step startStep handed in and counts the email it recorded.
func (o *Outbox) finishStep(b *batch, pending <-chan stepResult) (store.Step, error) {
	r := <-pending
	st, err := r.st, r.err
	if err != nil {
		return st, err
	}
	if b.accepted != 0 {
		if st.Recorded {
			b.stats.Sent++
			o.count("sent", 1)
		} else {
			// Taken over or cancelled during the conversation: only possible if it
			// outlasted two thirds of a lease, or an unsubscribe came in meanwhile.
			o.log.Warn("email accepted after its claim ended", "outbox_id", b.accepted)
		}
		b.accepted = 0
	}
	return st, nil
}

// flush records the email the server accepted last, if it is not yet.
func (o *Outbox) flush(b *batch) error {
	if b.accepted == 0 {
		return nil
	}
	_, err := o.finishStep(b, o.startStep(b, 0))
	return err
}

// renew extends the lease of the batch's rows once a third of it has passed, so a row is
// never started with less than two thirds of a lease left. Rows already taken over stay with
// their new owner (mayStart then skips them).
func (o *Outbox) renew(ctx context.Context, l *lease) error {
	now := o.now()
	if now.Sub(l.renewed) < o.cfg.Lease/3 {
		return nil
	}
	if _, err := o.store.RenewLease(ctx, l.token, l.ids, now.Add(o.cfg.Lease), now); err != nil {
		return err
	}
	l.renewed = now
	return nil
}

// retry schedules a row that failed temporarily for its next attempt, or fails it for good
// when the retry policy gives up.
func (o *Outbox) retry(ctx context.Context, m store.OutboxEmail, why string, b *batch) error {
	if o.cfg.Retry.GiveUp(m.Attempts) {
		o.fail(ctx, b.lease, m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, why))
		b.stats.Failed++
		return nil
	}
	next := o.now().Add(o.cfg.Retry.Backoff(m.Attempts, m.ID))
	if err := o.store.RetryEmail(ctx, b.lease.token, m.ID, next, why, o.now()); err != nil && !errors.Is(err, store.ErrLeaseLost) {
		return err
	}
	o.log.Warn("email delivery failed, will retry", "outbox_id", m.ID, "attempt", m.Attempts, "next", next, "err", why)
	o.count("retried", 1)
	b.stats.Retried++
	return nil
}

// compose builds the message for an outbox row.
func (o *Outbox) compose(m store.OutboxEmail) (*mail.Msg, error) {
	return email.Compose(email.Envelope{From: m.From, ReplyTo: m.ReplyTo, ToName: m.ToName, To: m.To,
		MessageID: m.MessageID, Date: o.now(), UnsubscribeURL: m.UnsubscribeURL},
		email.InviteContent{Subject: m.Subject, Text: m.Text, HTML: m.HTML})
}

// send delivers one composed email over the worker's connection, reconnecting after a failure.
// composeErr is compose's error: the stored email is malformed, and resending cannot help.
func (o *Outbox) send(ctx context.Context, c *conn, msg *mail.Msg, composeErr error) (outcome, string) {
	if composeErr != nil {
		return permanent, composeErr.Error()
	}
	client, err := c.get(ctx)
	if err != nil {
		return temporary, err.Error()
	}
	err = client.Send(msg)
	c.lastUsed = time.Now()
	if err != nil && msg.IsDelivered() {
		// The server took the message; only the bookkeeping after DATA failed.
		c.close()
		return sent, ""
	}
	if err != nil {
		c.close() // the connection's state is unknown: start the next email on a fresh one
	}
	return classify(err)
}

func (o *Outbox) fail(ctx context.Context, l *lease, m store.OutboxEmail, why string) {
	err := o.store.FailEmail(ctx, l.token, m.ID, why, o.now())
	if errors.Is(err, store.ErrLeaseLost) {
		return // another worker owns the row now and decides its fate
	}
	if err != nil {
		o.log.Error("record failed email", "outbox_id", m.ID, "err", err)
	}
	o.log.Error("email failed permanently", "outbox_id", m.ID, "key", m.Key, "err", why)
	o.count("failed", 1)
	if o.OnFailed != nil {
		o.OnFailed(ctx, m, why)
	}
}

func (o *Outbox) count(status string, n int) {
	if o.Metrics != nil && n > 0 {
		o.Metrics.Emails.WithLabelValues(status).Add(float64(n))
	}
}

// maxDomainWait is how long a worker waits for a domain's limit before giving the row back.
const maxDomainWait = 2 * time.Second

// domainAllows applies the per-domain limit: waits briefly, or says no and how long until the
// domain has room (the row is released until then) so one busy domain does not hold a worker.
func (o *Outbox) domainAllows(ctx context.Context, addr string) (bool, time.Duration) {
	if o.cfg.DomainRate <= 0 {
		return true, 0
	}
	_, domain, _ := strings.Cut(addr, "@")
	o.mu.Lock()
	lim, ok := o.domains[domain]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(o.cfg.DomainRate), 1)
		o.domains[domain] = lim
	}
	o.mu.Unlock()
	r := lim.Reserve()
	d := r.Delay()
	if d == 0 {
		return true, 0
	}
	if d > maxDomainWait {
		r.Cancel()
		return false, d
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true, 0
	case <-ctx.Done():
		r.Cancel()
		return false, d
	}
}
