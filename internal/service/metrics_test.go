package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestMetricsToken: with server.metrics_token set, `serve` answers /metrics 401 without the
// token and the store gauges with it; the probes and the OpenAPI document stay open.
func TestMetricsToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const token = "scrape-token-0123456789"
		path := writeConfig(t, "server: {listen: \"127.0.0.1:0\", metrics_token: \""+token+"\"}\nshortlist: {schedule: \"\"}\n")
		svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer svc.Stop(ctx)
		get := func(path, auth string) (int, string) {
			req, _ := http.NewRequest("GET", "http://"+svc.Addr()+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		tests := []struct {
			path, auth string
			status     int
			has        string
		}{
			{"/metrics", "", 401, "metrics_token"},
			{"/metrics", "Bearer wrong-token-0123456789", 401, "metrics_token"},
			{"/metrics", "Bearer " + token, 200, `advocate_outbox_emails{status="pending"} 0`},
			{"/healthz", "", 200, "ok"},
			{"/api/openapi.json", "", 200, `"openapi": "3.1.0"`},
		}
		for _, tt := range tests {
			status, body := get(tt.path, tt.auth)
			if status != tt.status || !strings.Contains(body, tt.has) {
				t.Errorf("GET %s (%q) = %d, want %d with %q:\n%.300s", tt.path, tt.auth, status, tt.status, tt.has, body)
			}
		}
	})
}
