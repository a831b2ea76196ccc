package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

type capture struct {
	mu    sync.Mutex
	posts []string // blocks JSON of each chat.postMessage
}

func newAlerter(t *testing.T, st *store.Store) (*Alerter, *capture) {
	t.Helper()
	c := &capture{}
	srv := slacktest.NewTestServer(func(cz slacktest.Customize) {
		cz.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			c.mu.Lock()
			c.posts = append(c.posts, r.FormValue("blocks"))
			c.mu.Unlock()
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C1", "ts": "1.1"})
		})
		cz.Handle("/users.lookupByEmail", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{"id": "UMAYA"}})
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	api := slack.New(slack.Config{BotToken: "xoxb-test", APIURL: srv.GetAPIURL(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	a, err := New(Options{Store: st, Slack: api, Channel: "#alerts", ConnectorFailures: 3,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a, c
}

func (c *capture) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.posts...)
}

func syncRun(t *testing.T, st *store.Store, connector string, fail bool) {
	t.Helper()
	ctx := context.Background()
	run, _, err := st.BeginSyncRun(ctx, connector)
	if err != nil {
		t.Fatal(err)
	}
	var runErr error
	if fail {
		runErr = errors.New("hubspot: 401 Unauthorized")
	}
	if err := st.FinishSyncRun(ctx, run, connector, 0, runErr); err != nil {
		t.Fatal(err)
	}
}

func TestConnectorFailureAlertedOnceAndRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, c := newAlerter(t, st)
		for i := range 5 { // five failed runs, the job running after each
			syncRun(t, st, "crm", true)
			if err := a.Job(ctx); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[i >= 2]; len(c.all()) != want {
				t.Fatalf("after %d failures: %d alerts, want %d", i+1, len(c.all()), want)
			}
		}
		if !strings.Contains(c.all()[0], "failed 3 runs in a row") || !strings.Contains(c.all()[0], "401 Unauthorized") {
			t.Errorf("failure alert: %s", c.all()[0])
		}
		syncRun(t, st, "crm", false)
		a.Job(ctx)
		a.Job(ctx)
		if got := c.all(); len(got) != 2 || !strings.Contains(got[1], "recovered") {
			t.Fatalf("recovery: %d alerts %v", len(got), got)
		}
	})
}

func TestFlushDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, c := newAlerter(t, st)
		for i := range 3 {
			a.Alert(ctx, KindOnboarded, fmt.Sprintf("advocate %d finished onboarding", i))
		}
		a.Flush(ctx)
		for i := range 9 {
			a.Alert(ctx, KindDeliveryFailed, fmt.Sprintf("bounce %d", i))
		}
		a.Alert(ctx, KindOnboarded, "one more")
		a.Flush(ctx)
		a.Flush(ctx) // nothing left: no message
		got := c.all()
		if len(got) != 2 {
			t.Fatalf("%d messages, want 2", len(got))
		}
		var small, digest []map[string]any
		json.Unmarshal([]byte(got[0]), &small)
		json.Unmarshal([]byte(got[1]), &digest)
		if len(small) != 3 {
			t.Errorf("3 alerts: %d blocks, want one section each", len(small))
		}
		if !strings.Contains(got[1], "Advocate alerts: 10") || !strings.Contains(got[1], "Email undeliverable* (9)") || len(digest) != 3 {
			t.Errorf("digest: %s", got[1])
		}
	})
}
