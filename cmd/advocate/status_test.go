package main

import (
	"context"
	"errors"
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
