package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// fixedNow is the clock of every CLI test: the Monday the fixtures were written for.
var fixedNow = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

// cli runs one command line in-process, the way main would.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	return advocateAt(t, fixedNow, args...)
}

// advocateAt runs a command line with the clock at now.
func advocateAt(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, now: func() time.Time { return now }}
	code := 0
	if err := a.dispatch(context.Background(), args); err != nil {
		code = runErr(&errOut, err)
	}
	return result{code, out.String(), errOut.String()}
}

// workdir copies the fixtures into a temp dir and returns the config path there.
func workdir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"advocate.yaml", "customers.csv", "contacts.csv", "nps.csv", "unknown-key.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "advocate.yaml")
}

// engines yields the --db value for SQLite and for a fresh Postgres schema.
func engines(t *testing.T, fn func(t *testing.T, cfg, db string)) {
	t.Run("sqlite", func(t *testing.T) {
		cfg := workdir(t)
		fn(t, cfg, filepath.Join(filepath.Dir(cfg), "advocate.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, workdir(t), storetest.SchemaDSN(t))
	})
}

func mustOK(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }

		mustOK(t, cmd("migrate"))
		sync1 := mustOK(t, cmd("sync"))
		// The malformed NPS row is reported by file and line; the rest loaded.
		if !strings.Contains(sync1.stdout, "nps.csv:5") {
			t.Errorf("sync output does not name the bad row nps.csv:5:\n%s", sync1.stdout)
		}
		status1 := mustOK(t, cmd("export", "--format", "json"))

		// A second sync changes nothing.
		var sync2 struct {
			Results []struct {
				Connector string `json:"connector"`
				Created   int    `json:"customers_created"`
				Signals   int    `json:"signals_new"`
			} `json:"results"`
		}
		decode(t, mustOK(t, cmd("sync", "--json")).stdout, &sync2)
		for _, r := range sync2.Results {
			if r.Created != 0 || r.Signals != 0 {
				t.Errorf("re-sync of %s created %d customers and %d signals, want none", r.Connector, r.Created, r.Signals)
			}
		}
		if again := mustOK(t, cmd("export", "--format", "json")); again.stdout != status1.stdout {
			t.Errorf("export differs after a second sync")
		}

		mustOK(t, cmd("score"))
		var sl struct {
			Week    string `json:"week"`
			Entries []struct {
				Rank     int `json:"rank"`
				Customer struct {
					ID, Name, Domain, Owner string
				} `json:"customer"`
				Contact struct {
					Name, Email, Role string
				} `json:"contact"`
				Score   float64  `json:"score"`
				Reasons []string `json:"reasons"`
			} `json:"entries"`
		}
		decode(t, mustOK(t, cmd("shortlist", "--json")).stdout, &sl)
		if sl.Week != "2026-W47" || len(sl.Entries) == 0 {
			t.Fatalf("shortlist = %+v", sl)
		}
		top := sl.Entries[0]
		if top.Customer.Domain != "northwind.io" || top.Contact.Email != "jo@northwind.io" || top.Customer.Owner != "maya@vendor.io" || len(top.Reasons) == 0 {
			t.Errorf("top entry = %+v, want Northwind with Jo, its champion", top)
		}
		for _, e := range sl.Entries {
			switch e.Customer.Domain {
			case "hooli.com":
				t.Error("Hooli is 27 days old and failed the tenure gate, yet was shortlisted")
			case "umbrella.io":
				t.Error("Umbrella is already a partner, yet was shortlisted")
			case "vandelay.com":
				t.Error("Vandelay's only contact opted out, yet it was shortlisted")
			}
		}

		var ex struct {
			Customer      struct{ ID, Domain string }
			Signals       map[string]struct{ Value float64 }
			Score         *float64
			Confidence    *float64
			Eligible      bool
			FailedGates   []string `json:"failed_gates"`
			Contributions []struct {
				Signal string
				Value  float64
				Points *float64
			}
			Reasons []string
		}
		decode(t, mustOK(t, cmd("explain", "hooli.com", "--json")).stdout, &ex)
		if ex.Customer.Domain != "hooli.com" || ex.Eligible || len(ex.FailedGates) == 0 || ex.Score == nil || len(ex.Contributions) == 0 || ex.Contributions[0].Points == nil {
			t.Errorf("explain hooli = %+v", ex)
		}
		if ex.Signals["nps"].Value != 10 {
			t.Errorf("explain signals = %+v", ex.Signals)
		}
		human := mustOK(t, cmd("explain", top.Customer.ID))
		if !strings.Contains(human.stdout, "Northwind Labs") || !strings.Contains(human.stdout, "health_score") {
			t.Errorf("explain output:\n%s", human.stdout)
		}

		var exp struct {
			Customers []struct {
				ID, Name, Domain, Owner string
				Attributes              map[string]string
				Signals                 map[string]struct {
					Value      float64
					ObservedAt time.Time `json:"observed_at"`
					Source     string
				}
				Score    *float64
				Eligible *bool
			}
		}
		decode(t, mustOK(t, cmd("export", "--format", "json")).stdout, &exp)
		if len(exp.Customers) != 7 {
			t.Fatalf("export has %d customers, want 7", len(exp.Customers))
		}
		for _, c := range exp.Customers {
			if c.Score == nil || c.Eligible == nil {
				t.Errorf("%s has no score in export", c.Domain)
			}
			if c.Domain == "northwind.io" && (c.Signals["nps"].Source != "crm" || c.Attributes["plan"] != "enterprise") {
				t.Errorf("northwind export = %+v", c)
			}
		}
		csvOut := mustOK(t, cmd("export", "--format", "csv"))
		if lines := strings.Count(csvOut.stdout, "\n"); lines != 8 {
			t.Errorf("CSV export has %d lines, want header + 7", lines)
		}

		// A decision takes a customer off next week's list.
		if out := mustOK(t, cmd("approve", "northwind.io", "--by", "maya@vendor.io")); !strings.Contains(out.stdout, "enrolled ") {
			t.Errorf("approve did not enroll: %s", out.stdout)
		}
		if out := mustOK(t, cmd("approve", "northwind.io", "--by", "maya@vendor.io")); !strings.Contains(out.stdout, "already enrolled") {
			t.Errorf("approving twice enrolled twice: %s", out.stdout)
		}
		decode(t, mustOK(t, cmd("shortlist", "--json", "--week", "2026-W48")).stdout, &sl)
		for _, e := range sl.Entries {
			if e.Customer.Domain == "northwind.io" {
				t.Error("an approved customer was shortlisted again")
			}
		}
		st := mustOK(t, cmd("status", "--json"))
		if !strings.Contains(st.stdout, `"connector": "crm"`) || strings.Contains(st.stdout, `"last_success_at": null`) {
			t.Errorf("status = %s", st.stdout)
		}
	})
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("output is not the JSON expected: %v\n%s", err, s)
	}
}

func TestUnknownConfigKeyFailsWithLineAndWritesNothing(t *testing.T) {
	cfg := workdir(t)
	bad := filepath.Join(filepath.Dir(cfg), "unknown-key.yaml")
	r := cli(t, "--config", bad, "sync")
	if r.code == 0 {
		t.Fatal("sync with an unknown config key succeeded")
	}
	if !strings.Contains(r.stderr, "unknown-key.yaml:6") || !strings.Contains(r.stderr, "weigths") {
		t.Errorf("stderr does not name file:line and the key:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "advocate.db")); err == nil {
		t.Error("a database was created although the config is invalid")
	}
}

func TestInitWritesAValidStarterConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "advocate.yaml")
	mustOK(t, cli(t, "--config", path, "init"))
	if r := cli(t, "--config", path, "init"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second init: exit %d, %s", r.code, r.stderr)
	}
	// The starter config loads: status needs a valid config and a database.
	mustOK(t, cli(t, "--config", path, "status"))
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"explain"}, "exactly one CUSTOMER"},
		{[]string{"export", "--format", "xml"}, "csv or json"},
		{[]string{"--config", "/nonexistent/advocate.yaml", "score"}, "advocate init"},
	} {
		r := cli(t, tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line containing %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestDemo(t *testing.T) {
	out := t.TempDir()
	r := mustOK(t, cli(t, "demo", "--out", out))
	if !strings.Contains(r.stdout, "Shortlist 2026-W47") || strings.Count(r.stdout, "        · ") < 10 {
		t.Errorf("demo output lacks a ranked shortlist with reasons:\n%s", r.stdout)
	}

	raw, err := os.ReadFile(filepath.Join(out, "slack-shortlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Blocks slack.Blocks `json:"blocks"`
		Text   string       `json:"text"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("slack-shortlist.json is not Block Kit: %v", err)
	}
	buttons := 0
	for _, b := range msg.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			buttons += len(a.Elements.ElementSet)
		}
	}
	if buttons < 4*10 {
		t.Errorf("%d buttons in the Slack message, want Approve/Skip/Snooze/Preview for 10 candidates", buttons)
	}

	f, err := os.Open(filepath.Join(out, "invite.eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("invite.eml is not a MIME message: %v", err)
	}
	if m.Header.Get("List-Unsubscribe") == "" || m.Header.Get("Message-Id") == "" {
		t.Errorf("invite headers: %v", m.Header)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("invite Content-Type %q (%v)", mt, err)
	}
	parts := map[string]bool{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = true
	}
	if !parts["text/plain"] || !parts["text/html"] {
		t.Errorf("invite parts = %v, want text/plain and text/html", parts)
	}
}

func TestExplainShowsWhatChangedSinceLastWeek(t *testing.T) {
	cfg := workdir(t)
	mustOK(t, cli(t, "--config", cfg, "sync"))
	mustOK(t, cli(t, "--config", cfg, "score"))
	// A week later Northwind's health score dropped from 92 to 55.
	path := filepath.Join(filepath.Dir(cfg), "customers.csv")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "maya@vendor.io,enterprise,2023-02-01,,92,", "maya@vendor.io,enterprise,2023-02-01,,55,", 1)), 0o644)
	later := fixedNow.AddDate(0, 0, 7)
	mustOK(t, advocateAt(t, later, "--config", cfg, "sync"))
	mustOK(t, advocateAt(t, later, "--config", cfg, "score"))

	var ex struct {
		Score   float64
		Changes *struct {
			ScoreBefore float64 `json:"score_before"`
			Factors     []struct {
				Signal        string
				Before, After *float64
				PointsBefore  float64 `json:"points_before"`
				PointsAfter   float64 `json:"points_after"`
			}
		}
	}
	decode(t, mustOK(t, advocateAt(t, later, "--config", cfg, "explain", "northwind.io", "--json")).stdout, &ex)
	if ex.Changes == nil || len(ex.Changes.Factors) == 0 {
		t.Fatalf("explain has no changes since last week: %+v", ex)
	}
	f := ex.Changes.Factors[0]
	if f.Signal != "health_score" || f.Before == nil || *f.Before != 92 || f.After == nil || *f.After != 55 || f.PointsAfter >= f.PointsBefore {
		t.Errorf("largest change = %+v, want health_score 92 -> 55 losing points", f)
	}
	if ex.Score >= ex.Changes.ScoreBefore {
		t.Errorf("score %v not below last week's %v", ex.Score, ex.Changes.ScoreBefore)
	}
	human := mustOK(t, advocateAt(t, later, "--config", cfg, "explain", "northwind.io"))
	if !strings.Contains(human.stdout, "Since 2026-11-16") || !strings.Contains(human.stdout, "health_score") {
		t.Errorf("human explain lacks the change section:\n%s", human.stdout)
	}
}
