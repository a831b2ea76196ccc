package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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
		resp, err := http.Get("http://" + svc.Addr() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz = %d", resp.StatusCode)
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
