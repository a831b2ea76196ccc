// Package doctor checks that a deployment can do its job before a scheduled run finds out it
// cannot: the config, the database and its migrations, every connector's credentials (one
// cheap authenticated call each), Slack, SMTP (no mail sent), OpenAI, the affiliate platform,
// server.public_url, the model-input coverage and the unsubscribe secret. Each check ends in a
// verdict, a detail and, when it fails, a hint saying what to change.
//
// `advocate doctor [--json]` prints the Report (exit 1 unless Report.OK). `advocate serve` runs
// the same checks once the store is migrated and logs what fails as warnings; it starts anyway:
//
//	st.Migrate(ctx) // first: the database check reports pending migrations as a failure
//	rep := doctor.Run(ctx, doctor.Options{ConfigPath: path, Config: cfg, Store: st, Log: log})
//	rep.Log(log) // one WARN line per failed check or warning, one INFO summary line
//
// Checks never write: no mail is sent, no Slack message posted, no affiliate created, no secret
// generated. Every text is stripped of the configured secrets before it is shown.
package doctor

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/all" // every connector type, so each can be built and checked
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
)

// DefaultTimeout bounds one check: long enough for a slow vendor, short enough that a dead
// one does not hold `serve`'s start for minutes.
const DefaultTimeout = 10 * time.Second

// Options is what the checks need. Config or ConfigErr, and Store or StoreErr, come from the
// caller having tried to load and open them: a failure there is itself a check's verdict.
type Options struct {
	// ConfigPath is the file the config was (or was to be) loaded from, for messages.
	ConfigPath string
	// Config is the loaded config; nil when loading failed (ConfigErr says why).
	Config    *config.Config
	ConfigErr error
	// Store is the opened store; nil when opening failed (StoreErr says why) or was not tried.
	Store    *store.Store
	StoreErr error
	// HTTP makes the vendor calls (connectors, affiliate platform, OpenAI, Slack); nil = each
	// client's default (30 s timeout; the per-check timeout is shorter).
	HTTP *http.Client
	// SMTPTLS overrides the TLS settings of the SMTP check (tests with a self-signed server).
	SMTPTLS *tls.Config
	// Now is the clock (details with times); nil = time.Now.
	Now func() time.Time
	// Timeout bounds each check; 0 = DefaultTimeout.
	Timeout time.Duration
	Log     *slog.Logger
}

// Check is one verdict. The JSON names follow the `doctor --json` contract (DESIGN.md).
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Hint says what to change when the check failed (or warns).
	Hint string `json:"hint,omitempty"`
	// Skipped is set when the thing checked is not configured (or a check it depends on
	// failed); a skipped check is OK.
	Skipped bool `json:"skipped,omitempty"`
	// Warning marks an OK check with something worth a look (affiliate creations waiting for a
	// retry, a public channel the bot is not in).
	Warning bool `json:"warning,omitempty"`
}

// Report is every check in a fixed order (not the order they finished in).
type Report struct {
	Checks []Check `json:"checks"`
	OK     bool    `json:"ok"`
}

// Failed lists the checks that failed.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// WriteJSON writes the report as one JSON document (the `doctor --json` contract).
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one line per check for a person: ✓ (OK), ! (OK with a warning), – (skipped)
// or ✗ (failed), the name, the detail, and the hint indented on the next line.
func (r Report) WriteText(w io.Writer) error {
	width := 0
	for _, c := range r.Checks {
		width = max(width, len([]rune(c.Name)))
	}
	var b strings.Builder
	for _, c := range r.Checks {
		mark := "✓"
		switch {
		case !c.OK:
			mark = "✗"
		case c.Warning:
			mark = "!"
		case c.Skipped:
			mark = "–"
		}
		fmt.Fprintf(&b, "%s %-*s  %s\n", mark, width, c.Name, c.Detail)
		if c.Hint != "" {
			fmt.Fprintf(&b, "  %*s  → %s\n", width, "", c.Hint)
		}
	}
	if r.OK {
		b.WriteString("\nAll checks passed.\n")
	} else {
		fmt.Fprintf(&b, "\n%d of %d checks failed.\n", len(r.Failed()), len(r.Checks))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Log writes the report to a daemon's log: each failed check and each warning as a WARN line
// (with its hint), then one INFO line counting them. `serve` calls it at start.
func (r Report) Log(l *slog.Logger) {
	warnings := 0
	for _, c := range r.Checks {
		switch {
		case !c.OK:
			l.Warn("doctor: check failed", "check", c.Name, "detail", c.Detail, "hint", c.Hint)
		case c.Warning:
			warnings++
			l.Warn("doctor: warning", "check", c.Name, "detail", c.Detail, "hint", c.Hint)
		}
	}
	l.Info("doctor: checks done", "checks", len(r.Checks), "failed", len(r.Failed()), "warnings", warnings)
}

// check is one named check to run; fn fills in the verdict.
type check struct {
	name string
	fn   func(ctx context.Context) Check
}

// Run runs every check concurrently, each bounded by the timeout, and returns them in a fixed
// order. It never fails: a check that cannot run is a failed (or skipped) check.
func Run(ctx context.Context, o Options) Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	r := &runner{o: o, secrets: secretsOf(o.Config)}
	checks := r.plan()
	out := make([]Check, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = r.run(ctx, c)
		}()
	}
	wg.Wait()
	rep := Report{Checks: out, OK: true}
	for _, c := range out {
		rep.OK = rep.OK && c.OK
	}
	return rep
}

type runner struct {
	o       Options
	secrets []string
}

// run runs one check within the timeout. A check that does not return in time even so (one
// that ignores its context) is reported as timed out and left to finish on its own.
func (r *runner) run(ctx context.Context, c check) Check {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	done := make(chan Check, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- Check{OK: false, Detail: fmt.Sprintf("the check crashed: %v", p)}
			}
		}()
		done <- c.fn(ctx)
	}()
	// A check that honours ctx returns soon after the deadline with its own words and hint;
	// the grace period is for that, the generic verdict for one that does not.
	grace := time.NewTimer(r.o.Timeout + time.Second)
	defer grace.Stop()
	var res Check
	select {
	case res = <-done:
		if !res.OK && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			res.Detail = fmt.Sprintf("no answer within %s: %s", r.o.Timeout, res.Detail)
		}
	case <-grace.C:
		res = Check{Detail: fmt.Sprintf("no answer within %s", r.o.Timeout), Hint: "check the network path to it (firewall, proxy, DNS)"}
	}
	res.Name = c.name
	res.Detail = connectors.RedactSecrets(res.Detail, r.secrets...)
	res.Hint = connectors.RedactSecrets(res.Hint, r.secrets...)
	return res
}

// plan lists the checks the options call for, in report order.
func (r *runner) plan() []check {
	checks := []check{{"config", r.checkConfig}, {"database", r.checkDatabase}}
	cfg := r.o.Config
	if cfg == nil {
		return checks
	}
	for i, s := range cfg.Connectors {
		checks = append(checks, check{"connector " + s.Name, func(ctx context.Context) Check { return r.checkConnector(ctx, i, s) }})
	}
	aff := "affiliates"
	if cfg.Affiliates.Configured() {
		aff += " " + cfg.Affiliates.Platform
	}
	checks = append(checks,
		check{"slack", r.checkSlack},
		check{"smtp", r.checkSMTP},
		check{"openai", r.checkOpenAI},
		check{aff, r.checkAffiliates},
		check{"public_url", r.checkPublicURL},
		check{"model inputs", r.checkCoverage},
		check{"unsubscribe secret", r.checkUnsubscribe},
	)
	return checks
}

// pass, warn, skip and fail build verdicts.
func pass(format string, args ...any) Check {
	return Check{OK: true, Detail: fmt.Sprintf(format, args...)}
}

func warn(detail, hint string) Check {
	return Check{OK: true, Warning: true, Detail: detail, Hint: hint}
}

func skip(format string, args ...any) Check {
	return Check{OK: true, Skipped: true, Detail: fmt.Sprintf(format, args...)}
}

func fail(detail, hint string) Check { return Check{Detail: detail, Hint: hint} }

// secretsOf lists every secret in the config, so no check's text can show one.
func secretsOf(c *config.Config) []string {
	if c == nil {
		return nil
	}
	out := []string{c.Slack.BotToken, c.Slack.SigningSecret, c.Slack.AppToken, c.SMTP.Password, c.OpenAI.APIKey,
		c.Server.APIToken, c.Affiliates.APIKey, c.Affiliates.WebhookSecret, c.Drip.UnsubscribeSecret}
	for _, s := range c.Connectors {
		out = append(out, s.Token, s.APIKey, s.AccessToken)
	}
	if u := c.Database.URL; u != "" && u != store.Redact(u) {
		out = append(out, passwordOf(u))
	}
	return out
}
