package config

import (
	"cmp"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/robfig/cron/v3"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/templates"
)

// Drip configures the onboarding email sequences and how they are sent. Every field may be left
// out; WithDefaults fills what is missing, and the drip package only ever reads that copy (so
// the parsed Config stays equal to Default() when the file has no drip: block).
type Drip struct {
	// Schedule is the cron spec on which `serve` plans due steps and sends the outbox.
	// Default DefaultDripSchedule (every minute).
	Schedule string `yaml:"schedule"`
	// Timezone is the IANA zone send windows and day boundaries are read in when the recipient's
	// own zone is unknown. Default "UTC".
	Timezone string `yaml:"timezone"`
	// TimezoneAttribute names the customer attribute holding the recipient's IANA zone (e.g.
	// from the CRM); when it is set and valid it wins over Timezone. Default "timezone";
	// "-" turns it off.
	TimezoneAttribute string `yaml:"timezone_attribute"`
	// SendWindow is the local time of day emails may go out, "HH:MM-HH:MM"; "always" means any
	// time. Default DefaultDripSendWindow. Sequences may override it.
	SendWindow string `yaml:"send_window"`
	// BusinessDays counts step days as Monday–Friday and sends on weekdays only. Sequences may
	// override it. Default false.
	BusinessDays bool `yaml:"business_days"`
	// MinGap is the least time between two emails of one enrollment, so a sequence that fell
	// behind (the service was down) catches up one email at a time. Default "20h".
	MinGap string `yaml:"min_gap"`
	// StopWhen are expressions over the customer's signals and attributes (as in scoring
	// gates); when one is true the advocate has joined and the enrollment completes.
	// Default DefaultDripStopWhen. `stop_when: []` disables the signal check.
	StopWhen []string `yaml:"stop_when"`
	// Sequences are the onboarding sequences. An enrollment naming one of them (other than
	// "default") uses it; otherwise the first whose `when` matches the customer, else the first
	// without `when`. Default: DefaultDripSequence.
	Sequences []DripSequence `yaml:"sequences"`

	// UnsubscribeSecret signs unsubscribe links (HMAC-SHA256). A secret; never logged. When
	// empty, a random secret is generated once and kept in the database, so every replica
	// sharing it signs alike and links stay valid across restarts.
	UnsubscribeSecret string `yaml:"unsubscribe_secret"`
	// MessageIDDomain is the right-hand side of Message-IDs. Default: email.from's domain.
	MessageIDDomain string `yaml:"message_id_domain"`

	// Workers is the number of outbox workers, each with its own reused SMTP connection.
	// After a crash at most one email per worker can repeat. Default DefaultDripWorkers.
	Workers int `yaml:"workers"`
	// BatchSize is how many due rows a worker claims at once (one claim statement); rows a
	// crashed worker had claimed but not begun are taken over, not sent twice.
	// Default DefaultDripBatchSize.
	BatchSize int `yaml:"batch_size"`
	// RatePerSecond limits emails per second across this process; 0 = unlimited.
	// Default DefaultDripRate.
	RatePerSecond *float64 `yaml:"rate_per_second"`
	// DomainRatePerSecond limits emails per second to one recipient domain; 0 = unlimited.
	// Default DefaultDripDomainRate.
	DomainRatePerSecond *float64 `yaml:"domain_rate_per_second"`
	// SynchronousCommit makes the outbox wait, on Postgres, until each email's "sent" record is
	// flushed to disk before its worker's next SMTP conversation. Off (the default), an
	// Advocate crash still loses nothing, but a crash of the database server itself can lose
	// the last fraction of a second of records, and those emails are sent again; on, sending
	// is about half as fast. SQLite always waits.
	SynchronousCommit bool `yaml:"synchronous_commit"`
	// Lease is how long a claimed row may stay "sending" before another worker reclaims it
	// (the crash rule: at most the in-flight rows repeat). Default "5m".
	Lease string `yaml:"lease"`
	// MaxAttempts is how many temporary failures a row survives before it is failed.
	// Default DefaultDripMaxAttempts.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBase and RetryMax bound the exponential backoff after a temporary SMTP failure.
	// Defaults "1m" and "6h".
	RetryBase string `yaml:"retry_base"`
	RetryMax  string `yaml:"retry_max"`
	// SMTPTimeout bounds one SMTP command. Default "30s".
	SMTPTimeout string `yaml:"smtp_timeout"`
	// LLMTimeout bounds the optional LLM call; on timeout the template text is used.
	// Default "20s".
	LLMTimeout string `yaml:"llm_timeout"`
}

// DripSequence is one onboarding sequence.
type DripSequence struct {
	Name string `yaml:"name"` // unique; lowercase letters, digits, - and _
	// When is an expression over the customer's attributes and signals choosing this sequence
	// for enrollments made with the sequence "default" (e.g. `segment == "enterprise"`).
	When         string     `yaml:"when"`
	BusinessDays *bool      `yaml:"business_days"` // default: drip.business_days
	SendWindow   string     `yaml:"send_window"`   // default: drip.send_window
	Timezone     string     `yaml:"timezone"`      // default: drip.timezone
	Steps        []DripStep `yaml:"steps"`
}

// DripStep is one email of a sequence.
type DripStep struct {
	// Name identifies the step in outbox keys and previews; unique in its sequence.
	// Default: the template name.
	Name string `yaml:"name"`
	// Day is the delay in days after enrollment (business days if the sequence counts them).
	Day int `yaml:"day"`
	// Template names templates/email/<template>.{subject,txt,html}.tmpl.
	Template string `yaml:"template"`
	// From "csm" sends the step in the customer's CSM's name (Reply-To the CSM; From too when
	// the CSM's address is in email.from's domain, so DMARC still aligns). Default "" (email.from).
	From string `yaml:"from"`
}

// Drip defaults.
const (
	DefaultDripSchedule   = "@every 1m"
	DefaultDripSendWindow = "09:00-17:00"
	DefaultDripMinGap     = "20h"
	// 4 workers: each records every email (one commit) before its next SMTP conversation, so
	// on Postgres throughput grows with workers (BenchmarkOutboxSend: about 0.2-0.3x raw go-mail
	// with 4, 0.3-0.4x with 16). The default stays at 4 because relays cap simultaneous
	// connections (Microsoft 365 allows 3) and the default rate limit (50/s) is far below either.
	DefaultDripWorkers     = 4
	DefaultDripBatchSize   = 20
	DefaultDripRate        = 50.0
	DefaultDripDomainRate  = 5.0
	DefaultDripLease       = "5m"
	DefaultDripMaxAttempts = 10
	DefaultDripRetryBase   = "1m"
	DefaultDripRetryMax    = "6h"
	DefaultDripSMTPTimeout = "30s"
	DefaultDripLLMTimeout  = "20s"
)

// DefaultDripStopWhen ends an enrollment once the advocate is already referring or is a partner.
func DefaultDripStopWhen() []string { return []string{"referrals_made > 0", "is_partner"} }

// DefaultDripSequence is what works for partner onboarding: a personal invitation from the CSM,
// the first step while interest is fresh (the first 48 hours matter), proof from a peer, the
// assets that make sharing easy, and a check-in.
func DefaultDripSequence() DripSequence {
	return DripSequence{Name: "default", Steps: []DripStep{
		{Name: "invite", Day: 0, Template: "invite", From: "csm"},
		{Name: "first_step", Day: 1, Template: "first_step"},
		{Name: "case_study", Day: 3, Template: "case_study"},
		{Name: "assets", Day: 5, Template: "assets"},
		{Name: "check_in", Day: 10, Template: "check_in", From: "csm"},
	}}
}

// WithDefaults returns a copy with every unset field at its default.
func (d Drip) WithDefaults() Drip {
	d.Schedule = cmp.Or(d.Schedule, DefaultDripSchedule)
	d.Timezone = cmp.Or(d.Timezone, DefaultTimezone)
	d.TimezoneAttribute = cmp.Or(d.TimezoneAttribute, "timezone")
	d.SendWindow = cmp.Or(d.SendWindow, DefaultDripSendWindow)
	d.MinGap = cmp.Or(d.MinGap, DefaultDripMinGap)
	if d.StopWhen == nil {
		d.StopWhen = DefaultDripStopWhen()
	}
	if len(d.Sequences) == 0 {
		d.Sequences = []DripSequence{DefaultDripSequence()}
	} else {
		d.Sequences = slices.Clone(d.Sequences)
	}
	for i := range d.Sequences {
		s := &d.Sequences[i]
		s.Steps = slices.Clone(s.Steps)
		if s.BusinessDays == nil {
			b := d.BusinessDays
			s.BusinessDays = &b
		}
		s.SendWindow = cmp.Or(s.SendWindow, d.SendWindow)
		s.Timezone = cmp.Or(s.Timezone, d.Timezone)
		for j := range s.Steps {
			s.Steps[j].Name = cmp.Or(s.Steps[j].Name, s.Steps[j].Template)
		}
	}
	d.Workers = cmp.Or(d.Workers, DefaultDripWorkers)
	d.BatchSize = cmp.Or(d.BatchSize, DefaultDripBatchSize)
	if d.RatePerSecond == nil {
		r := DefaultDripRate
		d.RatePerSecond = &r
	}
	if d.DomainRatePerSecond == nil {
		r := DefaultDripDomainRate
		d.DomainRatePerSecond = &r
	}
	d.Lease = cmp.Or(d.Lease, DefaultDripLease)
	d.MaxAttempts = cmp.Or(d.MaxAttempts, DefaultDripMaxAttempts)
	d.RetryBase = cmp.Or(d.RetryBase, DefaultDripRetryBase)
	d.RetryMax = cmp.Or(d.RetryMax, DefaultDripRetryMax)
	d.SMTPTimeout = cmp.Or(d.SMTPTimeout, DefaultDripSMTPTimeout)
	d.LLMTimeout = cmp.Or(d.LLMTimeout, DefaultDripLLMTimeout)
	return d
}

// Redacted hides the unsubscribe secret. (Config.Redacted should call it; see the drip report.)
func (d Drip) Redacted() Drip {
	if d.UnsubscribeSecret != "" {
		d.UnsubscribeSecret = Redaction
	}
	return d
}

// Duration parses one of the drip's duration settings after WithDefaults (already validated).
func (d Drip) Duration(s string) time.Duration {
	v, _ := ParseDuration(s)
	return v
}

// Window is a daily send window in local time, as minutes after midnight; Always is any time.
type Window struct {
	Start, End int // [Start, End), 0..1440
	Always     bool
}

var windowRE = regexp.MustCompile(`^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$`)

// ParseWindow reads "HH:MM-HH:MM" (end after start, 24:00 allowed as an end) or "always".
func ParseWindow(s string) (Window, error) {
	s = strings.TrimSpace(s)
	if s == "always" || s == "" {
		return Window{Always: true}, nil
	}
	m := windowRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, fmt.Errorf("send window %q: want \"HH:MM-HH:MM\" such as \"09:00-17:00\", or \"always\"", s)
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	start, end := n[0]*60+n[1], n[2]*60+n[3]
	if n[1] > 59 || n[3] > 59 || start >= 1440 || end > 1440 || end <= start {
		return Window{}, fmt.Errorf("send window %q: want a start before the end within one day", s)
	}
	if start == 0 && end == 1440 {
		return Window{Always: true}, nil
	}
	return Window{Start: start, End: end}, nil
}

var dripName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// DripTemplateExists reports whether templates/email has the subject, text and HTML of name.
func DripTemplateExists(name string) bool {
	for _, ext := range []string{"subject", "txt", "html"} {
		if _, err := fs.Stat(templates.FS, "email/"+name+"."+ext+".tmpl"); err != nil {
			return false
		}
	}
	return true
}

func (p *parser) validateDrip(c *Config) {
	d := c.Drip.WithDefaults()
	p.validateDripTiming(d)
	for i, s := range d.StopWhen {
		at := fmt.Sprintf("drip.stop_when[%d]", i)
		p.checkExpr(at, s)
	}
	p.validateDripLimits(d)
	if d.MessageIDDomain != "" && (strings.ContainsAny(d.MessageIDDomain, " @<>") || !strings.Contains(d.MessageIDDomain, ".")) {
		p.report("drip.message_id_domain", "drip.message_id_domain: want a domain such as \"acme.io\", got %s", p.show("drip.message_id_domain", d.MessageIDDomain))
	}
	p.validateSequences(d.Sequences)
}

// validateDripTiming checks when the drip runs and sends: schedule, zone, window, durations.
func (p *parser) validateDripTiming(d Drip) {
	if d.Schedule != "" {
		if _, err := cron.ParseStandard(d.Schedule); err != nil {
			p.report("drip.schedule", "drip.schedule: bad cron spec %s: %v", p.show("drip.schedule", d.Schedule), err)
		}
	}
	p.checkZone("drip.timezone", d.Timezone)
	p.checkWindow("drip.send_window", d.SendWindow)
	for _, f := range []struct{ path, v string }{
		{"drip.min_gap", d.MinGap}, {"drip.lease", d.Lease}, {"drip.retry_base", d.RetryBase},
		{"drip.retry_max", d.RetryMax}, {"drip.smtp_timeout", d.SMTPTimeout}, {"drip.llm_timeout", d.LLMTimeout},
	} {
		v := f.v
		p.normDuration(f.path, &v)
	}
	if d.Duration(d.RetryMax) < d.Duration(d.RetryBase) {
		p.report("drip.retry_max", "drip.retry_max: must not be shorter than drip.retry_base")
	}
	p.validateDripLease(d)
}

// MinLeaseTimeouts is how many drip.smtp_timeouts a lease must last at least. A worker renews
// its lease once a third of it has passed and checks it before each email, so an SMTP
// conversation starts with two thirds of a lease left; one conversation takes at most two
// timeouts (connect and greet, then the message) and must end before the lease does, or another
// worker may take the email over and send it again.
const MinLeaseTimeouts = 4

// validateDripLease rejects leases no SMTP conversation fits in, and batches a worker cannot
// send within one lease at the configured rate (claimed emails would wait past their lease).
func (p *parser) validateDripLease(d Drip) {
	lease, timeout := d.Duration(d.Lease), d.Duration(d.SMTPTimeout)
	if lease <= 0 || timeout <= 0 {
		return // reported as bad durations
	}
	at := p.setOr("drip.lease", "drip.smtp_timeout")
	if lease < MinLeaseTimeouts*timeout {
		p.report(at, "%s: drip.lease %s is shorter than %d × drip.smtp_timeout (%s): one slow SMTP conversation could outlast the lease and the email be sent twice; make the lease at least %s or the timeout shorter",
			at, lease, MinLeaseTimeouts, timeout, MinLeaseTimeouts*timeout)
	}
	if rate := *d.RatePerSecond; rate > 0 && d.Workers > 0 {
		// Each worker gets rate/workers emails per second.
		batch := time.Duration(float64(d.BatchSize) * float64(d.Workers) / rate * float64(time.Second))
		if batch > lease {
			at := p.setOr("drip.batch_size", "drip.lease")
			p.report(at, "%s: a batch of %d emails takes %s at drip.rate_per_second %g shared by %d workers, longer than drip.lease (%s); make drip.batch_size at most %d",
				at, d.BatchSize, batch.Round(time.Second), rate, d.Workers, lease, max(1, int(rate*lease.Seconds()/float64(d.Workers))))
		}
	}
}

// setOr returns path if the file sets it, else other: an error about two settings points at
// the line the user wrote.
func (p *parser) setOr(path, other string) string {
	if _, ok := p.lines[path]; ok {
		return path
	}
	return other
}

// validateDripLimits checks the drip's sizes and rates.
func (p *parser) validateDripLimits(d Drip) {
	for _, r := range []struct {
		path      string
		v, lo, hi int
	}{{"drip.workers", d.Workers, 1, 256}, {"drip.batch_size", d.BatchSize, 1, 1000}} {
		if r.v < r.lo || r.v > r.hi {
			p.report(r.path, "%s: must be between %d and %d, got %d", r.path, r.lo, r.hi, r.v)
		}
	}
	for _, r := range []struct {
		path string
		v    float64
	}{{"drip.rate_per_second", *d.RatePerSecond}, {"drip.domain_rate_per_second", *d.DomainRatePerSecond}} {
		if r.v < 0 {
			p.report(r.path, "%s: must not be negative (0 = unlimited)", r.path)
		}
	}
	if d.MaxAttempts < 1 {
		p.report("drip.max_attempts", "drip.max_attempts: must be at least 1, got %d", d.MaxAttempts)
	}
}

// validateSequences checks each sequence and that one of them (with no `when`) catches every
// customer the others do not.
func (p *parser) validateSequences(seqs []DripSequence) {
	names := map[string]bool{}
	fallback := false
	for i, s := range seqs {
		at := fmt.Sprintf("drip.sequences[%d]", i)
		switch {
		case !dripName.MatchString(s.Name):
			p.report(at+".name", "%s.name: %s must be lowercase letters, digits, \"-\" or \"_\"", at, p.show(at+".name", s.Name))
		case names[s.Name]:
			p.report(at+".name", "%s.name: duplicate sequence %q", at, s.Name)
		}
		names[s.Name] = true
		if s.When == "" {
			fallback = true
		} else {
			p.checkExpr(at+".when", s.When)
		}
		p.checkZone(at+".timezone", s.Timezone)
		p.checkWindow(at+".send_window", s.SendWindow)
		p.validateSteps(at, s)
	}
	if !fallback && len(seqs) > 0 {
		p.report("drip.sequences", "drip.sequences: one sequence must have no `when`, for customers no other matches")
	}
}

// validateSteps checks a sequence's steps: at least one, each with a template that exists, a
// distinct name, and days in order.
func (p *parser) validateSteps(at string, s DripSequence) {
	if len(s.Steps) == 0 {
		p.report(at+".steps", "%s.steps: a sequence needs at least one step", at)
	}
	steps := map[string]bool{}
	prevDay := 0
	for j, st := range s.Steps {
		sat := fmt.Sprintf("%s.steps[%d]", at, j)
		switch {
		case st.Template == "":
			p.report(sat+".template", "%s: template is required (a name in templates/email, e.g. \"first_step\")", sat)
		case !DripTemplateExists(st.Template):
			p.report(sat+".template", "%s.template: no templates/email/%s.{subject,txt,html}.tmpl", sat, st.Template)
		}
		if !dripName.MatchString(st.Name) {
			p.report(sat+".name", "%s.name: %s must be lowercase letters, digits, \"-\" or \"_\"", sat, p.show(sat+".name", st.Name))
		} else if steps[st.Name] {
			p.report(sat+".name", "%s.name: duplicate step %q in sequence %q", sat, st.Name, s.Name)
		}
		steps[st.Name] = true
		if st.Day < 0 || st.Day > 365 {
			p.report(sat+".day", "%s.day: must be between 0 and 365, got %d", sat, st.Day)
		} else if st.Day < prevDay {
			p.report(sat+".day", "%s.day: steps must be in order of day (%d comes after day %d)", sat, st.Day, prevDay)
		}
		prevDay = max(prevDay, st.Day)
		if st.From != "" && st.From != "csm" {
			p.report(sat+".from", "%s.from: must be \"csm\" or left out, got %s", sat, p.show(sat+".from", st.From))
		}
	}
}

func (p *parser) checkZone(path, zone string) {
	if _, err := time.LoadLocation(zone); err != nil {
		p.report(path, "%s: unknown time zone %s (want an IANA name like \"Europe/Berlin\")", path, p.show(path, zone))
	}
}

func (p *parser) checkWindow(path, s string) {
	if _, err := ParseWindow(s); err != nil {
		p.report(path, "%s: %v", path, err)
	}
}

// checkExpr compiles a stop or selection expression the way the drip will run it: names are
// only known per customer, so undefined ones are allowed; the result must be a boolean.
func (p *parser) checkExpr(path, s string) {
	if strings.TrimSpace(s) == "" {
		p.report(path, "%s: expression is empty", path)
		return
	}
	if _, err := expr.Compile(s, expr.AllowUndefinedVariables(), expr.AsBool()); err != nil {
		p.report(path, "%s: %s: %v", path, p.show(path, s), advocate.FirstLine(err.Error()))
	}
}
