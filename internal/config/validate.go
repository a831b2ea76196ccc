package config

import (
	"fmt"
	"maps"
	"math"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	// Time zones are validated here, so they must not depend on the host having zoneinfo
	// (static CGO_ENABLED=0 binaries often run in images without it).
	_ "time/tzdata"

	"github.com/advocate-hq/advocate/connectors"
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

	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		p.report("smtp.port", "smtp.port: must be between 1 and 65535, got %d", c.SMTP.Port)
	}
	p.checkOneOf("smtp.tls", c.SMTP.TLS, smtpTLSModes)

	p.checkAddress("email.from", c.Email.From)
	p.checkAddress("email.reply_to", c.Email.ReplyTo)
	p.checkURL("email.program_url", c.Email.ProgramURL)

	p.checkURL("openai.base_url", c.OpenAI.BaseURL)

	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		p.report("server.listen", "server.listen: want host:port such as \":8080\", got %s", p.show("server.listen", c.Server.Listen))
	}
	p.checkURL("server.public_url", c.Server.PublicURL)
	p.validateAlerts(c)
	p.validateDrip(c)
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
