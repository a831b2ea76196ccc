package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/server"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func newServer(t *testing.T, st *store.Store) *httptest.Server {
	s := &server.Server{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now },
		PushTokens: map[string]string{"pushtok": "pushed"}, APIToken: "apitok", PushSources: []string{"pushed"}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const good = `{"customers":[{"domain":"acme.io","name":"Acme"}],
	"signals":[{"customer":{"domain":"acme.io"},"name":"health_score","value":88,"observed_at":"2026-11-16T08:00:00Z"}]}`

func TestPushSignals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newServer(t, st)
		ctx := context.Background()
		for _, tc := range []struct {
			name, token, query, body string
			status                   int
		}{
			{"no token", "", "", good, 401},
			{"wrong token", "guess", "", good, 401},
			{"API token without source", "apitok", "", good, 400},
			{"invalid payload", "pushtok", "", `{"signals":[{"name":"NPS"}]}`, 422},
		} {
			code, body := post(t, srv.URL+"/api/v1/signals"+tc.query, tc.token, tc.body)
			if code != tc.status || body["error"] == nil {
				t.Errorf("%s: %d %v, want %d with an error", tc.name, code, body, tc.status)
			}
		}
		if n, _ := st.Counts(ctx); n["customers"] != 0 || n["signals"] != 0 {
			t.Fatalf("rejected requests stored data: %v", n)
		}

		code, body := post(t, srv.URL+"/api/v1/signals", "pushtok", good)
		if code != 200 || body["new_signals"] != float64(1) || body["source"] != "pushed" {
			t.Fatalf("push: %d %v", code, body)
		}
		code, body = post(t, srv.URL+"/api/v1/signals?source=pushed", "apitok", good)
		if code != 200 || body["new_signals"] != float64(0) {
			t.Errorf("same push again: %d %v, want stored once", code, body)
		}
		c, err := st.FindCustomer(ctx, "acme.io")
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := st.LatestSignals(ctx, c.ID)
		if len(sig) != 1 || sig[0].Source != "pushed" || sig[0].Value != 88 {
			t.Errorf("signals = %+v", sig)
		}
		if states, _ := st.SyncStates(ctx); states["pushed"].LastSuccessAt == nil {
			t.Error("the push was not recorded as a run of the webhook connector")
		}
	})
}

func TestProbes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newServer(t, st)
		for _, p := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: %d, want 200", p, resp.StatusCode)
			}
		}
	})
}
