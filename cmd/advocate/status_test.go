package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// A sync a dead process left "running" is marked interrupted by the next sync and shown by
// status; a connector backing off shows when it is next tried — as text and as JSON.
func TestStatusShowsInterruptedRunsAndBackoff(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		ctx := context.Background()
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("migrate"))
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		st.Now = func() time.Time { return fixedNow.Add(-time.Hour) }
		if _, _, err := st.BeginSyncRun(ctx, "crm"); err != nil { // and then the process died
			t.Fatal(err)
		}
		run, _, _ := st.BeginSyncRun(ctx, "survey")
		tooMany := errors.New("HTTP 429: slow down")
		if err := st.FinishSyncRunBackoff(ctx, run, "survey", 0, tooMany, func(int) time.Duration { return 2 * time.Hour }); err != nil {
			t.Fatal(err)
		}
		cmd("sync", "crm") // the next start
		var out struct {
			Connectors []struct {
				Connector     string             `json:"connector"`
				NextAttemptAt *time.Time         `json:"next_attempt_at"`
				LastRun       *store.SyncRun     `json:"last_run"`
				Interrupted   *store.Interrupted `json:"interrupted"`
			} `json:"connectors"`
		}
		decode(t, mustOK(t, cmd("status", "--json")).stdout, &out)
		for _, c := range out.Connectors {
			switch c.Connector {
			case "crm":
				if c.Interrupted == nil || c.Interrupted.Runs != 1 || c.LastRun == nil || c.LastRun.Status != "ok" {
					t.Errorf("crm: interrupted %+v, last run %+v; want 1 interrupted and the new run ok", c.Interrupted, c.LastRun)
				}
			case "survey":
				if want := fixedNow.Add(time.Hour); c.NextAttemptAt == nil || !c.NextAttemptAt.Equal(want) {
					t.Errorf("survey: next attempt %v, want %v", c.NextAttemptAt, want)
				}
			}
		}
		text := mustOK(t, cmd("status")).stdout
		next := fixedNow.Add(time.Hour).Local().Format("01-02 15:04")
		for _, want := range []string{"LAST RUN", "(1 interrupted)", "1 failing, next attempt " + next + ": HTTP 429"} {
			if !strings.Contains(text, want) {
				t.Errorf("status does not show %q:\n%s", want, text)
			}
		}
		t.Logf("status:\n%s", text)
	})
}

// With an affiliate platform configured, status lists its outcome sync like a connector, and
// the approved contacts still waiting for their affiliate: how many, failing since when, the
// next attempt and the last error — as text and as JSON.
func TestStatusShowsAffiliateCreations(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		ctx := context.Background()
		f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, `affiliates: {platform: dub, base_url: "http://127.0.0.1:1", api_key: dub_test, schedule: "@every 1h"}`)
		f.Close()
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("migrate"))
		mustOK(t, cmd("sync", "crm", "people"))
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		failedAt := fixedNow.Add(-30 * time.Minute)
		st.Now = func() time.Time { return failedAt }
		cs, err := st.Customers(ctx)
		if err != nil || len(cs) < 2 {
			t.Fatalf("customers: %d, %v", len(cs), err)
		}
		for i, email := range []string{"ann@one.io", "bo@two.io"} {
			if _, _, err := st.Enroll(ctx, cs[i].ID, email, "default"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.RecordAffiliateFailure(ctx, "dub", "ann@one.io", cs[0].ID, "HTTP 503 from POST /partners: down", func(int) time.Duration { return 40 * time.Minute }); err != nil {
			t.Fatal(err)
		}
		run, _, _ := st.BeginSyncRun(ctx, "affiliates")
		if err := st.FinishSyncRun(ctx, run, "affiliates", 0, errors.New("HTTP 503 from GET /customers")); err != nil {
			t.Fatal(err)
		}

		var out struct {
			Connectors []struct {
				Connector string `json:"connector"`
				LastError string `json:"last_error"`
			} `json:"connectors"`
			Creations *struct {
				Platform      string     `json:"platform"`
				Pending       int        `json:"pending"`
				Failing       int        `json:"failing"`
				FailingSince  *time.Time `json:"failing_since"`
				LastError     string     `json:"last_error"`
				NextAttemptAt *time.Time `json:"next_attempt_at"`
				Contacts      []struct {
					Email   string `json:"email"`
					Attempt *struct {
						Attempts int `json:"attempts"`
					} `json:"attempt"`
				} `json:"contacts"`
			} `json:"affiliate_creations"`
		}
		decode(t, mustOK(t, cmd("status", "--json")).stdout, &out)
		listed := false
		for _, c := range out.Connectors {
			listed = listed || (c.Connector == "affiliates" && strings.Contains(c.LastError, "GET /customers"))
		}
		if !listed {
			t.Errorf("the affiliates outcome sync is not listed with its error: %+v", out.Connectors)
		}
		w := out.Creations
		if w == nil || w.Platform != "dub" || w.Pending != 2 || w.Failing != 1 || w.FailingSince == nil || !w.FailingSince.Equal(failedAt) ||
			w.NextAttemptAt == nil || !w.NextAttemptAt.Equal(failedAt.Add(40*time.Minute)) || !strings.Contains(w.LastError, "503") ||
			len(w.Contacts) != 2 || w.Contacts[0].Attempt == nil || w.Contacts[0].Attempt.Attempts != 1 || w.Contacts[1].Attempt != nil {
			t.Errorf("affiliate_creations = %+v", w)
		}

		text := mustOK(t, cmd("status")).stdout
		want := fmt.Sprintf("Affiliate creations on dub: 2 waiting, 1 failing since %s, next attempt %s: HTTP 503 from POST /partners",
			failedAt.Local().Format("2006-01-02 15:04"), failedAt.Add(40*time.Minute).Local().Format("01-02 15:04"))
		for _, s := range []string{want, "affiliates  affiliates"} {
			if !strings.Contains(text, s) {
				t.Errorf("status does not show %q:\n%s", s, text)
			}
		}
		t.Logf("status:\n%s", text)
	})
}
