package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/coverage"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/unsubscribe"
)

// Verifier is a connector or affiliate platform that can check its credentials with one cheap
// authenticated call (connectors/<vendor>/verify.go). A failure that is the credential's is a
// *connectors.CredentialError naming the setting.
type Verifier interface {
	Verify(ctx context.Context) error
}

// retry is the connectors' retry policy here: one retry, soon. A doctor run answers in
// seconds; a vendor that is down for longer is what the check should report.
var retry = connectors.RetryPolicy{MaxAttempts: 2, BaseDelay: 500 * time.Millisecond, MaxDelay: time.Second, MaxTotalWait: 2 * time.Second}

func (r *runner) configName() string {
	if r.o.Config != nil && r.o.Config.Path != "" {
		return r.o.Config.Path
	}
	return cmp.Or(r.o.ConfigPath, "the config file")
}

func (r *runner) checkConfig(context.Context) Check {
	if r.o.ConfigErr != nil {
		lines := strings.Split(strings.TrimSpace(r.o.ConfigErr.Error()), "\n")
		return fail(strings.Join(lines, "; "), "fix "+r.configName()+" at the line named (`advocate init` writes a commented starter file)")
	}
	c := r.o.Config
	if c == nil {
		return fail("no configuration was loaded", "pass --config FILE or set ADVOCATE_CONFIG")
	}
	n := fmt.Sprintf("%d connectors", len(c.Connectors))
	if len(c.Connectors) == 1 {
		n = "1 connector"
	}
	return pass("%s: valid; %s", r.configName(), n)
}

func (r *runner) checkDatabase(ctx context.Context) Check {
	const where = "database.url (or --db, ADVOCATE_DATABASE_URL)"
	if r.o.StoreErr != nil {
		return fail(r.o.StoreErr.Error(), "check "+where+" and that the database server is up and reachable")
	}
	st := r.o.Store
	if st == nil {
		return skip("not opened")
	}
	if err := st.DB().PingContext(ctx); err != nil {
		return fail(fmt.Sprintf("%s database unreachable: %v", st.Dialect(), err), "check "+where+" and that the database server is up")
	}
	applied, latest, err := st.SchemaStatus(ctx)
	switch {
	case err != nil:
		return fail(err.Error(), "check that the database user may read the schema")
	case applied < latest:
		return fail(fmt.Sprintf("%s reachable, but its schema is at migration %d of %d", st.Dialect(), applied, latest),
			"run `advocate migrate` (`advocate serve` also applies migrations at start)")
	case applied > latest:
		return fail(fmt.Sprintf("%s schema is at migration %d, newer than this binary knows (%d)", st.Dialect(), applied, latest),
			"a newer advocate migrated this database: upgrade this binary")
	}
	return pass("%s reachable; migrations current (%d)", st.Dialect(), latest)
}

func (r *runner) checkConnector(ctx context.Context, i int, s connectors.Settings) Check {
	key := fmt.Sprintf("connectors[%d]", i)
	if s.Type == "webhook" { // push source: nothing to call, but a token to have
		switch {
		case strings.TrimSpace(s.Token) != "":
			return pass("push source; its token is set")
		case r.o.Config.Server.APIToken != "":
			return pass("push source without a token of its own: pushes use server.api_token with ?source=%s", s.Name)
		}
		return fail("push source without a token: every push to POST /api/v1/signals is refused",
			"set "+key+".token (or server.api_token)")
	}
	rp := retry
	s.Runtime = connectors.Runtime{Log: r.o.Log, HTTP: r.o.HTTP, Now: r.o.Now, Retry: &rp}
	c, err := connectors.New(s)
	if err != nil {
		return fail(err.Error(), "fix "+key+" in "+r.configName())
	}
	v, ok := c.(Verifier)
	if !ok {
		return skip("type %s has no credential check", s.Type)
	}
	if err := v.Verify(ctx); err != nil {
		return fail(err.Error(), hintFor(err, key, "connector "+s.Name))
	}
	if s.Type == "csv" {
		return pass("file readable; its header has the columns the settings need")
	}
	return pass("%s accepted the credentials", s.Type)
}

// hintFor says what to change for a failed vendor call: the credential setting for a 401/403,
// base_url for a 404 or an unreachable host.
func hintFor(err error, key, what string) string {
	var ce *connectors.CredentialError
	var se *connectors.StatusError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		parts := strings.Split(ce.Setting, " and ")
		for i, p := range parts {
			parts[i] = key + "." + p
		}
		h := "check " + strings.Join(parts, " and ") + " (" + what + ")"
		if ce.Status == 403 {
			h += ": grant the permissions (scopes) the connector's documentation lists"
		}
		return h
	case errors.As(err, &se) && se.Status == 404:
		return "check " + key + ".base_url and the ids in the settings (" + what + ")"
	case errors.As(err, &se) && se.Status == 429:
		return "the vendor is rate limiting: try again in a few minutes"
	case errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "dial tcp"):
		return "check " + key + ".base_url and that this machine can reach it (" + what + ")"
	}
	return ""
}

func (r *runner) checkSlack(ctx context.Context) Check {
	cfg := r.o.Config
	if cfg.Slack.BotToken == "" {
		return skip("slack.bot_token not set: shortlists are printed, not posted")
	}
	c := slack.New(slack.Config{BotToken: cfg.Slack.BotToken, APIURL: cfg.Slack.APIURL, HTTPClient: r.o.HTTP,
		MaxRetries: 1, Workers: 1, Queue: 1, Log: r.o.Log})
	defer c.Close(context.WithoutCancel(ctx))
	channel := cfg.Shortlist.Channel
	a, err := c.VerifyAccess(ctx, channel, cfg.Shortlist.DM)
	var ae *slack.AccessError
	switch {
	case err == nil:
	case errors.As(err, &ae) && ae.Scope != "":
		return fail(err.Error(), "add the "+ae.Scope+" scope to the Slack app, reinstall it, and update slack.bot_token")
	case errors.As(err, &ae) && ae.Part == slack.PartToken && ae.Code != "":
		return fail(err.Error(), "check slack.bot_token: the Bot User OAuth Token (xoxb-…) of the installed app")
	case errors.As(err, &ae) && ae.Part == slack.PartChannel:
		return fail(err.Error(), fmt.Sprintf("check shortlist.channel, and invite the bot: /invite @%s in %s", cmp.Or(a.BotUser, "advocate"), channel))
	default:
		return fail(err.Error(), "check slack.api_url and that this machine can reach Slack")
	}
	detail := fmt.Sprintf("bot @%s in workspace %s", a.BotUser, a.Team)
	switch {
	case channel != "":
		detail += "; can post to " + channel
	case !cfg.Shortlist.DM:
		return warn(detail+"; no shortlist.channel, so the shortlist has nowhere to go", "set shortlist.channel (or shortlist.dm: true)")
	}
	if cfg.Shortlist.DM {
		detail += "; can look CSMs up by e-mail for direct messages"
	}
	if a.Note != "" {
		return warn(detail+"; "+a.Note, fmt.Sprintf("invite the bot: /invite @%s in %s", a.BotUser, channel))
	}
	return pass("%s", detail)
}

func (r *runner) checkSMTP(ctx context.Context) Check {
	s := r.o.Config.SMTP
	if s.Host == "" {
		return skip("smtp.host not set: no email is sent")
	}
	err := email.VerifySMTP(ctx, email.SMTP{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password,
		TLS: s.TLS, Timeout: r.o.Timeout, TLSConfig: r.o.SMTPTLS})
	var se *email.SMTPError
	if errors.As(err, &se) {
		hint := map[string]string{
			email.StageConnect:  "check smtp.host and smtp.port (587 for starttls, 465 for tls) and that this machine may reach it",
			email.StageGreeting: "check that smtp.host:smtp.port is an SMTP server",
			email.StageTLS:      "check smtp.tls: starttls on port 587, tls on 465; none only for a relay on a trusted network",
			email.StageAuth:     "check smtp.username and smtp.password",
		}[se.Stage]
		return fail(err.Error(), hint)
	}
	if err != nil {
		return fail(err.Error(), "check the smtp section")
	}
	detail := fmt.Sprintf("%s:%d: connected, EHLO", s.Host, s.Port)
	if s.TLS != "none" {
		detail += ", " + s.TLS
	}
	if s.Username != "" {
		detail += ", logged in as " + s.Username
	}
	return pass("%s; nothing sent", detail)
}

func (r *runner) checkOpenAI(ctx context.Context) Check {
	o := r.o.Config.OpenAI
	if o.APIKey == "" {
		return skip("openai.api_key not set: emails use the templates' own words")
	}
	err := llm.New(o.APIKey, o.BaseURL, o.Model, r.o.Timeout, r.o.HTTP).Verify(ctx)
	switch {
	case errors.Is(err, llm.ErrUnknownModel):
		return fail(err.Error(), "set openai.model to a model the key can use")
	case errors.Is(err, llm.ErrKeyRejected):
		return fail(err.Error(), "check openai.api_key")
	case err != nil:
		return fail(err.Error(), "check openai.base_url (an OpenAI-compatible API, ending in /v1) and that this machine can reach it")
	}
	return pass("key accepted; model %s available", o.Model)
}

func (r *runner) checkAffiliates(ctx context.Context) Check {
	a := r.o.Config.Affiliates
	if !a.Configured() {
		return skip("no affiliates.platform: approved customers get the program URL only")
	}
	s := affiliates.SettingsOf(a, r.o.Log)
	s.HTTP = r.o.HTTP
	p, err := platforms.New(s)
	if err != nil {
		return fail(err.Error(), "fix the affiliates section of "+r.configName())
	}
	v, ok := p.(Verifier)
	if !ok {
		return skip("platform %s has no credential check", a.Platform)
	}
	if err := v.Verify(ctx); err != nil {
		return fail(err.Error(), hintFor(err, "affiliates", "platform "+a.Platform))
	}
	detail := p.Name() + " accepted the credentials"
	var warnings, hints []string
	switch {
	case a.WebhookSecret != "":
		detail += "; signed webhooks are verified at POST /webhooks/affiliates"
	case a.Platform == "partnerstack":
		detail += "; outcomes arrive by the scheduled sync (PartnerStack webhooks cannot be verified)"
	default:
		warnings = append(warnings, "affiliates.webhook_secret not set: outcomes arrive by the scheduled sync only")
		hints = append(hints, "set affiliates.webhook_secret and subscribe the platform's webhooks to <public_url>/webhooks/affiliates")
	}
	if st := r.o.Store; st != nil {
		w, err := affiliates.WaitingOn(ctx, st, p.Name())
		switch {
		case err != nil:
			warnings = append(warnings, "could not read affiliate creations waiting for a retry: "+err.Error())
		case w.Failing > 0:
			since := ""
			if w.FailingSince != nil {
				since = " since " + w.FailingSince.UTC().Format(time.DateOnly)
			}
			warnings = append(warnings, fmt.Sprintf("%d approved contacts wait for their affiliate, %d failing%s (last error: %s)",
				w.Pending, w.Failing, since, w.LastError))
			hints = append(hints, "they are retried on the affiliates schedule; `advocate status` lists them")
		case w.Pending > 0:
			detail += fmt.Sprintf("; %d approved contacts wait for their affiliate (made at the next run)", w.Pending)
		}
	}
	if len(warnings) > 0 {
		return warn(detail+"; "+strings.Join(warnings, "; "), strings.Join(hints, "; "))
	}
	return pass("%s", detail)
}

func (r *runner) checkPublicURL(context.Context) Check {
	cfg := r.o.Config
	raw := strings.TrimSpace(cfg.Server.PublicURL)
	if raw == "" {
		const d = "server.public_url not set: emails cannot carry a working unsubscribe link"
		const h = "set server.public_url to the https:// address this server is reached at"
		if cfg.SMTP.Host == "" {
			return warn(d, h)
		}
		return fail(d, h)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fail(fmt.Sprintf("%q is not an absolute URL", raw), "set server.public_url to e.g. https://advocate.example.com")
	}
	if u.Scheme != "https" {
		return fail(raw+" is not https: one-click unsubscribe (RFC 8058) works over https only",
			"serve Advocate behind TLS and set server.public_url to its https:// address")
	}
	if internalHost(u.Hostname()) {
		return fail(raw+" points at this machine or a private network: recipients and Slack cannot reach it",
			"set server.public_url to the public https:// address of this server")
	}
	return pass("%s", raw)
}

// internalHost reports whether host is reachable only from this machine or its network.
func internalHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast())
}

func (r *runner) checkCoverage(ctx context.Context) Check {
	cfg := r.o.Config
	model, err := ranker.Model(cfg)
	if err != nil {
		return fail(err.Error(), "fix the scoring section of "+r.configName())
	}
	var held coverage.Held
	note := "sources compared; no data read"
	if st := r.o.Store; st != nil {
		if t, err := ranker.LoadTable(ctx, st, cfg.Sources(), r.o.Now()); err == nil {
			held = coverage.FromTable(t)
			note = fmt.Sprintf("%d customers in the store", held.Customers)
		} else {
			note = "sources compared; data not read (" + err.Error() + ")"
		}
	}
	rep := coverage.Check(model, coverage.Sources(cfg), held)
	// A gate without data (or naming nothing: a typo) keeps customers off the shortlist: a
	// failure. A weight without data only leaves the score to the other signals: a warning.
	var blocking, weak []string
	fromInputs := map[string]bool{}
	for _, in := range rep.Inputs {
		if in.Warning == "" {
			continue
		}
		fromInputs[in.Warning] = true
		if in.Gate() {
			blocking = append(blocking, in.Warning)
		} else {
			weak = append(weak, in.Warning)
		}
	}
	for _, w := range rep.Warnings {
		if !fromInputs[w] {
			blocking = append(blocking, w)
		}
	}
	const hint = "map the input in a connector that can provide it, or change the weight or gate that reads it (scoring)"
	switch {
	case len(blocking) > 0:
		return fail(strings.Join(append(blocking, weak...), "; "), hint)
	case len(weak) > 0:
		return warn(strings.Join(weak, "; ")+" (weights without data count for nothing)", hint)
	}
	return pass("every one of the %d model inputs has a source (%s)", len(rep.Inputs), note)
}

// errNotGenerated stops AppSecret from generating a secret: the check only looks.
var errNotGenerated = errors.New("not generated yet")

func (r *runner) checkUnsubscribe(ctx context.Context) Check {
	const hint = "set drip.unsubscribe_secret to at least 16 random bytes, or remove it to use a generated one"
	if s := r.o.Config.Drip.UnsubscribeSecret; s != "" {
		if _, err := unsubscribe.NewSigner([]byte(s)); err != nil {
			return fail("drip.unsubscribe_secret: "+err.Error(), hint)
		}
		return pass("drip.unsubscribe_secret is set")
	}
	st := r.o.Store
	if st == nil {
		return skip("no database to read the generated secret from")
	}
	secret, err := st.AppSecret(ctx, "unsubscribe", func() (string, error) { return "", errNotGenerated })
	switch {
	case errors.Is(err, errNotGenerated):
		return pass("none yet: `advocate drip` or `serve` generates one and keeps it in the database before the first email")
	case err != nil:
		return fail(err.Error(), "run `advocate migrate`, then check the database")
	}
	if _, err := unsubscribe.NewSigner([]byte(secret)); err != nil {
		return fail("the secret kept in the database: "+err.Error(), hint)
	}
	return pass("generated secret kept in the database")
}

// passwordOf is the password in a database URL, "" when there is none.
func passwordOf(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}
