package affiliates

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/alerts"
	"github.com/advocate-hq/advocate/internal/backoff"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
)

// How failed affiliate creates are retried (issue 12: "if the platform is down, the enrollment
// waits, retries with backoff, and alerts the CSM channel after repeated failures").
const (
	RetryBase = time.Minute // the wait after the first failure; it doubles per failure
	RetryMax  = time.Hour   // the longest wait: a platform back up is used within the hour
	// DefaultAlertAfter is how many failures in a row for one person alert the CSM channel.
	// With the 1, 2, 4, 8 minute waits the fifth failure comes about 15 minutes after the
	// first, so a platform blip is retried quietly and an outage that delays onboarding emails
	// is reported — once, not per person or per retry.
	DefaultAlertAfter = 5
	// RetrySchedule is how often the retry job looks for creates that are due: the shortest wait.
	RetrySchedule = "@every 1m"
	// maxFailuresPerRun creates failing in a row end a run early.
	maxFailuresPerRun = 3
)

// Alert kinds raised by the retry job (alerts.Alerter queues them for the CSM channel).
const (
	KindCreationFailing   = alerts.KindAffiliateCreationFailing
	KindCreationRecovered = alerts.KindAffiliateCreationRecovered
)

// alertKey is the retry job's memory in the store's alert_state: whether a wait on the platform
// was reported and its end not yet, so replicas and restarts alert once per outage.
const alertKey = "affiliates:"

// RetryDelay is the wait before the next create of email's affiliate after attempts failures
// in a row: RetryBase·2^(attempts-1) capped at RetryMax, ±10% jitter keyed by the person and
// attempt (people approved together do not all hit a recovering platform at once), in whole
// seconds (what every engine stores exactly). Pure.
func RetryDelay(attempts int, email string) time.Duration {
	d := backoff.Jitter(backoff.Exponential(RetryBase, RetryMax, attempts), fmt.Sprintf("%s/%d", email, attempts))
	return d.Round(time.Second)
}

// CreateAffiliate makes the contact an affiliate (once) and records the platform's id and
// links; it is decide.Affiliates. Calling it again for the same person is safe and creates
// nothing. A failure is recorded with its retry time (RetryDelay), so the retry job asks the
// platform again and the approval's error says so; a success clears what was recorded.
func (e *Enroller) CreateAffiliate(ctx context.Context, c advocate.Customer, contactEmail string) error {
	email := strings.ToLower(strings.TrimSpace(contactEmail))
	err := e.create(ctx, c, email)
	if err == nil {
		if cerr := e.st.ClearAffiliateAttempt(ctx, e.platform.Name(), email); cerr != nil {
			// The affiliate is stored; the next retry run finds it and clears the row.
			e.log.Warn("affiliate created, its failed attempts not cleared", "email", email, "err", cerr)
		}
		return nil
	}
	err = connectors.RedactError(err, e.secrets...)
	// Not the platform's failure: someone else is creating it, or we are stopping.
	if email == "" || errors.Is(err, ErrBusy) || ctx.Err() != nil {
		return err
	}
	a, rerr := e.st.RecordAffiliateFailure(ctx, e.platform.Name(), email, c.ID, advocate.Clip(err.Error(), 1000), func(n int) time.Duration {
		return RetryDelay(n, email)
	})
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	return fmt.Errorf("%w (failed %d time(s) in a row; retried automatically from %s)", err, a.Attempts, a.NextAttemptAt.Format("2006-01-02 15:04 MST"))
}

// Alerter queues an alert for the CSM channel; alerts.Alerter satisfies it.
type Alerter interface {
	Alert(ctx context.Context, kind, text string) error
}

// Retrier is the retry job: it makes the affiliates approvals could not make, and tells the
// CSM channel when people have waited too long and when the wait is over.
type Retrier struct {
	en     *Enroller
	alerts Alerter
	now    func() time.Time
	log    *slog.Logger
	// AlertAfter is how many failures in a row for one person raise the alert; default
	// DefaultAlertAfter.
	AlertAfter int
}

// NewRetrier is the retry job of en's platform. alerts nil: the alert is logged only; now nil:
// time.Now.
func NewRetrier(en *Enroller, alerts Alerter, now func() time.Time) *Retrier {
	if now == nil {
		now = time.Now
	}
	return &Retrier{en: en, alerts: alerts, now: now, log: en.log.With("job", "affiliate-retry"), AlertAfter: DefaultAlertAfter}
}

// RetryStats counts what one Run did.
type RetryStats struct {
	Due, Created, Failed int
}

// Run asks the platform again for every approved contact (active enrollment) still without an
// affiliate link whose next attempt is due — or who has none recorded: approved before retries
// were recorded, or the process stopped between enrolling and creating — and then alerts.
// Failures are recorded (and alerted), not returned; store errors are.
func (r *Retrier) Run(ctx context.Context) error {
	st, err := r.retry(ctx)
	if st.Due > 0 {
		r.log.Info("affiliate creates retried", "due", st.Due, "created", st.Created, "failed", st.Failed)
	}
	return errors.Join(err, r.check(ctx))
}

func (r *Retrier) retry(ctx context.Context) (RetryStats, error) {
	var st RetryStats
	pending, err := r.en.st.PendingAffiliates(ctx, r.en.platform.Name())
	if err != nil {
		return st, err
	}
	now := r.now()
	failedInARow := 0
	for _, p := range pending {
		if p.Attempt != nil && now.Before(p.Attempt.NextAttemptAt) {
			continue
		}
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		if failedInARow == maxFailuresPerRun {
			// The platform looks down, and each create may spend minutes in the client's own
			// retries: the rest stay due for the next run.
			r.log.Info("affiliate retries stopped for this run: the platform keeps failing", "failed", failedInARow)
			break
		}
		st.Due++
		c, err := r.en.st.FindCustomer(ctx, p.CustomerID)
		if err != nil {
			return st, err
		}
		if err := r.en.CreateAffiliate(ctx, c, p.Email); err != nil {
			st.Failed++
			failedInARow++
			r.log.Warn("affiliate still not created", "customer", p.CustomerID, "email", p.Email, "err", err)
			continue
		}
		st.Created++
		failedInARow = 0
	}
	return st, nil
}

// check raises one alert when people start waiting too long (AlertAfter failures in a row)
// and one when nobody reported waits any more, remembering in alert_state which was said last
// (as alerts.Check does for connectors). People who cross the line while the outage is
// already reported are marked, not alerted again.
func (r *Retrier) check(ctx context.Context) error {
	st, platform := r.en.st, r.en.platform.Name()
	pending, err := st.PendingAffiliates(ctx, platform)
	if err != nil {
		return err
	}
	key := alertKey + platform
	states, err := st.AlertStates(ctx, key)
	if err != nil {
		return err
	}
	reported := states[key] == "failing"
	var fresh []store.PendingAffiliate
	stillAlerted := false
	for _, p := range pending {
		switch a := p.Attempt; {
		case a == nil:
		case a.Alerted:
			stillAlerted = true
		case a.Attempts >= max(r.AlertAfter, 1):
			fresh = append(fresh, p)
		}
	}
	if reported && !stillAlerted {
		text := fmt.Sprintf("`%s` is creating affiliates again: everyone reported waiting has their referral link, and their onboarding emails go out with the next drip run.", slack.Escape(platform))
		if err := r.raise(ctx, key, "", KindCreationRecovered, text); err != nil {
			return err
		}
		reported = false
	}
	if len(fresh) == 0 {
		return nil
	}
	if !reported {
		if err := r.raise(ctx, key, "failing", KindCreationFailing, failingText(platform, fresh, r.AlertAfter)); err != nil {
			return err
		}
	}
	emails := make([]string, len(fresh))
	for i, p := range fresh {
		emails[i] = p.Email
	}
	return st.MarkAffiliateAttemptsAlerted(ctx, platform, emails)
}

// raise queues the alert, then remembers the new state: if remembering fails, the next run
// alerts again rather than never.
func (r *Retrier) raise(ctx context.Context, key, state, kind, text string) error {
	if r.alerts == nil {
		r.log.Warn("alert (no alerter)", "kind", kind, "text", text)
	} else if err := r.alerts.Alert(ctx, kind, text); err != nil {
		return err
	}
	return r.en.st.SetAlertState(ctx, key, state)
}

// failingText is the CSM's alert: who waits, since when, and the platform's last answer.
func failingText(platform string, waiting []store.PendingAffiliate, after int) string {
	oldest, last := waiting[0].Attempt, waiting[0].Attempt
	for _, p := range waiting {
		if p.Attempt.FirstFailedAt.Before(oldest.FirstFailedAt) {
			oldest = p.Attempt
		}
		if p.Attempt.LastFailedAt.After(last.LastFailedAt) {
			last = p.Attempt
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` could not create the affiliate of %d approved contact(s), %d or more times in a row since %s. Their onboarding emails wait for the referral link; Advocate keeps retrying (at most hourly) and says so here when it works again.\nLast error: %s",
		slack.Escape(platform), len(waiting), max(after, 1), oldest.FirstFailedAt.Format("2006-01-02 15:04 MST"),
		slack.Escape(advocate.Clip(advocate.FirstLine(last.LastError), 300)))
	for i, p := range waiting {
		if i == 10 {
			fmt.Fprintf(&b, "\n… and %d more", len(waiting)-10)
			break
		}
		fmt.Fprintf(&b, "\n• %s (%d attempts)", slack.Escape(p.Email), p.Attempt.Attempts)
	}
	return b.String()
}

// Waiting is what `advocate status` shows of the affiliate creations still to be made on a
// platform: approved contacts whose emails wait for their referral link.
type Waiting struct {
	Platform string `json:"platform"`
	Pending  int    `json:"pending"` // approved contacts without an affiliate link
	Failing  int    `json:"failing"` // of them, those whose create failed at least once
	// FailingSince is the first failure of the longest-failing person; nil when none failed.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	LastError    string     `json:"last_error,omitempty"` // the newest failure's
	LastErrorAt  *time.Time `json:"last_error_at,omitempty"`
	// NextAttemptAt is the soonest retry; nil when nothing failed (due at the next run).
	NextAttemptAt *time.Time               `json:"next_attempt_at,omitempty"`
	Contacts      []store.PendingAffiliate `json:"contacts"`
}

// WaitingOn reads the affiliate creations waiting on platform.
func WaitingOn(ctx context.Context, st *store.Store, platform string) (Waiting, error) {
	ps, err := st.PendingAffiliates(ctx, platform)
	if err != nil {
		return Waiting{}, err
	}
	w := Waiting{Platform: platform, Pending: len(ps), Contacts: ps}
	if w.Contacts == nil {
		w.Contacts = []store.PendingAffiliate{}
	}
	for _, p := range ps {
		a := p.Attempt
		if a == nil {
			continue
		}
		w.Failing++
		if w.FailingSince == nil || a.FirstFailedAt.Before(*w.FailingSince) {
			w.FailingSince = &a.FirstFailedAt
		}
		if w.LastErrorAt == nil || a.LastFailedAt.After(*w.LastErrorAt) {
			w.LastErrorAt, w.LastError = &a.LastFailedAt, a.LastError
		}
		if w.NextAttemptAt == nil || a.NextAttemptAt.Before(*w.NextAttemptAt) {
			w.NextAttemptAt = &a.NextAttemptAt
		}
	}
	return w, nil
}
