package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "advocate.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStartServeStop runs the whole graph on each engine: it answers /healthz, and Stop closes
// the database last (after HTTP and the scheduler).
func TestStartServeStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		path := writeConfig(t, "server: {listen: \"127.0.0.1:0\"}\nshortlist: {schedule: \"\"}\n")
		ctx := context.Background()
		svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// Probes and unsubscribe links are public; the dashboard asks for a sign-in.
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, c := range []struct {
			path     string
			want     int
			location string
		}{
			{"/healthz", http.StatusOK, ""},
			{"/login", http.StatusOK, ""},
			{"/u/not-a-token", http.StatusNotFound, ""}, // the unsubscribe page's own answer, not a sign-in
			{"/", http.StatusSeeOther, "/login?next=%2F"},
			{"/drip", http.StatusSeeOther, "/login?next=%2Fdrip"},
		} {
			resp, err := noFollow.Get("http://" + svc.Addr() + c.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want || resp.Header.Get("Location") != c.location {
				t.Errorf("GET %s = %d %q, want %d %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.want, c.location)
			}
		}
		if err := svc.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := http.Get("http://" + svc.Addr() + "/healthz"); err == nil {
			t.Error("still serving HTTP after Stop")
		}
		if _, err := st.Customers(ctx); err == nil {
			t.Error("the database is still open after Stop")
		}
	})
}

func TestNeedRestart(t *testing.T) {
	base := "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers}\nscoring: {weights: {nps: 3}}\nshortlist: {size: 20, channel: \"#a\"}\n"
	tests := []struct {
		name, edit string
		want       []string
	}{
		{"weights are live", "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers}\nscoring: {weights: {nps: 2}}\nshortlist: {size: 20, channel: \"#a\"}\n", nil},
		{"shortlist size is live", "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers}\nscoring: {weights: {nps: 3}}\nshortlist: {size: 5, channel: \"#a\"}\n", nil},
		{"connector freshness is live", "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers, freshness: 10d}\nscoring: {weights: {nps: 3}}\nshortlist: {size: 20, channel: \"#a\"}\n", nil},
		{"a new connector needs a restart", "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers}\n  - {name: more, type: csv, path: d.csv, kind: customers}\nscoring: {weights: {nps: 3}}\nshortlist: {size: 20, channel: \"#a\"}\n", []string{"connectors"}},
		{"the channel needs a restart", "connectors:\n  - {name: sheet, type: csv, path: c.csv, kind: customers}\nscoring: {weights: {nps: 3}}\nshortlist: {size: 20, channel: \"#b\"}\n", []string{"shortlist.schedule/timezone/channel/dm"}},
	}
	old, err := config.Parse("advocate.yaml", []byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse("advocate.yaml", []byte(tc.edit), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := NeedRestart(old, cfg); !slices.Equal(got, tc.want) {
				t.Errorf("NeedRestart = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMetricsShowProgram: /metrics serves the affiliate-program gauges read from the store.
func TestMetricsShowProgram(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
		if err := st.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "ann@x.io", AffiliateID: "a1"}); err != nil {
			t.Fatal(err)
		}
		refs := []store.AffiliateReferral{{ID: "r1", AffiliateID: "a1", Status: "converted", CreatedAt: now.AddDate(0, 0, -10), ConvertedAt: now.AddDate(0, 0, -2)},
			{ID: "r2", AffiliateID: "p1", Status: "lead", CreatedAt: now.AddDate(0, 0, -100)}}
		if err := st.SaveAffiliateOutcomes(ctx, "dub", refs, nil); err != nil {
			t.Fatal(err)
		}
		path := writeConfig(t, "server: {listen: \"127.0.0.1:0\"}\nshortlist: {schedule: \"\"}\n")
		svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer svc.Stop(ctx)
		resp, err := http.Get("http://" + svc.Addr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// a1 and the platform-only p1; only a1 referred in the last 90 days, converted too.
		for _, want := range []string{"advocate_affiliates_total 2", "advocate_affiliates_active 1",
			"advocate_program_referrals_90d 1", "advocate_program_conversions_90d 1", `advocate_program_earnings_per_active{currency=""} 0`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}
