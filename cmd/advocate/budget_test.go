package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A sync says how many API calls each connector made and how much of the vendor's limit is
// left (Zendesk reports it on every response), and status shows the same for the last run —
// as text and as JSON.
func TestSyncAndStatusShowTheAPIBudget(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "advocate.db")
			if engine == "postgres" {
				db = storetest.SchemaDSN(t)
			}
			srv, served := limitedZendesk(t)
			cfg := filepath.Join(dir, "advocate.yaml")
			body := fmt.Sprintf("connectors:\n  - {name: support, type: zendesk, base_url: %q, email: \"ops@vendor.example\", token: \"zd-test\"}\n", srv.URL)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			g := []string{"--config", cfg, "--db", db}
			cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
			mustOK(t, cmd("migrate"))
			out := mustOK(t, cmd("sync")).stdout
			n := served.Load()
			want := fmt.Sprintf("%d API calls; %d/700 left this minute", n, 700-n)
			if n == 0 || !strings.Contains(out, "API use:") || !strings.Contains(out, want) {
				t.Errorf("sync summary does not show %q:\n%s", want, out)
			}
			if text := mustOK(t, cmd("status")).stdout; !strings.Contains(text, "LAST RUN API") || !strings.Contains(text, want) {
				t.Errorf("status does not show %q:\n%s", want, text)
			}
			var st struct {
				Connectors []struct {
					LastRun *struct {
						APICalls int               `json:"api_calls"`
						APILimit *connectors.Limit `json:"api_limit"`
					} `json:"last_run"`
				} `json:"connectors"`
			}
			decode(t, mustOK(t, cmd("status", "--json")).stdout, &st)
			wantLimit := connectors.Limit{Remaining: int64(700 - n), Limit: 700, Window: "minute"}
			if len(st.Connectors) != 1 || st.Connectors[0].LastRun == nil || st.Connectors[0].LastRun.APICalls != int(n) ||
				st.Connectors[0].LastRun.APILimit == nil || *st.Connectors[0].LastRun.APILimit != wantLimit {
				t.Errorf("status --json = %+v, want last_run.api_calls %d and api_limit %+v", st, n, wantLimit)
			}
		})
	}
}

// limitedZendesk serves testdata/stack/zendesk.json with Zendesk's rate-limit headers: a plan
// of 700 requests a minute, one fewer left after each request.
func limitedZendesk(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stack", "zendesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var routes map[string]json.RawMessage
	if err := json.Unmarshal(b, &routes); err != nil {
		t.Fatal(err)
	}
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		w.Header().Set("X-Rate-Limit", "700")
		w.Header().Set("X-Rate-Limit-Remaining", strconv.FormatInt(700-n, 10))
		body, ok := routes[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"no route %s in the fake"}`, r.URL.Path)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &served
}
