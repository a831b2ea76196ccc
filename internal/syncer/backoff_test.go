package syncer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

func TestRetryDelay(t *testing.T) {
	const m, h = time.Minute, time.Hour
	for _, c := range []struct {
		failures           int
		period, retryAfter time.Duration
		want               time.Duration
	}{
		{0, h, 0, 0},
		{1, h, 0, 1 * m},
		{2, h, 0, 2 * m},
		{3, h, 0, 4 * m},
		{7, h, 0, 64 * m},
		{9, h, 0, 256 * m},
		{10, h, 0, 6 * h}, // 512m > 6h
		{1000, h, 0, 6 * h},
		{4, m, 0, 8 * m},  // 8 periods of @every 1m
		{5, m, 0, 8 * m},  // capped at 8 periods
		{2, 0, 0, 2 * m},  // no schedule: only the 6 h cap
		{40, 0, 0, 6 * h}, // no overflow
		{1, h, 120 * time.Second, 120 * time.Second}, // Retry-After longer than backoff wins
		{3, h, 120 * time.Second, 4 * m},             // backoff longer than Retry-After wins
		{1, m, 48 * h, 24 * h},                       // an absurd Retry-After is capped
	} {
		if got := syncer.RetryDelay(c.failures, c.period, c.retryAfter); got != c.want {
			t.Errorf("RetryDelay(%d, %s, %s) = %s, want %s", c.failures, c.period, c.retryAfter, got, c.want)
		}
	}
}

// failing is a connector that counts its attempts and fails each with err.
type failing struct {
	attempts *int
	err      func() error
}

func (f failing) Sync(context.Context, string, connectors.Sink) error {
	*f.attempts++
	return f.err()
}

// A connector that keeps failing under `@every 1m` is attempted with growing gaps (1, 2, 4 and
// then 8 minutes: 8 periods), not every minute; a success resets it. Before backoff it was
// attempted 60 times in an hour; now 10.
func TestFailingConnectorBacksOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := t0
		st.Now = func() time.Time { return now }
		attempts, broken := 0, true
		conn := failing{attempts: &attempts, err: func() error {
			if broken {
				return errors.New("HTTP 500 from /companies")
			}
			return nil
		}}
		s := &syncer.Syncer{Store: st, Scheduled: true, Log: slog.New(slog.DiscardHandler),
			Build: func(connectors.Settings) (connectors.Connector, error) { return conn, nil }}
		cs := connectors.Settings{Name: "crm", Type: "fake", Schedule: "@every 1m"}
		var at []int // minutes at which an attempt was made
		for minute := 0; minute < 60; minute++ {
			now = t0.Add(time.Duration(minute) * time.Minute)
			before := attempts
			r := s.One(ctx, cs)
			if attempts > before {
				at = append(at, minute)
			} else if r.Status != "skipped" {
				t.Fatalf("minute %d: no attempt but status %q", minute, r.Status)
			}
		}
		if want := []int{0, 1, 3, 7, 15, 23, 31, 39, 47, 55}; fmt.Sprint(at) != fmt.Sprint(want) {
			t.Errorf("attempts at minutes %v, want %v", at, want)
		}
		states, _ := st.SyncStates(ctx)
		if s := states["crm"]; s.ConsecutiveFailures != 10 || s.NextAttemptAt == nil || !s.NextAttemptAt.Equal(t0.Add(63*time.Minute)) {
			t.Errorf("state = %d failures, next attempt %v; want 10 and %v", s.ConsecutiveFailures, s.NextAttemptAt, t0.Add(63*time.Minute))
		}
		// Someone asking for a sync is not held back; once it works, the backoff is gone.
		broken = false
		manual := &syncer.Syncer{Store: st, Log: s.Log, Build: s.Build}
		if r := manual.One(ctx, cs); r.Status != "ok" {
			t.Fatalf("manual sync while backing off: %+v", r)
		}
		states, _ = st.SyncStates(ctx)
		if s := states["crm"]; s.ConsecutiveFailures != 0 || s.NextAttemptAt != nil {
			t.Errorf("after a success: %d failures, next attempt %v; want 0 and none", s.ConsecutiveFailures, s.NextAttemptAt)
		}
	})
}

// After a 429 with Retry-After: 120, the next scheduled attempt is not before 120 s, though the
// schedule (`@every 10s`) and the first backoff step (1 min) would come sooner. The 429 comes
// through the connectors' shared client, as a vendor's would.
func TestRetryAfterIsHonoured(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"slow down"}`)
	}))
	defer srv.Close()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := t0
		st.Now = func() time.Time { return now }
		client := &connectors.Client{Connector: "crm", BaseURL: srv.URL, Retry: connectors.RetryPolicy{MaxAttempts: 1}}
		attempts := 0
		conn := failing{attempts: &attempts, err: func() error { return client.JSON(ctx, connectors.Request{Path: "/companies"}, nil) }}
		s := &syncer.Syncer{Store: st, Scheduled: true, Log: slog.New(slog.DiscardHandler),
			Build: func(connectors.Settings) (connectors.Connector, error) { return conn, nil }}
		cs := connectors.Settings{Name: "crm", Type: "fake", Schedule: "@every 10s"}
		if r := s.One(ctx, cs); !r.Failed() {
			t.Fatalf("first run: %+v, want failed", r)
		}
		for _, sec := range []int{10, 60, 119} {
			now = t0.Add(time.Duration(sec) * time.Second)
			if r := s.One(ctx, cs); r.Status != "skipped" || attempts != 1 {
				t.Fatalf("at +%ds: %+v after %d attempts, want skipped", sec, r, attempts)
			}
		}
		now = t0.Add(120 * time.Second)
		s.One(ctx, cs)
		if attempts != 2 {
			t.Errorf("at +120s: %d attempts, want the second", attempts)
		}
	})
}

// A run left "running" by a process that died is marked interrupted when serve starts again
// (Recover), and by the connector's next sync in any case.
func TestInterruptedRunIsMarked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, how := range []string{"recover", "next sync"} {
			if _, _, err := st.BeginSyncRun(ctx, "crm"); err != nil { // then the process died
				t.Fatal(err)
			}
			s := &syncer.Syncer{Store: st, Log: slog.New(slog.DiscardHandler),
				Build: func(connectors.Settings) (connectors.Connector, error) {
					return scripted{pages: []connectors.Page{page("a.io", "p1", 9)}, failAt: -1}, nil
				}}
			cs := connectors.Settings{Name: "crm", Type: "fake"}
			dead, _ := st.LastSyncRun(ctx, "crm")
			if how == "recover" {
				if err := s.Recover(ctx, []connectors.Settings{cs}); err != nil {
					t.Fatal(err)
				}
			} else if r := s.One(ctx, cs); r.Status != "ok" {
				t.Fatalf("next sync: %+v", r)
			}
			runs, err := st.SyncRuns(ctx, "crm", 5)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.ID == dead.ID && (r.Status != store.RunInterrupted || r.FinishedAt == nil) {
					t.Errorf("%s: the dead run is %q (finished %v), want interrupted", how, r.Status, r.FinishedAt)
				}
			}
		}
	})
}
