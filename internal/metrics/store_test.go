package metrics

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestStoreGauges: a freshly started process shows the pipeline's state straight from the
// database — each connector's last success and staleness, outbox and enrollment states, the
// newest score run — and a score run shows at the next scrape, not a TTL later.
func TestStoreGauges(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		st.Now = func() time.Time { return t0 }
		run, _, err := st.BeginSyncRun(ctx, "crm")
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.CommitPage(ctx, "crm", run, connectors.Page{
			Customers: []connectors.Customer{{Ref: connectors.Ref{Domain: "acme.io"}, Name: "Acme"}},
			Contacts:  []connectors.Contact{{Customer: connectors.Ref{Domain: "acme.io"}, Email: "jo@acme.io", Name: "Jo"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishSyncRun(ctx, run, "crm", len(res.Problems), nil); err != nil {
			t.Fatal(err)
		}
		acme, err := st.FindCustomer(ctx, "acme.io")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Enroll(ctx, acme.ID, "jo@acme.io", "default"); err != nil {
			t.Fatal(err)
		}

		now := t0.Add(90 * time.Minute)
		m := New()
		m.WatchStore(st.Gauges, func() time.Time { return now })
		body := scrape(t, m)
		for _, want := range []string{
			`advocate_connector_last_success_timestamp_seconds{connector="crm"} ` + unix(t0),
			`advocate_connector_staleness_seconds{connector="crm"} 5400`,
			`advocate_connector_consecutive_failures{connector="crm"} 0`,
			`advocate_enrollments{status="active"} 1`,
			`advocate_enrollments{status="paused"} 0`,
			`advocate_outbox_emails{status="pending"} 0`,
			`advocate_outbox_emails{status="failed"} 0`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q:\n%s", want, grep(body))
			}
		}
		if strings.Contains(body, "advocate_eligible_customers") {
			t.Errorf("before any score run: want no eligible gauge rather than a made-up 0:\n%s", grep(body))
		}

		if _, err := st.SaveScoreRun(ctx, "m1", []store.Score{{CustomerID: acme.ID, Rank: 1, Score: 80, Eligible: true}}); err != nil {
			t.Fatal(err)
		}
		m.ScoreDone() // within the TTL: the run is shown because the job said so
		body = scrape(t, m)
		for _, want := range []string{"advocate_scored_customers 1", "advocate_eligible_customers 1", "advocate_score_runs_total 1",
			"advocate_last_score_timestamp_seconds " + unix(t0)} {
			if !strings.Contains(body, want) {
				t.Errorf("after a score run: /metrics lacks %q:\n%s", want, grep(body))
			}
		}
	})
}

// TestStoreGaugesReadFailure: a database that goes away keeps the last values and counts an
// error instead of failing the scrape.
func TestStoreGaugesReadFailure(t *testing.T) {
	st := storetest.SQLite(t)
	m := New()
	now := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	m.WatchStore(st.Gauges, func() time.Time { return now })
	if body := scrape(t, m); !strings.Contains(body, `advocate_enrollments{status="active"} 0`) {
		t.Fatalf("first read: want zeroed states:\n%s", grep(body))
	}
	st.Close()
	now = now.Add(time.Minute)
	scrape(t, m)
	body := scrape(t, m)
	if !strings.Contains(body, `advocate_enrollments{status="active"} 0`) || !strings.Contains(body, `advocate_errors_total{component="store_metrics"} 1`) {
		t.Errorf("after the database closed: want the last values and one error:\n%s", grep(body))
	}
}

func TestBuildInfo(t *testing.T) {
	body := scrape(t, New())
	want := fmt.Sprintf(`goversion="%s"`, runtime.Version())
	if !strings.Contains(body, "advocate_build_info{") || !strings.Contains(body, want) || !strings.Contains(body, `version="`) {
		t.Errorf("/metrics lacks advocate_build_info with %s:\n%s", want, grep(body))
	}
}

// TestProtected: with server.metrics_token set, /metrics answers 401 to a scrape without the
// token or with a wrong one, and the metrics to the right one; without a token it is open.
func TestProtected(t *testing.T) {
	const token = "0123456789abcdef-metrics"
	m := New()
	tests := []struct {
		name, token, header string
		want                int
	}{
		{"OpenWithoutToken", "", "", 200},
		{"NoHeader", token, "", 401},
		{"WrongToken", token, "Bearer 0123456789abcdef-metricz", 401},
		{"PrefixOfToken", token, "Bearer 0123456789abcdef", 401},
		{"NotBearer", token, "Basic " + token, 401},
		{"RightToken", token, "Bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			m.Protected(tt.token).ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if has := strings.Contains(body, "advocate_build_info"); has != (tt.want == 200) {
				t.Errorf("status %d with metrics in the body = %v", rec.Code, has)
			}
			if tt.want == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// unix is a time as the text format prints it.
func unix(t time.Time) string { return strconv.FormatFloat(float64(t.Unix()), 'g', -1, 64) }
