// Package drip runs approved customers through the onboarding email sequences: it decides
// which step of which sequence is due for each active enrollment, pauses enrollments whose
// customer's health dropped, stops those whose advocate joined, opted out or was suppressed,
// renders the due step (internal/email) into an outbox row, and has a Sender (internal/outbox)
// send it.
//
// The drip plans; the outbox sends. FromConfig (wire.go) is the one place that builds the
// drip's collaborators — the outbox, the unsubscribe signer, the LLM writer — from the
// config; the CLI and `serve` both call it.
//
// For `advocate serve` it offers one job, Tick (plan, then send), for the scheduler, and the
// unsubscribe handler for GET/POST /u/{token}. For the CLI it offers Run, Plan (with a dry
// run), Due, Preview, Stop and Resume.
package drip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/outbox"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/unsubscribe"
)

// Alerter tells people about events that need them (internal/alerts implements it).
// kind is one of the Alert* constants; text is Slack mrkdwn, one or two lines.
type Alerter interface {
	Alert(ctx context.Context, kind, text string) error
}

// Alert kinds the drip raises.
const (
	// AlertDeliveryFailed: an email failed for good (5xx, or retries exhausted).
	AlertDeliveryFailed = "delivery_failed"
	// AlertOnboardingFinished: an advocate joined (a stop signal or `drip stop --joined`), or
	// went through the whole sequence.
	AlertOnboardingFinished = "onboarding_finished"
	// AlertHealthDrop: an active enrollment was paused because its customer's health_score
	// fell below alerts.health_below.
	AlertHealthDrop = "health_drop"
)

// Paragrapher writes the optional personal paragraph; *llm.Writer implements it.
type Paragrapher interface {
	Paragraph(ctx context.Context, f llm.Facts, others []string) (string, error)
	Model() string
}

// Sender sends the emails the outbox has due; *outbox.Outbox implements it.
type Sender interface {
	Drain(ctx context.Context) (outbox.Stats, error)
}

// Mentioner names a CSM in an alert, in Slack mrkdwn, so Slack notifies them ("<@U123>");
// review's Directory implements it. Without one (or when it returns ""), the CSM's address is
// shown.
type Mentioner interface {
	Mention(ctx context.Context, email string) string
}

// Options is what New needs. Store, Config and Signer are required; FromConfig fills them
// (and Sender and LLM) from the config.
type Options struct {
	Store  *store.Store
	Config *config.Config
	// Signer signs the one-click unsubscribe link every email carries.
	Signer *unsubscribe.Signer
	// Sender sends what the outbox has due; nil means no SMTP server is configured: the drip
	// plans, and emails wait in the outbox.
	Sender Sender
	// LLM writes the invitation's personal paragraph; nil means the template's words.
	LLM Paragrapher

	Now      func() time.Time // default time.Now
	Log      *slog.Logger
	Alerter  Alerter   // optional; nil logs alerts only
	Mentions Mentioner // optional
}

// Drip is the onboarding drip. Safe for concurrent use, but Tick should not overlap itself
// (the scheduler sees to that).
type Drip struct {
	st       *store.Store
	cfg      *config.Config
	d        config.Drip // cfg.Drip with defaults
	now      func() time.Time
	log      *slog.Logger
	alerter  Alerter
	mentions Mentioner
	llm      Paragrapher
	signer   *unsubscribe.Signer
	sender   Sender
	stops    []compiled
	seqs     []sequence
	sources  advocate.Sources
	idDomain string
	tmpl     *email.Templates // the built-in templates with email.templates_dir's overrides
}

type compiled struct {
	text string
	prog *vm.Program
}

type sequence struct {
	config.DripSequence
	when   *compiled
	window config.Window
	loc    *time.Location
}

// New builds the drip from its dependencies. Its only I/O is reading email.templates_dir, when
// set (the config checked it at load; a file changed since is reported here).
func New(o Options) (*Drip, error) {
	if o.Store == nil || o.Config == nil || o.Signer == nil {
		return nil, errors.New("drip: Store, Config and Signer are required")
	}
	d := &Drip{st: o.Store, cfg: o.Config, d: o.Config.Drip.WithDefaults(), now: o.Now, log: o.Log, alerter: o.Alerter,
		mentions: o.Mentions, llm: o.LLM, signer: o.Signer, sender: o.Sender, sources: o.Config.Sources()}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if err := d.compileRules(); err != nil {
		return nil, err
	}
	d.idDomain = messageIDDomain(d.d.MessageIDDomain, o.Config.Email.From)
	d.tmpl = email.Embedded()
	if dir := o.Config.Email.TemplatesDir; dir != "" {
		t, err := email.LoadTemplates(dir)
		if err != nil {
			return nil, fmt.Errorf("drip: email.templates_dir:\n%w", err)
		}
		d.tmpl = t
	}
	return d, nil
}

// compileRules compiles the stop conditions and the sequences' selection rules and windows.
func (d *Drip) compileRules() error {
	for _, s := range d.d.StopWhen {
		p, err := compile(s)
		if err != nil {
			return fmt.Errorf("drip: stop_when %q: %w", s, err)
		}
		d.stops = append(d.stops, p)
	}
	for _, s := range d.d.Sequences {
		seq := sequence{DripSequence: s}
		var err error
		if seq.window, err = config.ParseWindow(s.SendWindow); err != nil {
			return fmt.Errorf("drip: sequence %s: %w", s.Name, err)
		}
		if seq.loc, err = time.LoadLocation(s.Timezone); err != nil {
			return fmt.Errorf("drip: sequence %s: %w", s.Name, err)
		}
		if s.When != "" {
			p, err := compile(s.When)
			if err != nil {
				return fmt.Errorf("drip: sequence %s: when: %w", s.Name, err)
			}
			seq.when = &p
		}
		d.seqs = append(d.seqs, seq)
	}
	return nil
}

// messageIDDomain is the right-hand side of the Message-IDs: drip.message_id_domain, else the
// sender's domain.
func messageIDDomain(configured, from string) string {
	if configured != "" {
		return configured
	}
	if a, err := mail.ParseAddress(from); err == nil {
		if _, domain, _ := strings.Cut(a.Address, "@"); domain != "" {
			return domain
		}
	}
	return "advocate.invalid"
}

func compile(s string) (compiled, error) {
	p, err := expr.Compile(s, expr.AllowUndefinedVariables(), expr.AsBool())
	return compiled{text: s, prog: p}, err
}

// matches runs a compiled expression; a name the customer lacks (nil) or any runtime error
// counts as false, so a missing signal never stops or reroutes anyone.
func (c compiled) matches(env map[string]any) bool {
	out, err := expr.Run(c.prog, env)
	b, ok := out.(bool)
	return err == nil && ok && b
}

// Schedule is the cron spec serve should run Tick on (drip.schedule).
func (d *Drip) Schedule() string { return d.d.Schedule }

// UnsubscribeHandler serves GET/POST /u/{token}; mount it at "/u/".
func (d *Drip) UnsubscribeHandler() http.Handler {
	name := d.cfg.Email.From
	if a, err := mail.ParseAddress(name); err == nil && a.Name != "" {
		name = a.Name
	}
	return &unsubscribe.Handler{Signer: d.signer, Store: d.st, Log: d.log, Sender: name}
}

// CanSend reports whether an SMTP server is configured (the drip has a Sender).
func (d *Drip) CanSend() bool { return d.sender != nil }

// ErrCannotSend is wrapped by Run when no SMTP server is configured.
var ErrCannotSend = errors.New("smtp.host is not set in the config, so no email can be sent")

// Result is what one Run did.
type Result struct {
	Plan PlanStats
	Sent outbox.Stats
}

// Run plans the steps that are due into the outbox, then sends what the outbox has due: the
// work of `advocate drip` and of serve's Tick. An enrollment that cannot be planned does not
// hold the others, nor the sending; its error is returned with the rest. Without a Sender it
// only plans and returns an error wrapping ErrCannotSend.
func (d *Drip) Run(ctx context.Context) (Result, error) {
	var r Result
	var planErr error
	r.Plan, planErr = d.Plan(ctx, false)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if d.sender == nil {
		return r, errors.Join(fmt.Errorf("drip: %d email(s) planned, but %w", r.Plan.Enqueued, ErrCannotSend), planErr)
	}
	var sendErr error
	r.Sent, sendErr = d.sender.Drain(ctx)
	return r, errors.Join(planErr, sendErr)
}

// Tick is serve's scheduled job: Run, logged. Without smtp.host it only plans, and says so
// when emails are waiting.
func (d *Drip) Tick(ctx context.Context) error {
	if !d.CanSend() {
		ps, err := d.Plan(ctx, false)
		if ps.Enqueued > 0 {
			d.log.Warn("drip: emails are due but smtp.host is not set; they wait in the outbox", "due", ps.Enqueued)
		}
		return err
	}
	r, err := d.Run(ctx)
	ps, st := r.Plan, r.Sent
	if st.Sent+st.Failed+st.Retried+st.Cancelled > 0 || ps.Enqueued+ps.Ended+ps.Paused+ps.AwaitingAffiliate > 0 {
		d.log.Info("drip tick", "planned", ps.Enqueued, "ended", ps.Ended, "paused", ps.Paused, "awaiting_affiliate", ps.AwaitingAffiliate,
			"sent", st.Sent, "retried", st.Retried, "failed", st.Failed, "not_sent", st.Cancelled)
	}
	return err
}

// Due lists the outbox emails waiting to be sent now (pending, their next attempt not in the
// future): what a send would pick up.
func (d *Drip) Due(ctx context.Context) ([]store.OutboxEmail, error) {
	rows, err := d.st.OutboxEmails(ctx, store.OutboxFilter{Status: "pending"})
	if err != nil {
		return nil, err
	}
	now := d.now()
	var due []store.OutboxEmail
	for _, m := range rows {
		if !m.NextAttemptAt.After(now) {
			due = append(due, m)
		}
	}
	return due, nil
}

// alert raises an alert whose text is plain (names and addresses from customers): it is
// escaped for Slack. A failure is logged.
func (d *Drip) alert(ctx context.Context, kind, text string) {
	if err := d.raise(ctx, kind, slack.Escape(text)); err != nil {
		d.log.Warn("drip: alert failed", "kind", kind, "err", err)
	}
}

// raise hands an alert in Slack mrkdwn (the caller escaped what came from customers) to the
// Alerter.
func (d *Drip) raise(ctx context.Context, kind, mrkdwn string) error {
	d.log.Info("drip alert", "kind", kind, "text", mrkdwn)
	if d.alerter == nil {
		return nil
	}
	if err := d.alerter.Alert(ctx, kind, mrkdwn); err != nil {
		return fmt.Errorf("drip: alert %s: %w", kind, err)
	}
	return nil
}

// DeliveryFailed tells the CSM that an email failed for good; the outbox calls it (its
// OnFailed hook, set by FromConfig).
func (d *Drip) DeliveryFailed(ctx context.Context, m store.OutboxEmail, reason string) {
	d.alert(ctx, AlertDeliveryFailed, fmt.Sprintf("Onboarding email %q to %s failed permanently: %s", m.Key, m.To, reason))
}

// Stop ends every active or paused enrollment of a customer: joined=true records that the
// advocate joined (completed, CSM told); otherwise it is stopped. Unsent emails are cancelled.
// It returns how many enrollments it ended.
func (d *Drip) Stop(ctx context.Context, customer string, joined bool, reason string) (int, error) {
	c, es, err := d.customerEnrollments(ctx, customer)
	if err != nil {
		return 0, err
	}
	status := "stopped"
	if joined {
		status = "completed"
		reason = strings.TrimSpace("joined " + reason)
	}
	n := 0
	for _, e := range es {
		ended, err := d.st.EndEnrollment(ctx, e.ID, status, reason)
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	if joined && n > 0 {
		d.alert(ctx, AlertOnboardingFinished, fmt.Sprintf("%s joined the partner program; onboarding emails stopped.", c.Label()))
	}
	return n, nil
}

// customerEnrollments finds a customer by id or domain and lists its enrollments.
func (d *Drip) customerEnrollments(ctx context.Context, customer string) (advocate.Customer, []store.Enrollment, error) {
	c, err := d.st.FindCustomer(ctx, customer)
	if err != nil {
		return c, nil, err
	}
	es, err := d.st.CustomerEnrollments(ctx, c.ID)
	return c, es, err
}
