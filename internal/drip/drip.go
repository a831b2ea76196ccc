// Package drip runs approved customers through the onboarding email sequences: it decides
// which step of which sequence is due for each active enrollment, stops enrollments whose
// advocate joined, opted out or was suppressed, renders the due step into an outbox row, and
// has the outbox (internal/outbox) send it.
//
// For `advocate serve` it offers one job, Tick (plan, then send), for the scheduler, and the
// unsubscribe handler for GET/POST /u/{token}. For the CLI it offers Plan (with a dry run),
// Send, Preview and Stop.
package drip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/outbox"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/unsubscribe"
)

// Alerter tells people about events that need them (the lead wires internal/alerts to it).
// kind is one of the Alert* constants; text is one human-readable line.
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
)

// Paragrapher writes the optional personal paragraph; *llm.Writer implements it.
type Paragrapher interface {
	Paragraph(ctx context.Context, f llm.Facts, others []string) (string, error)
	Model() string
}

// Options is what New needs. Store and Config are required.
type Options struct {
	Store   *store.Store
	Config  *config.Config
	Now     func() time.Time // default time.Now
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Alerter Alerter // optional; nil logs alerts only
	// LLM overrides the paragraph writer made from Config.OpenAI (tests); nil with no
	// openai.api_key means no personalisation.
	LLM Paragrapher
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
	llm      Paragrapher
	signer   *unsubscribe.Signer
	outbox   *outbox.Outbox
	stops    []compiled
	seqs     []sequence
	sources  advocate.Sources
	idDomain string
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

// New builds the drip from the config. It resolves the unsubscribe secret (from
// drip.unsubscribe_secret, else generated once and kept in the database).
func New(ctx context.Context, o Options) (*Drip, error) {
	if o.Store == nil || o.Config == nil {
		return nil, errors.New("drip: Store and Config are required")
	}
	d := &Drip{st: o.Store, cfg: o.Config, d: o.Config.Drip.WithDefaults(), now: o.Now, log: o.Log, alerter: o.Alerter,
		llm: o.LLM, sources: o.Config.Sources()}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	for _, s := range d.d.StopWhen {
		p, err := compile(s)
		if err != nil {
			return nil, fmt.Errorf("drip: stop_when %q: %w", s, err)
		}
		d.stops = append(d.stops, p)
	}
	for _, s := range d.d.Sequences {
		seq := sequence{DripSequence: s}
		var err error
		if seq.window, err = config.ParseWindow(s.SendWindow); err != nil {
			return nil, fmt.Errorf("drip: sequence %s: %w", s.Name, err)
		}
		if seq.loc, err = time.LoadLocation(s.Timezone); err != nil {
			return nil, fmt.Errorf("drip: sequence %s: %w", s.Name, err)
		}
		if s.When != "" {
			p, err := compile(s.When)
			if err != nil {
				return nil, fmt.Errorf("drip: sequence %s: when: %w", s.Name, err)
			}
			seq.when = &p
		}
		d.seqs = append(d.seqs, seq)
	}
	if d.llm == nil && o.Config.OpenAI.APIKey != "" {
		d.llm = llm.New(o.Config.OpenAI.APIKey, o.Config.OpenAI.BaseURL, o.Config.OpenAI.Model, d.d.Duration(d.d.LLMTimeout), nil)
	}

	secret := d.d.UnsubscribeSecret
	if secret == "" {
		var err error
		secret, err = o.Store.AppSecret(ctx, "unsubscribe", func() (string, error) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return "", err
			}
			return hex.EncodeToString(b), nil
		})
		if err != nil {
			return nil, fmt.Errorf("drip: unsubscribe secret: %w", err)
		}
	}
	signer, err := unsubscribe.NewSigner([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("drip: drip.unsubscribe_secret: %w", err)
	}
	d.signer = signer

	d.idDomain = d.d.MessageIDDomain
	if d.idDomain == "" {
		if a, err := mail.ParseAddress(o.Config.Email.From); err == nil {
			_, d.idDomain, _ = strings.Cut(a.Address, "@")
		}
	}
	if d.idDomain == "" {
		d.idDomain = "advocate.invalid"
	}

	s := o.Config.SMTP
	d.outbox = outbox.New(o.Store, outbox.SMTP{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, TLS: s.TLS,
		Timeout: d.d.Duration(d.d.SMTPTimeout)}, outbox.Config{
		Workers: d.d.Workers, BatchSize: d.d.BatchSize, Rate: *d.d.RatePerSecond, DomainRate: *d.d.DomainRatePerSecond,
		Lease: d.d.Duration(d.d.Lease),
		Retry: outbox.RetryPolicy{Base: d.d.Duration(d.d.RetryBase), Max: d.d.Duration(d.d.RetryMax), MaxAttempts: d.d.MaxAttempts},
	}, d.now, d.log)
	d.outbox.Metrics = o.Metrics
	d.outbox.OnFailed = func(ctx context.Context, m store.OutboxEmail, reason string) {
		d.alert(ctx, AlertDeliveryFailed, fmt.Sprintf("Onboarding email %q to %s failed permanently: %s", m.Key, m.To, reason))
	}
	return d, nil
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

// Outbox exposes the sender (benchmarks, tests).
func (d *Drip) Outbox() *outbox.Outbox { return d.outbox }

// CanSend reports whether an SMTP server is configured.
func (d *Drip) CanSend() bool { return d.cfg.SMTP.Host != "" }

// Tick is serve's scheduled job: plan the steps that are due into the outbox, then send what
// the outbox has due. Without smtp.host it only plans.
func (d *Drip) Tick(ctx context.Context) error {
	ps, err := d.Plan(ctx, false)
	if err != nil {
		return err
	}
	if !d.CanSend() {
		if ps.Enqueued > 0 {
			d.log.Warn("drip: emails are due but smtp.host is not set; they wait in the outbox", "due", ps.Enqueued)
		}
		return nil
	}
	st, err := d.Send(ctx)
	if st.Sent+st.Failed+st.Retried+st.Cancelled > 0 || ps.Enqueued+ps.Ended > 0 {
		d.log.Info("drip tick", "planned", ps.Enqueued, "ended", ps.Ended, "sent", st.Sent, "retried", st.Retried,
			"failed", st.Failed, "not_sent", st.Cancelled)
	}
	return err
}

// Send sends every outbox email due now.
func (d *Drip) Send(ctx context.Context) (outbox.Stats, error) {
	if !d.CanSend() {
		return outbox.Stats{}, errors.New("drip: smtp.host is not set in the config, so no email can be sent")
	}
	return d.outbox.Drain(ctx)
}

func (d *Drip) alert(ctx context.Context, kind, text string) {
	d.log.Info("drip alert", "kind", kind, "text", text)
	if d.alerter == nil {
		return
	}
	// Alerts are Slack mrkdwn; names and addresses come from customers.
	if err := d.alerter.Alert(ctx, kind, slack.Escape(text)); err != nil {
		d.log.Warn("drip: alert failed", "kind", kind, "err", err)
	}
}

// Stop ends every active or paused enrollment of a customer: joined=true records that the
// advocate joined (completed, CSM told); otherwise it is stopped. Unsent emails are cancelled.
// It returns how many enrollments it ended.
func (d *Drip) Stop(ctx context.Context, customer string, joined bool, reason string) (int, error) {
	c, err := d.st.FindCustomer(ctx, customer)
	if err != nil {
		return 0, err
	}
	es, err := d.st.CustomerEnrollments(ctx, c.ID)
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
