// Package config loads advocate.yaml: it expands ${ENV} references, applies defaults, and
// validates every value, reporting each problem with the file and line it is on.
//
// Where a setting comes from, highest first:
//
//  1. command-line flags (--config, --db), applied by the CLI;
//  2. environment variables the CLI reads itself (ADVOCATE_CONFIG, ADVOCATE_DATABASE_URL) — this
//     package does not read them, so tests and the demo never depend on the caller's environment;
//  3. the config file, where any value may be written as ${NAME} (or ${NAME:-fallback}) to take it
//     from the environment — the way secrets are meant to be supplied;
//  4. the defaults documented on each field (see Default).
//
// A key the file does not mention keeps its default; a list or map the file sets replaces the
// default one as a whole (so `gates: []` means "no gates", not "the default gates").
package config

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/scoring"
)

// Defaults, one per setting that has one. Default() is built from these.
const (
	DefaultFreshness         = "4320h"                        // 180 days: NPS surveys run quarterly or yearly; tighten per connector
	DefaultMinConfidence     = 0.3                            // as scoring.DefaultConfig
	DefaultMissingGoodness   = scoring.DefaultMissingGoodness // below the median
	DefaultShortlistSchedule = "0 9 * * MON"
	DefaultShortlistSize     = advocate.DefaultShortlistSize
	DefaultTimezone          = "UTC"
	DefaultCooldownWeeks     = advocate.DefaultCooldownWeeks
	DefaultSnoozeDays        = advocate.DefaultSnoozeDays
	DefaultSlackAPIURL       = "https://slack.com/api/"
	DefaultSMTPPort          = 587
	DefaultSMTPTLS           = "starttls"
	DefaultOpenAIBaseURL     = "https://api.openai.com/v1"
	DefaultOpenAIModel       = "gpt-4o-mini"
	DefaultListen            = ":8080"
)

// Redaction replaces every secret in Redacted's copy.
const Redaction = "REDACTED"

// Config is the parsed advocate.yaml.
type Config struct {
	// Path is the file the config was loaded from; "" for the built-in default.
	Path       string                `yaml:"-"`
	Database   Database              `yaml:"database"`
	Connectors []connectors.Settings `yaml:"connectors"`
	Scoring    Scoring               `yaml:"scoring"`
	Shortlist  Shortlist             `yaml:"shortlist"`
	Slack      Slack                 `yaml:"slack"`
	SMTP       SMTP                  `yaml:"smtp"`
	Email      Email                 `yaml:"email"`
	OpenAI     OpenAI                `yaml:"openai"`
	Server     Server                `yaml:"server"`
	Alerts     Alerts                `yaml:"alerts"`     // alerts.go
	Drip       Drip                  `yaml:"drip"`       // drip.go
	Affiliates Affiliates            `yaml:"affiliates"` // affiliates.go; optional
}

// Database says where the store lives.
type Database struct {
	// URL is a postgres:// or postgresql:// DSN, or an SQLite file path or file: URI.
	// Default "": the embedded SQLite file the CLI puts next to the config. A password in it is a
	// secret (see Redacted).
	URL string `yaml:"url"`
}

// Scoring holds what marketing tunes: how signals weigh, which customers are eligible at all.
type Scoring struct {
	// Weights maps a signal name to its weight; negative weights penalise (tickets, escalations).
	// Default: DefaultWeights. Setting it in the file replaces the whole map.
	Weights map[string]float64 `yaml:"weights"`
	// Gates are expressions a customer must all pass to be shortlisted (e.g. "nps >= 9");
	// compiled by the scoring package. Default: DefaultGates.
	Gates []string `yaml:"gates"`
	// MinConfidence is the share (0..1) of the weighted evidence a customer must have before it
	// is shortlisted. Default DefaultMinConfidence.
	MinConfidence float64 `yaml:"min_confidence"`
	// MissingGoodness is the goodness (0 worst .. 1 best) a missing signal counts as.
	// Default DefaultMissingGoodness.
	MissingGoodness float64 `yaml:"missing_goodness"`
	// Precedence maps a signal to the connectors whose values win, first first, when several
	// report it. Signals not listed: the connector listed first in `connectors` wins.
	Precedence map[string][]string `yaml:"precedence"`
	// Freshness is how long a signal value stays current, as a Go duration or in days ("30d").
	// Connectors may override it. Parse rewrites both in Go syntax ("30d" -> "720h0m0s") so
	// time.ParseDuration reads them. Default DefaultFreshness (180 days).
	Freshness string `yaml:"freshness"`
	// Transforms maps a signal to how its value becomes a goodness in 0..1 (see Transform);
	// signals not listed use percentile rank. Default DefaultTransforms (nps read as promoter,
	// passive, detractor). Setting it in the file replaces the whole map, nps included.
	Transforms map[string]Transform `yaml:"transforms"`
	// Segments override weights for customers whose attributes match, first match wins (see
	// Segment). Default none.
	Segments []Segment `yaml:"segments"`
}

// Transform is one signal's entry under scoring.transforms; scoring.Transform documents the
// kinds. Min and Max are pointers because "not set" (take the end from the population) and 0
// are different settings.
type Transform struct {
	// Kind is percentile (the default), minmax, log, buckets or boolean.
	Kind string `yaml:"kind"`
	// Min and Max cap minmax and log: values are clamped to them, so a customer's goodness no
	// longer depends on who else is scored.
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
	// Buckets (kind buckets): thresholds with the goodness (0..1) they earn; goodness must not
	// decrease as min grows. Labels word the reasons ("NPS 10 — promoter").
	Buckets []Bucket `yaml:"buckets"`
}

// Bucket is one step of a buckets transform.
type Bucket struct {
	Min      float64 `yaml:"min"`
	Goodness float64 `yaml:"goodness"`
	Label    string  `yaml:"label"`
}

// Segment is one entry under scoring.segments: customers whose attributes match every When
// entry are scored with Weights merged over the base weights (0 drops a signal).
type Segment struct {
	Name    string             `yaml:"name"`
	When    map[string]string  `yaml:"when"`
	Weights map[string]float64 `yaml:"weights"`
}

// DefaultTransforms is scoring.DefaultConfig's: nps by NPSBuckets, everything else percentile.
func DefaultTransforms() map[string]Transform {
	out := map[string]Transform{}
	for name, t := range scoring.DefaultConfig().Transforms {
		out[name] = transformOf(t)
	}
	return out
}

// transformOf converts the scoring package's form into the config's.
func transformOf(t scoring.Transform) Transform {
	c := Transform{Kind: t.Kind, Min: clonePtr(t.Min), Max: clonePtr(t.Max)}
	for _, b := range t.Buckets {
		c.Buckets = append(c.Buckets, Bucket{Min: b.Min, Goodness: b.Goodness, Label: b.Label})
	}
	return c
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// ModelConfig is the scoring section as the scoring package takes it: what ranker compiles
// into a model, and what validation compiles to check the section.
func (s Scoring) ModelConfig() scoring.Config {
	sc := scoring.Config{
		Weights:         maps.Clone(s.Weights),
		Gates:           slices.Clone(s.Gates),
		MinConfidence:   s.MinConfidence,
		MissingGoodness: s.MissingGoodness,
	}
	if s.Transforms != nil {
		sc.Transforms = make(map[string]scoring.Transform, len(s.Transforms))
		for name, t := range s.Transforms {
			st := scoring.Transform{Kind: t.Kind, Min: clonePtr(t.Min), Max: clonePtr(t.Max)}
			for _, b := range t.Buckets {
				st.Buckets = append(st.Buckets, scoring.Bucket{Min: b.Min, Goodness: b.Goodness, Label: b.Label})
			}
			sc.Transforms[name] = st
		}
	}
	for _, seg := range s.Segments {
		sc.Segments = append(sc.Segments, scoring.Segment{Name: seg.Name, When: maps.Clone(seg.When), Weights: maps.Clone(seg.Weights)})
	}
	return sc
}

// Shortlist configures the weekly shortlist posted to Slack.
type Shortlist struct {
	// Schedule is a cron spec (5 fields or @daily/@every …) in Timezone.
	// Default DefaultShortlistSchedule (Mondays 09:00); "" means only on demand.
	Schedule string `yaml:"schedule"`
	// Size is how many customers a shortlist holds, 1..500. Default DefaultShortlistSize.
	Size int `yaml:"size"`
	// Channel is the Slack channel the shortlist goes to ("#cs-advocates" or a channel id).
	Channel string `yaml:"channel"`
	// Timezone is an IANA zone name for Schedule. Default DefaultTimezone.
	Timezone string `yaml:"timezone"`
	// CooldownWeeks is how long a skipped customer stays off the shortlist; 0 lets them return
	// next week. Default DefaultCooldownWeeks.
	CooldownWeeks int `yaml:"cooldown_weeks"`
	// SnoozeDays is how long Snooze hides a customer. Default DefaultSnoozeDays.
	SnoozeDays int `yaml:"snooze_days"`
	// AskFatigueDays keeps a customer off the shortlist for this many days after any campaign
	// asked them (an enrollment in any sequence, or an approval); 0 turns the check off.
	// Default DefaultAskFatigueDays.
	AskFatigueDays int `yaml:"ask_fatigue_days"`
	// DM sends each CSM their own candidates as a direct message instead of posting the whole
	// list to Channel (which still receives candidates whose CSM is unknown to Slack).
	DM bool `yaml:"dm"`
}

// DefaultAskFatigueDays is how long after being asked a customer is not asked again.
const DefaultAskFatigueDays = advocate.DefaultAskFatigue

// Slack configures the Slack app. Without BotToken shortlists are printed instead of posted.
type Slack struct {
	BotToken      string `yaml:"bot_token"`      // secret, xoxb-…
	SigningSecret string `yaml:"signing_secret"` // secret; verifies interaction requests
	// APIURL is the Web API base; always ends in "/". Default DefaultSlackAPIURL.
	APIURL     string `yaml:"api_url"`
	AppToken   string `yaml:"app_token"`   // secret, xapp-…; needed for SocketMode
	SocketMode bool   `yaml:"socket_mode"` // receive interactions over Socket Mode instead of HTTP
	// ClientID and ClientSecret enable "Sign in with Slack" (OpenID Connect) on the dashboard;
	// both or neither. The redirect URL to register is server.public_url + /login/slack/callback.
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"` // secret
}

// SMTP is the mail server outreach sends through. Without Host no email is sent.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"` // 1..65535. Default DefaultSMTPPort.
	Username string `yaml:"username"`
	Password string `yaml:"password"` // secret
	// TLS is none, starttls (required, not opportunistic) or tls (implicit, usually port 465).
	// Default DefaultSMTPTLS.
	TLS string `yaml:"tls"`
}

// Email holds what the onboarding emails say about the sender and the program.
type Email struct {
	From       string `yaml:"from"`        // "Dana from Acme <dana@acme.io>"
	ProgramURL string `yaml:"program_url"` // the affiliate program's landing page
	ReplyTo    string `yaml:"reply_to"`
	// TemplatesDir is a folder whose files replace the built-in email templates of the same
	// name (templates/email/*.tmpl), file by file. Relative to the config file; after Parse it
	// holds the resolved path. "" = the built-in templates only.
	TemplatesDir string `yaml:"templates_dir"`
}

// OpenAI configures the optional LLM-written paragraph. Without APIKey the templates are used as is.
type OpenAI struct {
	APIKey  string `yaml:"api_key"`  // secret
	BaseURL string `yaml:"base_url"` // any OpenAI-compatible API. Default DefaultOpenAIBaseURL.
	Model   string `yaml:"model"`    // Default DefaultOpenAIModel.
}

// Server configures `advocate serve`'s HTTP listener.
type Server struct {
	Listen string `yaml:"listen"` // host:port. Default DefaultListen.
	// PublicURL is where Slack and email recipients reach this server (unsubscribe links,
	// interactions); an absolute http(s) URL.
	PublicURL string `yaml:"public_url"`
	APIToken  string `yaml:"api_token"` // secret; bearer token for the HTTP API
	// MetricsToken, when set, is the bearer token GET /metrics requires (Prometheus:
	// authorization.credentials); at least 16 characters. "" = /metrics is open, for a
	// listener only the monitoring network reaches.
	MetricsToken string `yaml:"metrics_token"` // secret
}

// DefaultWeights favours happy, engaged, valuable customers and penalises friction; it is also
// what Starter writes. The scoring package owns the numbers and says why they are what they are.
func DefaultWeights() map[string]float64 { return scoring.DefaultConfig().Weights }

// DefaultGates keeps out customers too new to vouch for the product (scoring.DefaultConfig).
func DefaultGates() []string { return scoring.DefaultConfig().Gates }

// Default returns the configuration used when a key is absent: every default, no connectors.
func Default() *Config {
	c := &Config{
		Scoring: Scoring{
			Weights:         DefaultWeights(),
			Gates:           DefaultGates(),
			MinConfidence:   DefaultMinConfidence,
			MissingGoodness: DefaultMissingGoodness,
			Transforms:      DefaultTransforms(),
		},
		Shortlist: Shortlist{
			Schedule:      DefaultShortlistSchedule,
			Size:          DefaultShortlistSize,
			CooldownWeeks: DefaultCooldownWeeks,
			SnoozeDays:    DefaultSnoozeDays,
			// Zero is a real choice here (no fatigue check), so the default is set before parsing.
			AskFatigueDays: DefaultAskFatigueDays,
		},
		Alerts: defaultAlerts(),
		SMTP:   SMTP{Port: DefaultSMTPPort},
	}
	c.fillEmpty()
	return c
}

// fillEmpty gives settings whose empty value is meaningless their default, so `listen: ""` in
// the file (or an empty ${VAR}) behaves like leaving the key out. Settings where zero is a real
// choice (cooldown_weeks: 0, min_confidence: 0) are defaulted by Parse starting from Default().
func (c *Config) fillEmpty() {
	c.Scoring.Freshness = cmp.Or(c.Scoring.Freshness, DefaultFreshness)
	c.Shortlist.Timezone = cmp.Or(c.Shortlist.Timezone, DefaultTimezone)
	c.Slack.APIURL = cmp.Or(c.Slack.APIURL, DefaultSlackAPIURL)
	if !strings.HasSuffix(c.Slack.APIURL, "/") { // slack-go appends method names to it
		c.Slack.APIURL += "/"
	}
	c.SMTP.TLS = cmp.Or(c.SMTP.TLS, DefaultSMTPTLS)
	c.OpenAI.BaseURL = cmp.Or(c.OpenAI.BaseURL, DefaultOpenAIBaseURL)
	c.OpenAI.Model = cmp.Or(c.OpenAI.Model, DefaultOpenAIModel)
	c.Server.Listen = cmp.Or(c.Server.Listen, DefaultListen)
}

// Load reads and parses the config file at path, taking ${ENV} values from the process
// environment. Each connector's Dir is set to the file's directory so relative paths in it
// (CSV files) resolve against the config, not the working directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	c, err := Parse(path, data, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for i := range c.Connectors {
		c.Connectors[i].Dir = dir
	}
	return c, nil
}

// DatabaseURL returns the configured DSN, or "" meaning the embedded SQLite default.
func (c *Config) DatabaseURL() string { return c.Database.URL }

// Redacted returns a deep copy with every secret that is set replaced by Redaction, for printing.
// The password in a database URL is redacted; the rest of the URL is kept for debugging.
func (c *Config) Redacted() *Config {
	r := *c
	hide := func(s *string) {
		if *s != "" {
			*s = Redaction
		}
	}
	r.Database.URL = redactURL(c.Database.URL)
	r.Scoring.Weights = maps.Clone(c.Scoring.Weights)
	r.Scoring.Gates = slices.Clone(c.Scoring.Gates)
	if c.Scoring.Transforms != nil {
		r.Scoring.Transforms = make(map[string]Transform, len(c.Scoring.Transforms))
		for k, t := range c.Scoring.Transforms {
			r.Scoring.Transforms[k] = Transform{Kind: t.Kind, Min: clonePtr(t.Min), Max: clonePtr(t.Max), Buckets: slices.Clone(t.Buckets)}
		}
	}
	r.Scoring.Segments = slices.Clone(c.Scoring.Segments)
	for i, seg := range r.Scoring.Segments {
		r.Scoring.Segments[i] = Segment{Name: seg.Name, When: maps.Clone(seg.When), Weights: maps.Clone(seg.Weights)}
	}
	if c.Scoring.Precedence != nil {
		r.Scoring.Precedence = make(map[string][]string, len(c.Scoring.Precedence))
		for k, v := range c.Scoring.Precedence {
			r.Scoring.Precedence[k] = slices.Clone(v)
		}
	}
	r.Connectors = slices.Clone(c.Connectors)
	for i := range r.Connectors {
		s := &r.Connectors[i]
		hide(&s.Token)
		hide(&s.APIKey)
		hide(&s.AccessToken)
		s.Columns = maps.Clone(s.Columns)
		s.Signals = maps.Clone(s.Signals)
		s.Attributes = maps.Clone(s.Attributes)
	}
	hide(&r.Slack.BotToken)
	hide(&r.Slack.SigningSecret)
	hide(&r.Slack.AppToken)
	hide(&r.Slack.ClientSecret)
	hide(&r.SMTP.Password)
	hide(&r.OpenAI.APIKey)
	r.Drip = c.Drip.Redacted()
	r.Affiliates = c.Affiliates.redacted()
	hide(&r.Server.APIToken)
	hide(&r.Server.MetricsToken)
	return &r
}

// passwordParam matches a password given as a parameter, in a URL query or a key=value DSN.
var passwordParam = regexp.MustCompile(`(?i)(password=)[^&\s]*`)

// redactURL hides the password in a DSN (user info or a password= parameter); anything else is
// returned unchanged.
func redactURL(s string) string {
	s = passwordParam.ReplaceAllString(s, "${1}"+Redaction)
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") { // unparseable and may hold credentials: hide it all
			return Redaction
		}
		return s
	}
	if u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Redaction)
	}
	return u.String()
}

// Sources is the current-value rule this config describes: connectors in the order listed
// (first wins), per-signal overrides from scoring.precedence, and freshness windows (the
// scoring default, or a connector's own).
func (c *Config) Sources() advocate.Sources {
	s := advocate.Sources{PerSignal: c.Scoring.Precedence, FreshFor: map[string]time.Duration{}}
	s.Freshness, _ = ParseDuration(c.Scoring.Freshness)
	for _, cc := range c.Connectors {
		s.Order = append(s.Order, cc.Name)
		if cc.Freshness == "" {
			continue
		}
		if d, err := ParseDuration(cc.Freshness); err == nil {
			s.FreshFor[cc.Name] = d
		}
	}
	return s
}

// Policy is the shortlist policy this config describes.
func (c *Config) Policy() advocate.Policy {
	return advocate.Policy{
		Size:         c.Shortlist.Size,
		SkipCooldown: advocate.Weeks(c.Shortlist.CooldownWeeks),
		Snooze:       advocate.Days(c.Shortlist.SnoozeDays),
		AskFatigue:   advocate.Days(c.Shortlist.AskFatigueDays),
	}
}
