package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// envOf returns a getenv over a fixed map, so tests never see the machine's environment.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// fullEnv holds the secrets testdata/full.yaml references; each value is distinctive so a test
// can prove it never leaks.
var fullEnv = map[string]string{
	"PG_PASSWORD":            "pg-secret-1",
	"HUBSPOT_TOKEN":          "hubspot-secret-2",
	"ZENDESK_TOKEN":          "zendesk-secret-3",
	"STRIPE_KEY":             "stripe-secret-4",
	"DELIGHTED_KEY":          "delighted-secret-5",
	"SF_TOKEN":               "sf-secret-6",
	"INTERCOM_TOKEN":         "intercom-secret-7",
	"POSTHOG_KEY":            "posthog-secret-8",
	"SLACK_BOT_TOKEN":        "xoxb-secret-9",
	"SLACK_SIGNING_SECRET":   "signing-secret-10",
	"SLACK_APP_TOKEN":        "xapp-secret-11",
	"SMTP_PORT":              "2525",
	"SMTP_PASSWORD":          "smtp-secret-12",
	"OPENAI_API_KEY":         "openai-secret-13",
	"ADVOCATE_API_TOKEN":     "api-secret-14",
	"ADVOCATE_METRICS_TOKEN": "metrics-secret-15-0123456789",
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, name string, env map[string]string) *Config {
	t.Helper()
	c, err := Parse(name, readFixture(t, name), envOf(env))
	if err != nil {
		t.Fatalf("Parse(%s):\n%v", name, err)
	}
	return c
}

func TestParseFullConfig(t *testing.T) {
	c := mustParse(t, "full.yaml", fullEnv)

	if got, want := c.DatabaseURL(), "postgres://advocate:pg-secret-1@db.internal/advocate?sslmode=disable"; got != want {
		t.Errorf("DatabaseURL() = %q, want %q", got, want)
	}
	var names []string
	for _, s := range c.Connectors {
		names = append(names, s.Name)
	}
	if want := []string{"crm", "support", "billing", "nps", "sfdc", "chat", "usage", "sheet"}; !reflect.DeepEqual(names, want) {
		t.Errorf("connector names = %v, want %v (file order decides precedence)", names, want)
	}
	crm, nps, usage, sheet := c.Connectors[0], c.Connectors[3], c.Connectors[6], c.Connectors[7]
	if crm.Token != "hubspot-secret-2" || crm.Schedule != "@every 1h" || crm.BaseURL != "https://api.hubapi.com" {
		t.Errorf("crm = %+v", crm)
	}
	if nps.Freshness != "2160h0m0s" {
		t.Errorf("nps freshness = %q, want 90d as Go duration 2160h0m0s", nps.Freshness)
	}
	if usage.ProjectID != "123" {
		t.Errorf("posthog project_id = %q, want \"123\" (a number in YAML is still an id)", usage.ProjectID)
	}
	if sheet.Kind != "signals" || sheet.Delimiter != ";" || sheet.Signals["health_score"] != "health" || sheet.Columns["domain"] != "website" {
		t.Errorf("sheet = %+v", sheet)
	}

	wantScoring := Scoring{
		Weights:         map[string]float64{"nps": 3, "tickets_90d": -1.5}, // replaces the defaults, no merge
		Gates:           []string{"nps >= 9", "tenure_days >= 90"},
		MinConfidence:   0, // an explicit zero is kept, not defaulted
		MissingGoodness: 0.25,
		Precedence:      map[string][]string{"nps": {"nps", "crm"}},
		Freshness:       "336h0m0s",
		Transforms:      DefaultTransforms(), // not in the file: NPS buckets stay
	}
	if !reflect.DeepEqual(c.Scoring, wantScoring) {
		t.Errorf("scoring = %+v\nwant     %+v", c.Scoring, wantScoring)
	}
	wantShortlist := Shortlist{Schedule: "0 9 * * MON", Size: 20, Channel: "#cs-advocates", Timezone: "Europe/Berlin", CooldownWeeks: 0, SnoozeDays: 14, AskFatigueDays: DefaultAskFatigueDays}
	if c.Shortlist != wantShortlist {
		t.Errorf("shortlist = %+v, want %+v", c.Shortlist, wantShortlist)
	}
	wantSlack := Slack{BotToken: "xoxb-secret-9", SigningSecret: "signing-secret-10", APIURL: "http://localhost:9999/api/", AppToken: "xapp-secret-11", SocketMode: true}
	if c.Slack != wantSlack {
		t.Errorf("slack = %+v, want %+v (api_url gains the trailing / slack-go needs)", c.Slack, wantSlack)
	}
	wantSMTP := SMTP{Host: "smtp.example.com", Port: 2525, Username: "advocate", Password: "smtp-secret-12", TLS: "tls"}
	if c.SMTP != wantSMTP {
		t.Errorf("smtp = %+v, want %+v (quoted ${SMTP_PORT} still reads as a number)", c.SMTP, wantSMTP)
	}
	if want := (Email{From: "Dana from Acme <dana@acme.io>", ProgramURL: "https://acme.io/partners", ReplyTo: "partners@acme.io"}); c.Email != want {
		t.Errorf("email = %+v, want %+v", c.Email, want)
	}
	if want := (OpenAI{APIKey: "openai-secret-13", BaseURL: "https://llm.internal/v1", Model: "gpt-4o"}); c.OpenAI != want {
		t.Errorf("openai = %+v, want %+v", c.OpenAI, want)
	}
	if want := (Server{Listen: "127.0.0.1:9090", PublicURL: "https://advocate.acme.io", APIToken: "api-secret-14", MetricsToken: "metrics-secret-15-0123456789"}); c.Server != want {
		t.Errorf("server = %+v, want %+v", c.Server, want)
	}
}

// TestParseErrors checks the exact messages a user sees, file and line included, and that all
// problems in a file come back together.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		fixture string // a file in testdata, or
		data    string // inline YAML, parsed as advocate.yaml
		env     map[string]string
		want    []string
	}{
		{
			name:    "UnknownKeys",
			fixture: "unknown_key.yaml",
			want: []string{
				`unknown_key.yaml:5: unknown key "tokn" in connectors[0] (known: name, type, schedule, freshness, base_url, instance_url, email, project_id, token, api_key, access_token, path, kind, columns, signals, attributes, delimiter, options)`,
				`unknown_key.yaml:7: unknown key "weigths" in scoring (known: weights, gates, min_confidence, missing_goodness, precedence, freshness, transforms, segments)`,
				`unknown_key.yaml:10: unknown key "sheduler" (known: database, connectors, scoring, shortlist, slack, smtp, email, openai, server, alerts, drip, affiliates)`,
			},
		},
		{
			name:    "BadValues",
			fixture: "bad_values.yaml",
			want: []string{
				`bad_values.yaml:8: connectors[1].schedule: bad cron spec "every hour": expected exactly 5 fields, found 2: [every hour]`,
				`bad_values.yaml:9: connectors[1].kind: must be one of customers, contacts, signals, got "people"`,
				`bad_values.yaml:10: duplicate connector name "crm" (first at line 2)`,
				`bad_values.yaml:11: connectors[2].type: unknown connector type "hubspt" (known: csv, custify, delighted, hubspot, intercom, posthog, salesforce, stripe, vitally, webhook, zendesk)`,
				`bad_values.yaml:12: connectors[3].name: "Support Desk" must be lowercase letters, digits, "-" or "_"`,
				`bad_values.yaml:12: connectors[3]: email is required for type zendesk`,
				`bad_values.yaml:12: connectors[3]: token is required for type zendesk`,
				`bad_values.yaml:14: connectors[3].base_url: must be an absolute http(s) URL, got "acme.zendesk.com"`,
				`bad_values.yaml:16: scoring.min_confidence: must be between 0 and 1, got 1.5`,
				`bad_values.yaml:17: scoring.gates[1]: gate is empty`,
				`bad_values.yaml:18: scoring.precedence.nps[1]: unknown connector "sfdc" (known: crm, sheet)`,
				`bad_values.yaml:19: scoring.freshness: bad duration "3 days": want e.g. "72h" or "30d"`,
				`bad_values.yaml:21: shortlist.size: must be between 1 and 500, got 0`,
				`bad_values.yaml:22: shortlist.timezone: unknown time zone "Mars/Olympus" (want an IANA name like "Europe/Berlin")`,
				`bad_values.yaml:23: slack.socket_mode: needs slack.app_token (an xapp- token)`,
				`bad_values.yaml:24: smtp.port: must be between 1 and 65535, got 70000`,
				`bad_values.yaml:24: smtp.tls: must be one of none, starttls, tls, got "ssl"`,
				`bad_values.yaml:25: email.from: not an email address: "not an address"`,
				`bad_values.yaml:26: server.public_url: must be an absolute http(s) URL, got "advocate.acme.io"`,
			},
		},
		{
			name:    "WrongTypes",
			fixture: "wrong_types.yaml",
			want: []string{
				`wrong_types.yaml:1: database: expected a mapping, got "postgres://localhost/advocate"`,
				`wrong_types.yaml:3: connectors: expected a list, got a mapping`,
				`wrong_types.yaml:5: scoring.weights.nps: expected a number, got "high"`,
				`wrong_types.yaml:6: scoring.gates: expected a list, got "nps >= 9"`,
				`wrong_types.yaml:8: shortlist.size: expected an integer, got "ten"`,
				`wrong_types.yaml:9: shortlist.channel: expected a string, got a list`,
				`wrong_types.yaml:11: slack.socket_mode: expected true or false, got "maybe"`,
			},
		},
		{
			name:    "Environment",
			fixture: "env.yaml",
			env:     map[string]string{"HUBSPOT_TOKEN": "hs-secret", "SMTP_HOST": "", "SMTP_PORT": "2525", "SHORTLIST_SIZE": "a-secret-value"},
			want: []string{
				`env.yaml:11: shortlist.size: expected an integer, got "${SHORTLIST_SIZE}" (from the environment; value not shown)`,
				`env.yaml:13: email.from: ${MISSING_FROM} is not set`,
				`env.yaml:15: server.listen: unterminated "${" (write "$${" for a literal "${")`,
			},
		},
		{
			name:    "Syntax",
			fixture: "syntax.yaml",
			want:    []string{`syntax.yaml:1: YAML syntax: did not find expected key`},
		},
		{
			name: "UnsetTokenIsOneError",
			data: "connectors:\n  - name: crm\n    type: hubspot\n    token: ${HUBSPOT_TOKEN}\n",
			want: []string{`advocate.yaml:4: connectors[0].token: ${HUBSPOT_TOKEN} is not set`},
		},
		{
			name: "NameAndTypeRequired",
			data: "connectors:\n  - path: a.csv\n  -\n",
			want: []string{
				`advocate.yaml:2: connectors[0]: name is required`,
				`advocate.yaml:2: connectors[0]: type is required (one of: csv, custify, delighted, hubspot, intercom, posthog, salesforce, stripe, vitally, webhook, zendesk)`,
				`advocate.yaml:3: connectors[1]: name is required`,
				`advocate.yaml:3: connectors[1]: type is required (one of: csv, custify, delighted, hubspot, intercom, posthog, salesforce, stripe, vitally, webhook, zendesk)`,
			},
		},
		{
			name: "DuplicateYAMLKey",
			data: "shortlist:\n  size: 10\n  size: 20\n",
			want: []string{`advocate.yaml:3: duplicate key "size" in shortlist (first at line 2)`},
		},
		{
			name: "PasswordInMistypedDatabaseIsHidden",
			data: "database: postgres://app:hunter2@db/advocate\n",
			want: []string{`advocate.yaml:1: database: expected a mapping, got "postgres://app:REDACTED@db/advocate"`},
		},
		{
			name: "WeightsMustBeFinite",
			data: "scoring:\n  weights: {nps: .inf, csat: .nan}\n",
			want: []string{
				`advocate.yaml:2: scoring.weights.csat: must be a finite number`,
				`advocate.yaml:2: scoring.weights.nps: must be a finite number`,
			},
		},
		{
			name: "BadConnectorFreshnessAndDelimiter",
			data: "connectors:\n  - name: sheet\n    type: csv\n    path: a.csv\n    freshness: -1h\n    delimiter: ab\n",
			want: []string{
				`advocate.yaml:5: connectors[0].freshness: must be positive, got "-1h"`,
				`advocate.yaml:6: connectors[0].delimiter: must be a single character, got "ab"`,
			},
		},
		{
			name: "NullListItemsKeepTheirIndex",
			data: "scoring:\n  gates: [\"nps >= 9\", ~, \"\"]\n",
			want: []string{
				`advocate.yaml:2: scoring.gates[1]: gate is empty`,
				`advocate.yaml:2: scoring.gates[2]: gate is empty`,
			},
		},
		{
			name: "MergedKeysAreChecked",
			data: "connectors:\n  - &hs {name: crm, type: hubspot, token: t, tokn: x}\n  - {<<: *hs, name: crm2, schedul: daily}\n",
			want: []string{
				`advocate.yaml:2: unknown key "tokn" in connectors[0] (known: name, type, schedule, freshness, base_url, instance_url, email, project_id, token, api_key, access_token, path, kind, columns, signals, attributes, delimiter, options)`,
				`advocate.yaml:2: unknown key "tokn" in connectors[1] (known: name, type, schedule, freshness, base_url, instance_url, email, project_id, token, api_key, access_token, path, kind, columns, signals, attributes, delimiter, options)`,
				`advocate.yaml:3: unknown key "schedul" in connectors[1] (known: name, type, schedule, freshness, base_url, instance_url, email, project_id, token, api_key, access_token, path, kind, columns, signals, attributes, delimiter, options)`,
			},
		},
		{
			name: "MetricsTokenTooShort",
			data: "server:\n  listen: \":8080\"\n  metrics_token: ${METRICS_TOKEN}\n",
			env:  map[string]string{"METRICS_TOKEN": "short-secret"},
			want: []string{"advocate.yaml:3: server.metrics_token: want at least 16 characters (value not shown), got 12; generate one with `openssl rand -hex 32`"},
		},
		{
			name: "MetricsTokenWithSpace",
			data: "server:\n  metrics_token: \"a token with spaces in it\"\n",
			want: []string{`advocate.yaml:2: server.metrics_token: must not contain whitespace (value not shown); an HTTP Authorization header cannot carry it`},
		},
		{
			name: "TopLevelNotAMapping",
			data: "- a\n- b\n",
			want: []string{`advocate.yaml:1: top level: expected a mapping, got a list`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, data := "advocate.yaml", []byte(tt.data)
			if tt.fixture != "" {
				name, data = tt.fixture, readFixture(t, tt.fixture)
			}
			c, err := Parse(name, data, envOf(tt.env))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors", c)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
			for _, secret := range tt.env {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error message leaks the value %q", secret)
				}
			}
			var es Errors
			if !errors.As(err, &es) || len(es) != len(tt.want) {
				t.Fatalf("errors.As(Errors) = %v, %d errors; want %d", errors.As(err, &es), len(es), len(tt.want))
			}
			var one *Error
			if !errors.As(err, &one) || one.File != name {
				t.Errorf("errors.As(*Error) gave %+v, want File %q", one, name)
			}
		})
	}
}

func TestEnvExpansion(t *testing.T) {
	env := map[string]string{"HUBSPOT_TOKEN": "hs", "SMTP_HOST": "mail.acme.io", "SMTP_PORT": "465", "SHORTLIST_SIZE": "7", "MISSING_FROM": "ops@acme.io"}
	data := strings.Replace(string(readFixture(t, "env.yaml")), "${BROKEN", `"$${BROKEN"`, 1)
	c, err := Parse("env.yaml", []byte(data), envOf(env))
	if err == nil {
		t.Fatalf("listen %q accepted, want a host:port error", "${BROKEN")
	}
	if want := `env.yaml:15: server.listen: want host:port such as ":8080", got "${BROKEN"`; err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}

	data = strings.Replace(string(readFixture(t, "env.yaml")), "${BROKEN", `"0.0.0.0:${PORT:-8081}"`, 1)
	env["PORT"] = "" // set but empty: the fallback applies, as in a shell
	c, err = Parse("env.yaml", []byte(data), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"token", c.Connectors[0].Token, "hs"},
		{"base_url from ${HUBSPOT_URL:-…} fallback", c.Connectors[0].BaseURL, "https://api.hubapi.com"},
		{"smtp.host", c.SMTP.Host, "mail.acme.io"},
		{"password with $$ and $${ escape", c.SMTP.Password, "pa$$word-${LITERAL}"},
		{"email.from", c.Email.From, "ops@acme.io"},
		{"listen with empty PORT uses fallback", c.Server.Listen, "0.0.0.0:8081"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.what, ch.got, ch.want)
		}
	}
	if c.SMTP.Port != 465 || c.Shortlist.Size != 7 {
		t.Errorf("port, size = %d, %d; want 465, 7 (plain ${VAR} in a number field)", c.SMTP.Port, c.Shortlist.Size)
	}
}

func TestDefaults(t *testing.T) {
	want := Config{
		Scoring: Scoring{Weights: DefaultWeights(), Gates: DefaultGates(), MinConfidence: 0.3, MissingGoodness: 0.25, Freshness: "4320h",
			Transforms: map[string]Transform{"nps": {Kind: "buckets", Buckets: []Bucket{
				{Min: 0, Goodness: 0, Label: "detractor"}, {Min: 7, Goodness: 0.5, Label: "passive"}, {Min: 9, Goodness: 1, Label: "promoter"}}}}},
		Shortlist: Shortlist{Schedule: "0 9 * * MON", Size: 20, Timezone: "UTC", CooldownWeeks: 8, SnoozeDays: 30, AskFatigueDays: 90},
		Alerts:    Alerts{ConnectorFailures: 3, HealthBelow: 50, Schedule: "@every 5m"},
		Slack:     Slack{APIURL: "https://slack.com/api/"},
		SMTP:      SMTP{Port: 587, TLS: "starttls"},
		OpenAI:    OpenAI{BaseURL: "https://api.openai.com/v1", Model: "gpt-4o-mini"},
		Server:    Server{Listen: ":8080"},
	}
	if got := Default(); !reflect.DeepEqual(*got, want) {
		t.Errorf("Default() = %+v\nwant        %+v", *got, want)
	}

	t.Run("EmptyFile", func(t *testing.T) {
		c := mustParse(t, "empty.yaml", nil)
		w := want
		w.Path, w.Scoring.Freshness = "empty.yaml", "4320h0m0s"
		if !reflect.DeepEqual(*c, w) {
			t.Errorf("Parse(empty) = %+v\nwant           %+v", *c, w)
		}
		if c.DatabaseURL() != "" {
			t.Errorf("DatabaseURL() = %q, want \"\" (embedded SQLite)", c.DatabaseURL())
		}
	})
	t.Run("UnsetKeysKeepDefaults", func(t *testing.T) {
		c := mustParse(t, "minimal.yaml", nil)
		if c.Shortlist != want.Shortlist || c.SMTP != want.SMTP || c.Server != want.Server || !reflect.DeepEqual(c.Scoring.Weights, DefaultWeights()) {
			t.Errorf("minimal config did not keep defaults: %+v", c)
		}
	})
	t.Run("EmptyStringsAndNullsMeanDefault", func(t *testing.T) {
		data := "server: {listen: \"\"}\nslack: {api_url: \"\"}\nshortlist: {size: ~}\nsmtp: {tls: \"\"}\nopenai: {model: \"\"}\n"
		c, err := Parse("advocate.yaml", []byte(data), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Server.Listen != ":8080" || c.Slack.APIURL != DefaultSlackAPIURL || c.Shortlist.Size != 20 || c.SMTP.TLS != "starttls" || c.OpenAI.Model != DefaultOpenAIModel {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("EmptyListsReplaceDefaults", func(t *testing.T) {
		c, err := Parse("advocate.yaml", []byte("scoring: {gates: [], transforms: {}, segments: []}\nshortlist: {schedule: \"\"}\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Scoring.Gates) != 0 || len(c.Scoring.Transforms) != 0 || len(c.Scoring.Segments) != 0 || c.Shortlist.Schedule != "" {
			t.Errorf("gates %v, transforms %v, segments %v, schedule %q; want none (the user cleared them)",
				c.Scoring.Gates, c.Scoring.Transforms, c.Scoring.Segments, c.Shortlist.Schedule)
		}
	})
}

func TestRedacted(t *testing.T) {
	c := mustParse(t, "full.yaml", fullEnv)
	r := c.Redacted()

	for _, format := range []struct {
		name    string
		marshal func(any) ([]byte, error)
	}{{"yaml", yaml.Marshal}, {"json", json.Marshal}} {
		out, err := format.marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for k, secret := range fullEnv {
			if k != "SMTP_PORT" && strings.Contains(string(out), secret) {
				t.Errorf("%s of Redacted() contains $%s", format.name, k)
			}
		}
	}
	if want := "postgres://advocate:REDACTED@db.internal/advocate?sslmode=disable"; r.Database.URL != want {
		t.Errorf("database url = %q, want %q", r.Database.URL, want)
	}
	if r.Connectors[0].Token != Redaction || r.Connectors[4].AccessToken != Redaction || r.Connectors[2].APIKey != Redaction ||
		r.Slack.BotToken != Redaction || r.SMTP.Password != Redaction || r.OpenAI.APIKey != Redaction || r.Server.APIToken != Redaction || r.Server.MetricsToken != Redaction {
		t.Errorf("a secret is not redacted: %+v", r)
	}
	if r.Connectors[7].Token != "" {
		t.Errorf("unset secret became %q, want \"\" so a reader sees it is missing", r.Connectors[7].Token)
	}
	if c.Connectors[0].Token != "hubspot-secret-2" || c.Slack.BotToken != "xoxb-secret-9" {
		t.Error("Redacted changed the original config")
	}
	r.Scoring.Weights["nps"] = 99
	r.Connectors[7].Signals["x"] = "y"
	if c.Scoring.Weights["nps"] != 3 || c.Connectors[7].Signals["x"] != "" {
		t.Error("Redacted shares maps with the original")
	}

	for _, dsn := range []struct{ in, want string }{
		{"host=db user=app password=hunter2 dbname=advocate", "host=db user=app password=REDACTED dbname=advocate"},
		{"postgres://db/advocate?password=hunter2&sslmode=disable", "postgres://db/advocate?password=REDACTED&sslmode=disable"},
		{"/var/lib/advocate.db", "/var/lib/advocate.db"},
	} {
		if got := (&Config{Database: Database{URL: dsn.in}}).Redacted().Database.URL; got != dsn.want {
			t.Errorf("Redacted(%q) = %q, want %q", dsn.in, got, dsn.want)
		}
	}
}

func TestStarter(t *testing.T) {
	c, err := Parse("advocate.yaml", Starter(), nil)
	if err != nil {
		t.Fatalf("Starter() does not parse with an empty environment:\n%v", err)
	}
	// The starter reads the bundled sample files once they are copied to data/ (README "Using
	// it"; cmd/advocate's TestReadmeUsingIt follows those steps literally).
	var paths []string
	for _, cc := range c.Connectors {
		if cc.Type != "csv" {
			t.Errorf("starter connector %s is %s, want csv", cc.Name, cc.Type)
		}
		paths = append(paths, cc.Kind+":"+cc.Path)
	}
	if want := []string{"customers:data/customers.csv", "contacts:data/contacts.csv", "signals:data/nps.csv"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("starter connectors read %v, want %v", paths, want)
	}
	if !reflect.DeepEqual(c.Scoring.Weights, DefaultWeights()) || !reflect.DeepEqual(c.Scoring.Gates, DefaultGates()) {
		t.Errorf("starter scoring %+v differs from the defaults", c.Scoring)
	}
	text := string(Starter())
	for _, typ := range ConnectorTypes() {
		if !strings.Contains(text, typ) {
			t.Errorf("starter does not show connector type %s", typ)
		}
	}
	for _, section := range []string{"database:", "slack:", "smtp:", "email:", "openai:", "server:", "${SLACK_BOT_TOKEN}", "${OPENAI_API_KEY}"} {
		if !strings.Contains(text, section) {
			t.Errorf("starter does not mention %s", section)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "advocate.yaml")
	if err := os.WriteFile(path, readFixture(t, "minimal.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.Connectors[0].Dir != dir {
		t.Errorf("Path %q, Dir %q; want %q, %q (CSV paths resolve next to the config)", c.Path, c.Connectors[0].Dir, path, dir)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist so the CLI can suggest `advocate init`", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"72h", 72 * time.Hour, false},
		{"30d", 30 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"0.5d", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"3 days", 0, true},
		{"d", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRedactedHidesDripSecret(t *testing.T) {
	c := Default()
	c.Drip.UnsubscribeSecret = "s3cret-value"
	r := c.Redacted()
	if r.Drip.UnsubscribeSecret != Redaction || c.Drip.UnsubscribeSecret != "s3cret-value" {
		t.Errorf("redacted %q, original %q", r.Drip.UnsubscribeSecret, c.Drip.UnsubscribeSecret)
	}
}

// TestTemplatesDir: email.templates_dir resolves next to the config file, and every override is
// checked at load, its problems reported at the template's own file and line.
func TestTemplatesDir(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "templates_ok.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "templates", "ok"); c.Email.TemplatesDir != want {
		t.Errorf("templates_dir = %q, want %q (relative to the config file)", c.Email.TemplatesDir, want)
	}

	tests := []struct {
		fixture string
		want    []string
	}{
		{"templates_bad.yaml", []string{
			filepath.Join("testdata", "templates", "bad", "check_in.html.tmpl") + `:2: email.templates_dir: "NPS" is for CSMs, not customers`,
			filepath.Join("testdata", "templates", "bad", "invite.txt.tmpl") + `:3: email.templates_dir: bad character U+007D '}'`,
			filepath.Join("testdata", "templates", "bad", "welcome.txt.tmpl") + `: email.templates_dir: not an email template name; a templates folder holds only files named like the built-in ones: assets.html.tmpl, `,
		}},
		{"templates_missing.yaml", []string{
			filepath.Join("testdata", "templates_missing.yaml") + `:3: email.templates_dir: "` + filepath.Join("testdata", "no-such-folder") + `" is not a folder`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tt.fixture))
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want Errors", err)
			}
			if len(es) != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%v", len(es), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(es) && !strings.HasPrefix(es[i].Error(), w) {
					t.Errorf("error %d = %q\nwant prefix %q", i, es[i].Error(), w)
				}
			}
		})
	}
}

func TestConnectorNameAffiliatesIsReserved(t *testing.T) {
	_, err := Parse("advocate.yaml", []byte("connectors:\n  - {name: affiliates, type: csv, path: a.csv}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "advocate.yaml:2") || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("err = %v, want advocate.yaml:2 saying the name is reserved", err)
	}
}
