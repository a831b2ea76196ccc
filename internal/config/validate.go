package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	// Time zones are validated here, so they must not depend on the host having zoneinfo
	// (static CGO_ENABLED=0 binaries often run in images without it).
	_ "time/tzdata"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/scoring"
	"github.com/robfig/cron/v3"
)

// connectorTypes lists the built-in connector types and the settings each cannot work without.
// It is fixed here rather than read from the connectors registry so a config can be checked
// without linking every connector in.
var connectorTypes = map[string][]string{
	"csv":        {"path"},
	"custify":    {"token"},
	"delighted":  {"api_key"},
	"hubspot":    {"token"},
	"intercom":   {"token"},
	"posthog":    {"api_key", "project_id"},
	"salesforce": {"instance_url", "access_token"},
	"stripe":     {"api_key"},
	"vitally":    {"token"},
	"webhook":    nil,
	"zendesk":    {"base_url", "email", "token"},
}

// ConnectorTypes returns the connector types a config may name, sorted.
func ConnectorTypes() []string { return slices.Sorted(maps.Keys(connectorTypes)) }

// setting returns the value of one of a connector's string settings by its YAML key.
func setting(s *connectors.Settings, key string) string {
	switch key {
	case "path":
		return s.Path
	case "token":
		return s.Token
	case "api_key":
		return s.APIKey
	case "access_token":
		return s.AccessToken
	case "instance_url":
		return s.InstanceURL
	case "base_url":
		return s.BaseURL
	case "email":
		return s.Email
	case "project_id":
		return s.ProjectID
	}
	return ""
}

var (
	connectorName = regexp.MustCompile(`^[a-z0-9_-]+$`)
	csvKinds      = []string{"customers", "contacts", "signals"}
	smtpTLSModes  = []string{"none", "starttls", "tls"}
)

// validate checks the meaning of the decoded values; types were checked by walk.
func (p *parser) validate(c *Config) {
	p.validateDatabase(c.Database)
	p.validateConnectors(c.Connectors)
	p.validateScoring(c)
	p.validateShortlist(c.Shortlist)

	p.checkURL("slack.api_url", c.Slack.APIURL)
	if c.Slack.SocketMode && c.Slack.AppToken == "" {
		p.report("slack.socket_mode", "slack.socket_mode: needs slack.app_token (an xapp- token)")
	}
	switch {
	case c.Slack.ClientID != "" && c.Slack.ClientSecret == "":
		p.report("slack.client_id", "slack.client_id: needs slack.client_secret too (Sign in with Slack)")
	case c.Slack.ClientID == "" && c.Slack.ClientSecret != "":
		p.report("slack.client_secret", "slack.client_secret: needs slack.client_id too (Sign in with Slack)")
	case c.Slack.ClientID != "" && c.Server.PublicURL == "":
		p.report("slack.client_id", "slack.client_id: Sign in with Slack needs server.public_url (Slack redirects the browser to <public_url>/login/slack/callback)")
	}

	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		p.report("smtp.port", "smtp.port: must be between 1 and 65535, got %d", c.SMTP.Port)
	}
	p.checkOneOf("smtp.tls", c.SMTP.TLS, smtpTLSModes)
	if c.SMTP.TLS == "none" && c.SMTP.Username != "" {
		// go-mail refuses to send a password in clear; say so now, not as a retried send error.
		p.report("smtp.username", "smtp.username: a password is never sent over an unencrypted connection (smtp.tls: none); set smtp.tls to starttls or tls, or remove smtp.username and smtp.password")
	}

	p.checkAddress("email.from", c.Email.From)
	p.checkAddress("email.reply_to", c.Email.ReplyTo)
	p.checkURL("email.program_url", c.Email.ProgramURL)
	p.validateTemplatesDir(&c.Email)

	p.checkURL("openai.base_url", c.OpenAI.BaseURL)

	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		p.report("server.listen", "server.listen: want host:port such as \":8080\", got %s", p.show("server.listen", c.Server.Listen))
	}
	p.checkURL("server.public_url", c.Server.PublicURL)
	p.validateMetricsToken(c.Server.MetricsToken)
	p.validateAlerts(c)
	p.validateDrip(c)
	p.validateAffiliates(c)
}

func (p *parser) validateDatabase(d Database) {
	if !strings.HasPrefix(d.URL, "postgres://") && !strings.HasPrefix(d.URL, "postgresql://") {
		return // an SQLite path: the store reports what it cannot open
	}
	// The URL may hold a password, so it is never quoted. An empty host is fine: libpq reads
	// postgres:///advocate as the local socket.
	if _, err := url.Parse(d.URL); err != nil {
		p.report("database.url", "database.url: not a valid postgres:// URL (value not shown)")
	}
}

func (p *parser) validateConnectors(list []connectors.Settings) {
	firstLine := map[string]int{}
	for i := range list {
		s := &list[i]
		at := fmt.Sprintf("connectors[%d]", i)
		switch {
		case s.Name == "":
			p.report(at+".name", "%s: name is required", at)
		case !connectorName.MatchString(s.Name):
			p.report(at+".name", "%s.name: %s must be lowercase letters, digits, \"-\" or \"_\"", at, p.show(at+".name", s.Name))
		case s.Name == "affiliates":
			// `advocate sync affiliates` names the affiliate-platform outcome sync (DESIGN.md).
			p.report(at+".name", "%s.name: \"affiliates\" is reserved for the affiliate-platform outcome sync; choose another name", at)
		default:
			if first, dup := firstLine[s.Name]; dup {
				p.report(at+".name", "duplicate connector name %q (first at line %d)", s.Name, first)
			} else {
				firstLine[s.Name] = p.line(at + ".name")
			}
		}

		required, known := connectorTypes[s.Type]
		switch {
		case s.Type == "":
			p.report(at+".type", "%s: type is required (one of: %s)", at, strings.Join(ConnectorTypes(), ", "))
		case !known:
			p.report(at+".type", "%s.type: unknown connector type %s (known: %s)", at, p.show(at+".type", s.Type), strings.Join(ConnectorTypes(), ", "))
		}
		for _, key := range required {
			if setting(s, key) == "" {
				p.report(at+"."+key, "%s: %s is required for type %s", at, key, s.Type)
			}
		}

		if s.Schedule != "" {
			if _, err := cron.ParseStandard(s.Schedule); err != nil {
				p.report(at+".schedule", "%s.schedule: bad cron spec %s: %v", at, p.show(at+".schedule", s.Schedule), err)
			}
		}
		if s.Freshness != "" {
			p.normDuration(at+".freshness", &s.Freshness)
		}
		p.checkURL(at+".base_url", s.BaseURL)
		p.checkURL(at+".instance_url", s.InstanceURL)
		if s.Email != "" {
			p.checkAddress(at+".email", s.Email)
		}
		if s.Type == "csv" && s.Kind != "" {
			p.checkOneOf(at+".kind", s.Kind, csvKinds)
		}
		if s.Delimiter != "" && len([]rune(s.Delimiter)) != 1 {
			p.report(at+".delimiter", "%s.delimiter: must be a single character, got %s", at, p.show(at+".delimiter", s.Delimiter))
		}
	}
}

func (p *parser) validateScoring(c *Config) {
	sc := c.Scoring
	for _, name := range slices.Sorted(maps.Keys(sc.Weights)) {
		at := "scoring.weights." + name
		if w := sc.Weights[name]; math.IsNaN(w) || math.IsInf(w, 0) {
			p.report(at, "%s: must be a finite number", at)
		}
	}
	for i, g := range sc.Gates {
		if strings.TrimSpace(g) == "" {
			at := fmt.Sprintf("scoring.gates[%d]", i)
			p.report(at, "%s: gate is empty", at)
		}
	}
	p.checkFraction("scoring.min_confidence", sc.MinConfidence)
	p.checkFraction("scoring.missing_goodness", sc.MissingGoodness)
	p.normDuration("scoring.freshness", &c.Scoring.Freshness)

	var names []string
	for _, s := range c.Connectors {
		if connectorName.MatchString(s.Name) && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, signal := range slices.Sorted(maps.Keys(sc.Precedence)) {
		for i, name := range sc.Precedence[signal] {
			if !slices.Contains(names, name) {
				at := fmt.Sprintf("scoring.precedence.%s[%d]", signal, i)
				known := "known: " + strings.Join(names, ", ")
				if len(names) == 0 {
					known = "no connectors are configured"
				}
				p.report(at, "%s: unknown connector %s (%s)", at, p.show(at, name), known)
			}
		}
	}
	p.checkModel(sc)
}

// checkModel compiles the scoring section with the scoring package, so every rule the model
// enforces (transform kinds and caps, monotone buckets, segment signs, gates that type-check)
// fails at load time in the model's own words, and puts each problem on its line. Problems on
// paths already reported (a wrong type, a bad min_confidence) are not repeated.
func (p *parser) checkModel(sc Scoring) {
	mc := sc.ModelConfig()
	_, err := scoring.NewModel(mc)
	if err == nil {
		return
	}
	errs := modelErrors(err)
	// NewModel compiles gates only once the rest is valid; compile them on their own too, so a
	// file with a bad transform and a bad gate gets both reported in one go.
	gateFailed := slices.ContainsFunc(errs, func(e error) bool { return strings.HasPrefix(e.Error(), "gate ") })
	if !gateFailed && len(mc.Gates) > 0 {
		w := map[string]float64{}
		for name, v := range mc.Weights {
			if v != 0 && !math.IsNaN(v) && !math.IsInf(v, 0) && strings.TrimSpace(name) != "" {
				w[name] = v
			}
		}
		if len(w) == 0 {
			w[scoring.NPS] = 1 // any valid weight: only the gates are under test here
		}
		if _, gerr := scoring.NewModel(scoring.Config{Weights: w, Gates: mc.Gates}); gerr != nil {
			errs = append(errs, modelErrors(gerr)...)
		}
	}
	for _, e := range errs {
		path, msg := modelErrorAt(sc, e.Error())
		if p.badNear(path) {
			continue
		}
		p.report(path, "%s", msg)
	}
}

// modelErrors splits NewModel's error into its individual problems: it unwraps the
// "scoring config:" prefix and the joined lists, and nothing below them.
func modelErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, modelErrors(e)...)
		}
		return out
	}
	if inner := errors.Unwrap(err); inner != nil && strings.HasPrefix(err.Error(), "scoring config: ") {
		return modelErrors(inner)
	}
	return []error{err}
}

var (
	segmentIndex = regexp.MustCompile(`^segments\[(\d+)\]`)
	gateNumber   = regexp.MustCompile(`^gate (\d+) `)
	bucketAt     = regexp.MustCompile(`(two buckets start at|bucket at|bucket min must be a finite number, got) (\S+?)[:; ]`)
)

// modelErrorAt maps one of the scoring package's messages to the config path it is about and
// the message to show there. Anything it does not recognise stays on scoring.
func modelErrorAt(sc Scoring, msg string) (path, text string) {
	switch {
	case strings.HasPrefix(msg, "transforms: "):
		rest := strings.TrimPrefix(msg, "transforms: ")
		for _, name := range slices.Sorted(maps.Keys(sc.Transforms)) {
			if detail, ok := strings.CutPrefix(rest, name+": "); ok {
				at := "scoring.transforms." + name
				return transformPath(at, sc.Transforms[name], detail), at + ": " + detail
			}
		}
		return "scoring.transforms", "scoring." + msg
	case segmentIndex.MatchString(msg):
		m := segmentIndex.FindStringSubmatch(msg)
		i, _ := strconv.Atoi(m[1])
		at := "scoring.segments[" + m[1] + "]"
		if i >= len(sc.Segments) {
			return at, "scoring." + msg
		}
		_, detail, _ := strings.Cut(msg, ": ")
		seg := sc.Segments[i]
		path = at
		switch {
		case strings.HasPrefix(detail, "weights: "):
			path = at + ".weights"
			for _, name := range slices.Sorted(maps.Keys(seg.Weights)) {
				if strings.HasPrefix(detail, "weights: "+name+": ") {
					path += "." + name
				}
			}
		case strings.HasPrefix(detail, "when"):
			path = at + ".when"
		case strings.HasPrefix(detail, "name is required"), strings.HasPrefix(detail, "duplicate segment name"):
			path = at + ".name"
		case strings.HasPrefix(detail, "no signal keeps"):
			path = at + ".weights"
		}
		return path, "scoring." + msg
	case strings.HasPrefix(msg, "segments: "):
		return "scoring.segments", "scoring." + msg
	case strings.HasPrefix(msg, "weights: "):
		rest := strings.TrimPrefix(msg, "weights: ")
		for _, name := range slices.Sorted(maps.Keys(sc.Weights)) {
			if detail, ok := strings.CutPrefix(rest, name+": "); ok {
				return "scoring.weights." + name, "scoring.weights." + name + ": " + detail
			}
		}
		return "scoring.weights", "scoring." + msg
	case gateNumber.MatchString(msg):
		n, _ := strconv.Atoi(gateNumber.FindStringSubmatch(msg)[1])
		at := fmt.Sprintf("scoring.gates[%d]", n-1)
		rest := strings.TrimPrefix(msg, gateNumber.FindString(msg))
		if q, err := strconv.QuotedPrefix(rest); err == nil { // `gate 2 "nps >= ": message`
			return at, at + " " + q + strings.TrimPrefix(rest, q)
		}
		return at, at + ": " + msg
	case strings.HasPrefix(msg, "min_confidence"):
		return "scoring.min_confidence", "scoring." + msg
	case strings.HasPrefix(msg, "missing_goodness"):
		return "scoring.missing_goodness", "scoring." + msg
	}
	return "scoring", "scoring: " + msg
}

// transformPath narrows a transform's problem to the key it is about: kind, min, max, or the
// bucket named in the message (the scoring package names buckets by their min).
func transformPath(at string, t Transform, detail string) string {
	switch {
	case strings.HasPrefix(detail, "unknown kind"), strings.HasPrefix(detail, "kind buckets needs"):
		return at + ".kind"
	case strings.HasPrefix(detail, "min/max apply only"):
		if t.Min != nil {
			return at + ".min"
		}
		return at + ".max"
	case strings.HasPrefix(detail, "buckets apply only"):
		return at + ".buckets"
	case strings.HasPrefix(detail, "min must"):
		return at + ".min"
	case strings.HasPrefix(detail, "max must"), strings.HasPrefix(detail, "max ("):
		return at + ".max"
	}
	if m := bucketAt.FindStringSubmatch(detail + " "); m != nil {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return at + ".buckets"
		}
		second := m[1] == "two buckets start at" // the later of the two is the one to move
		for i, b := range t.Buckets {
			if b.Min == v || (math.IsNaN(v) && math.IsNaN(b.Min)) {
				if second {
					second = false
					continue
				}
				return fmt.Sprintf("%s.buckets[%d]", at, i)
			}
		}
		return at + ".buckets"
	}
	return at
}

// badNear reports whether path, one of its parents or children was already reported: a value
// the decoder could not read leaves a zero behind that the model would complain about again.
func (p *parser) badNear(path string) bool {
	for k := range p.bad {
		if k == path || strings.HasPrefix(k, path+".") || strings.HasPrefix(k, path+"[") ||
			strings.HasPrefix(path, k+".") || strings.HasPrefix(path, k+"[") {
			return true
		}
	}
	return false
}

func (p *parser) validateShortlist(s Shortlist) {
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		p.report("shortlist.timezone", "shortlist.timezone: unknown time zone %s (want an IANA name like \"Europe/Berlin\")", p.show("shortlist.timezone", s.Timezone))
	}
	if s.Schedule != "" {
		if _, err := cron.ParseStandard(s.Schedule); err != nil {
			p.report("shortlist.schedule", "shortlist.schedule: bad cron spec %s: %v", p.show("shortlist.schedule", s.Schedule), err)
		}
	}
	if s.Size < 1 || s.Size > 500 {
		p.report("shortlist.size", "shortlist.size: must be between 1 and 500, got %d", s.Size)
	}
	if s.CooldownWeeks < 0 {
		p.report("shortlist.cooldown_weeks", "shortlist.cooldown_weeks: must not be negative, got %d", s.CooldownWeeks)
	}
	if s.AskFatigueDays < 0 {
		p.report("shortlist.ask_fatigue_days", "shortlist.ask_fatigue_days: must not be negative (0 turns the check off), got %d", s.AskFatigueDays)
	}
	if s.SnoozeDays < 1 {
		p.report("shortlist.snooze_days", "shortlist.snooze_days: must be at least 1, got %d", s.SnoozeDays)
	}
}

// checkURL reports a value that is set but not an absolute http(s) URL.
func (p *parser) checkURL(path, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.report(path, "%s: must be an absolute http(s) URL, got %s", path, p.show(path, redactURL(s)))
	}
}

// checkAddress reports a value that is set but not an email address ("Name <a@b.c>" or "a@b.c").
func (p *parser) checkAddress(path, s string) {
	if s == "" {
		return
	}
	if _, err := mail.ParseAddress(s); err != nil {
		p.report(path, "%s: not an email address: %s", path, p.show(path, s))
	}
}

func (p *parser) checkOneOf(path, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		p.report(path, "%s: must be one of %s, got %s", path, strings.Join(allowed, ", "), p.show(path, s))
	}
}

func (p *parser) checkFraction(path string, f float64) {
	if !(f >= 0 && f <= 1) { // also catches NaN
		p.report(path, "%s: must be between 0 and 1, got %v", path, f)
	}
}

// normDuration checks a positive duration and rewrites it in Go syntax ("30d" -> "720h0m0s"),
// so whoever reads the config can use time.ParseDuration.
func (p *parser) normDuration(path string, s *string) {
	d, err := ParseDuration(*s)
	switch {
	case err != nil:
		p.report(path, "%s: %v", path, err)
	case d <= 0:
		p.report(path, "%s: must be positive, got %s", path, p.show(path, *s))
	default:
		*s = d.String()
	}
}

// daysPrefix matches a leading count of days in a duration like "30d" or "1d12h".
var daysPrefix = regexp.MustCompile(`^(\d+(?:\.\d+)?)d`)

// ParseDuration parses a Go duration ("72h", "90m") that may also count days ("30d", "1d12h"),
// since freshness is naturally written in days.
func ParseDuration(s string) (time.Duration, error) {
	days := 0.0
	rest := strings.TrimSpace(s)
	m := daysPrefix.FindStringSubmatch(rest)
	if m != nil {
		days, _ = strconv.ParseFloat(m[1], 64)
		rest = rest[len(m[0]):]
	}
	d := time.Duration(0)
	if rest != "" || m == nil {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("bad duration %q: want e.g. \"72h\" or \"30d\"", s)
		}
	}
	return d + time.Duration(days*float64(24*time.Hour)), nil
}

// validateTemplatesDir resolves email.templates_dir against the config file's folder and loads
// the templates the way the drip will: every override parsed and rendered against a sample
// customer. Problems in a template are reported at its own file and line.
func (p *parser) validateTemplatesDir(e *Email) {
	if strings.TrimSpace(e.TemplatesDir) == "" {
		e.TemplatesDir = ""
		return
	}
	if !filepath.IsAbs(e.TemplatesDir) {
		e.TemplatesDir = filepath.Join(filepath.Dir(p.file), e.TemplatesDir)
	}
	if fi, err := os.Stat(e.TemplatesDir); err != nil || !fi.IsDir() {
		p.report("email.templates_dir", "email.templates_dir: %s is not a folder (a path relative to the config file, holding files named like templates/email/*.tmpl)",
			strconv.Quote(e.TemplatesDir))
		return
	}
	_, err := email.LoadTemplates(e.TemplatesDir)
	var tes email.TemplateErrors
	switch {
	case errors.As(err, &tes):
		for _, te := range tes {
			p.errs = append(p.errs, &Error{File: te.File, Line: te.Line, Msg: "email.templates_dir: " + te.Msg})
		}
	case err != nil:
		p.report("email.templates_dir", "email.templates_dir: %v", err)
	}
}

// MinMetricsToken is the shortest server.metrics_token accepted: a short token is guessable,
// and /metrics shows how many customers, emails and affiliates there are.
const MinMetricsToken = 16

func (p *parser) validateMetricsToken(tok string) {
	switch {
	case tok == "":
	case len(tok) < MinMetricsToken:
		p.report("server.metrics_token", "server.metrics_token: want at least %d characters (value not shown), got %d; generate one with `openssl rand -hex 32`", MinMetricsToken, len(tok))
	case strings.ContainsAny(tok, " \t\r\n"):
		p.report("server.metrics_token", "server.metrics_token: must not contain whitespace (value not shown); an HTTP Authorization header cannot carry it")
	}
}
