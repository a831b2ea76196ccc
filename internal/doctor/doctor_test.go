package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates/rewardful/rewardfulfake"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/doctor"
	"github.com/advocate-hq/advocate/internal/outbox/smtptest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// Credentials the fakes accept.
const (
	hubspotToken = "pat-na1-11111111-2222-3333-4444-555555555555"
	slackToken   = "xoxb-good-token"
	openaiKey    = "sk-test-openai-key-000"
	channelID    = "C0SHORTLST"
)

// hubspotFake answers the list call HubSpot's Verify makes the way HubSpot does: 200 with a
// page for the right private-app token, 401 with HubSpot's error body otherwise.
func hubspotFake(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+hubspotToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"status":"error","message":"Authentication credentials not found. This API supports OAuth 2.0 authentication","category":"INVALID_AUTHENTICATION"}`)
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/crm/v3/objects/companies" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"status":"error","message":"not found"}`)
			return
		}
		fmt.Fprint(w, `{"results":[{"id":"1","properties":{"name":"Acme"}}],"paging":{"next":{"after":"2"}}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// slackFake is Slack's Web API for the calls the check makes: auth.test answers invalid_auth
// for any other token, conversations.info knows the shortlist channel with the bot in it.
func slackFake(t *testing.T) string {
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	authed := func(r *http.Request) bool {
		r.ParseForm()
		return r.Header.Get("Authorization") == "Bearer "+slackToken || r.FormValue("token") == slackToken
	}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			if !authed(r) {
				reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
				return
			}
			reply(w, map[string]any{"ok": true, "team": "Acme", "user": "advocate", "team_id": "T1", "user_id": "UBOT", "bot_id": "B1"})
		})
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			if !authed(r) {
				reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
				return
			}
			if r.FormValue("channel") != channelID {
				reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
				return
			}
			reply(w, map[string]any{"ok": true, "channel": map[string]any{"id": channelID, "name": "cs-advocates", "is_channel": true, "is_member": true}})
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv.GetAPIURL()
}

// openaiFake lists models for the right key, as GET /v1/models does.
func openaiFake(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+openaiKey {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","owned_by":"system"}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// world is a deployment where everything works: fakes for every outside service, a real SMTP
// server on loopback, and the config that points at them.
type world struct {
	hubspot, slack, openai, rewardful string
	smtpPort                          int
	// The settings each failure case changes.
	token, botToken, publicURL, gates, weights string
}

func newWorld(t *testing.T) *world {
	rw := httptest.NewServer(rewardfulfake.New())
	t.Cleanup(rw.Close)
	return &world{hubspot: hubspotFake(t).URL, slack: slackFake(t), openai: openaiFake(t), rewardful: rw.URL,
		smtpPort: smtptest.Start(t).Port,
		token:    hubspotToken, botToken: slackToken, publicURL: "https://advocate.acme.io",
		// tenure_days derives from customer_since, and upsells_12m: both HubSpot's.
		gates: `["tenure_days >= 90"]`, weights: `{upsells_12m: 1}`}
}

func (w *world) yaml() string {
	return fmt.Sprintf(`
connectors:
  - {name: crm, type: hubspot, base_url: %q, token: %q}
scoring:
  weights: %s
  gates: %s
shortlist: {channel: %q}
slack: {bot_token: %q, api_url: %q}
smtp: {host: 127.0.0.1, port: %d, tls: none}
email: {from: "Dana <dana@acme.io>", program_url: "https://acme.io/partners"}
openai: {api_key: %q, base_url: %q, model: gpt-4o-mini}
server: {public_url: %q}
affiliates: {platform: rewardful, base_url: %q, api_key: %q, webhook_secret: "whsec-1234567890"}
`, w.hubspot, w.token, w.weights, w.gates, channelID, w.botToken, w.slack, w.smtpPort, openaiKey, w.openai, w.publicURL, w.rewardful, rewardfulfake.Key)
}

func (w *world) run(t *testing.T, st *store.Store) doctor.Report {
	t.Helper()
	cfg, err := config.Parse("advocate.yaml", []byte(w.yaml()), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return doctor.Run(context.Background(), doctor.Options{ConfigPath: "advocate.yaml", Config: cfg, Store: st, Timeout: 5 * time.Second})
}

func names(cs []doctor.Check) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestAllGood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rep := newWorld(t).run(t, st)
		var text bytes.Buffer
		rep.WriteText(&text)
		if !rep.OK {
			t.Fatalf("report not OK:\n%s", text.String())
		}
		want := []string{"config", "database", "connector crm", "slack", "smtp", "openai", "affiliates rewardful",
			"public_url", "model inputs", "unsubscribe secret"}
		if got := names(rep.Checks); !slices.Equal(got, want) {
			t.Errorf("checks = %q, want %q", got, want)
		}
		for _, c := range rep.Checks {
			if !c.OK || c.Skipped || c.Warning {
				t.Errorf("%s: ok=%v skipped=%v warning=%v: %s", c.Name, c.OK, c.Skipped, c.Warning, c.Detail)
			}
		}
		if !strings.Contains(text.String(), "✓ connector crm") || !strings.Contains(text.String(), "All checks passed.") {
			t.Errorf("text output:\n%s", text.String())
		}
	})
}

func TestFailures(t *testing.T) {
	st := storetest.SQLite(t)
	closedPort := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return port
	}
	tests := []struct {
		name   string
		change func(w *world)
		check  string   // the one check that fails
		detail []string // what its detail says
		hint   string   // what its hint points at
	}{
		{"wrong connector token", func(w *world) { w.token = "pat-na1-99999999-9999-9999-9999-999999999999" },
			"connector crm", []string{"HubSpot rejected the token (401"}, "connectors[0].token"},
		{"unreachable SMTP", func(w *world) { w.smtpPort = closedPort() },
			"smtp", []string{"cannot connect to 127.0.0.1:"}, "smtp.host and smtp.port"},
		{"Slack invalid_auth", func(w *world) { w.botToken = "xoxb-revoked" },
			"slack", []string{"Slack rejected the bot token (invalid_auth)"}, "slack.bot_token"},
		{"http public_url", func(w *world) { w.publicURL = "http://advocate.acme.io" },
			"public_url", []string{"http://advocate.acme.io is not https"}, "https://"},
		{"localhost public_url", func(w *world) { w.publicURL = "https://localhost:8080" },
			"public_url", []string{"points at this machine"}, "public https://"},
		{"missing coverage", func(w *world) { w.gates = `["nps >= 9"]` },
			"model inputs", []string{"gate `nps >= 9` needs nps", "no configured connector maps it"}, "map the input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.change(w)
			rep := w.run(t, st)
			if rep.OK {
				t.Fatal("report OK, want a failure")
			}
			failed := rep.Failed()
			if got := names(failed); !slices.Equal(got, []string{tc.check}) {
				t.Fatalf("failed checks = %q, want only %q", got, tc.check)
			}
			c := failed[0]
			for _, d := range tc.detail {
				if !strings.Contains(c.Detail, d) {
					t.Errorf("detail %q does not say %q", c.Detail, d)
				}
			}
			if !strings.Contains(c.Hint, tc.hint) {
				t.Errorf("hint %q does not point at %q", c.Hint, tc.hint)
			}
			var out bytes.Buffer
			if err := rep.WriteJSON(&out); err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{w.token, w.botToken, openaiKey, rewardfulfake.Key} {
				if strings.Contains(out.String(), secret) {
					t.Errorf("output shows the secret %q:\n%s", secret, out.String())
				}
			}
			var doc struct {
				Checks []struct {
					Name   string `json:"name"`
					OK     bool   `json:"ok"`
					Detail string `json:"detail"`
				} `json:"checks"`
				OK *bool `json:"ok"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.OK == nil || *doc.OK || len(doc.Checks) != len(rep.Checks) {
				t.Errorf("JSON does not follow the contract (%v):\n%s", err, out.String())
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			t.Log("\n" + text.String())
			if !strings.Contains(text.String(), "✗ "+tc.check) {
				t.Errorf("text output does not mark %s failed:\n%s", tc.check, text.String())
			}
		})
	}
}

func TestConfigAndDatabaseErrors(t *testing.T) {
	_, cfgErr := config.Parse("advocate.yaml", []byte("shortlist:\n  size: ten\n"), nil)
	if cfgErr == nil {
		t.Fatal("want a config error")
	}
	_, dbErr := store.Open(context.Background(), "mysql://u:p@h/db")
	rep := doctor.Run(context.Background(), doctor.Options{ConfigPath: "advocate.yaml", ConfigErr: cfgErr, StoreErr: dbErr})
	if rep.OK {
		t.Fatal("report OK")
	}
	if got := names(rep.Failed()); !slices.Equal(got, []string{"config", "database"}) {
		t.Fatalf("failed = %q", got)
	}
	if c := rep.Checks[0]; !strings.Contains(c.Detail, "advocate.yaml:2:") {
		t.Errorf("config detail %q does not name the file and line", c.Detail)
	}
}

func TestPendingMigrations(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir()+"/new.db") // never migrated
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := newWorld(t)
	rep := w.run(t, st)
	var db doctor.Check
	for _, c := range rep.Checks {
		if c.Name == "database" {
			db = c
		}
	}
	if db.OK || !strings.Contains(db.Detail, "schema is at migration 0 of") || !strings.Contains(db.Hint, "advocate migrate") {
		t.Errorf("database check = %+v", db)
	}
}

// TestWarnings: affiliate creations failing on the platform and a platform without signed
// webhooks are worth a look but not failures; a push source nobody can push to is a failure.
func TestWarnings(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	run, _, err := st.BeginSyncRun(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CommitPage(ctx, "crm", run, connectors.Page{Customers: []connectors.Customer{{Ref: connectors.Ref{Domain: "acme.io"}, Name: "Acme"}}}); err != nil {
		t.Fatal(err)
	}
	c, err := st.FindCustomer(ctx, "acme.io")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Enroll(ctx, c.ID, "jo@acme.io", "default"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordAffiliateFailure(ctx, "rewardful", "jo@acme.io", c.ID, "HTTP 503 from the platform",
		func(int) time.Duration { return time.Hour }); err != nil {
		t.Fatal(err)
	}

	w := newWorld(t)
	y := strings.Replace(w.yaml(), `, webhook_secret: "whsec-1234567890"`, "", 1)
	y = strings.Replace(y, "connectors:\n", "connectors:\n  - {name: push, type: webhook}\n", 1)
	cfg, err := config.Parse("advocate.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := doctor.Run(ctx, doctor.Options{Config: cfg, Store: st, Timeout: 5 * time.Second})
	byName := map[string]doctor.Check{}
	for _, c := range rep.Checks {
		byName[c.Name] = c
	}
	aff := byName["affiliates rewardful"]
	if !aff.OK || !aff.Warning {
		t.Errorf("affiliates = %+v, want OK with a warning", aff)
	}
	for _, s := range []string{"1 approved contacts wait for their affiliate, 1 failing", "HTTP 503 from the platform", "webhook_secret not set"} {
		if !strings.Contains(aff.Detail, s) {
			t.Errorf("affiliates detail %q does not say %q", aff.Detail, s)
		}
	}
	if push := byName["connector push"]; push.OK || !strings.Contains(push.Hint, "connectors[0].token") {
		t.Errorf("connector push = %+v, want a failure pointing at its token", push)
	}
	// model inputs fails too, rightly: the one customer has none of the data the model reads.
	if got := names(rep.Failed()); slices.Contains(got, "affiliates rewardful") || rep.OK {
		t.Errorf("failed = %q", got)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "! affiliates rewardful") {
		t.Errorf("text does not mark the warning:\n%s", text.String())
	}
}

// TestTimeout: a vendor that never answers costs one check its timeout, not the run.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	w := newWorld(t)
	w.hubspot = hang.URL
	cfg, err := config.Parse("advocate.yaml", []byte(w.yaml()), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg, Store: storetest.SQLite(t), Timeout: 300 * time.Millisecond})
	if got := names(rep.Failed()); !slices.Equal(got, []string{"connector crm"}) {
		t.Fatalf("failed = %q", got)
	}
	if c := rep.Failed()[0]; !strings.Contains(c.Hint, "connectors[0].base_url") {
		t.Errorf("hint %q does not point at base_url (detail %q)", c.Hint, c.Detail)
	}
}

// A weight whose input nothing provides is a warning, not a failure: the score simply leans on
// the other signals. (A gate without data fails: see TestFailures' "missing coverage".)
func TestWeightWithoutDataWarns(t *testing.T) {
	st := storetest.SQLite(t)
	w := newWorld(t)
	w.weights = `{upsells_12m: 1, nps: 3}`
	rep := w.run(t, st)
	var cov *doctor.Check
	for i := range rep.Checks {
		if rep.Checks[i].Name == "model inputs" {
			cov = &rep.Checks[i]
		}
	}
	if cov == nil || !cov.OK || !cov.Warning || !strings.Contains(cov.Detail, "weight nps needs nps") {
		t.Fatalf("model inputs = %+v, want OK with a warning naming the nps weight", cov)
	}
	if got := names(rep.Failed()); len(got) != 0 {
		t.Errorf("failed = %q, want none", got)
	}
}
