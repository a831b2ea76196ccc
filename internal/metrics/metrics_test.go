package metrics

import (
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestHandlerExportsCounters(t *testing.T) {
	m := New()
	m.SyncRuns.WithLabelValues("crm", "ok").Inc()
	m.Error("sync")
	var nilM *Metrics
	nilM.Error("sync") // must not panic
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`advocate_sync_runs_total{connector="crm",status="ok"} 1`, `advocate_errors_total{component="sync"} 1`, "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestNames lists what dashboards may reference: Advocate's counters, the store and program
// gauges and build info, and the Go collector's.
func TestNames(t *testing.T) {
	names := Names()
	for _, want := range []string{"advocate_sync_runs_total", "advocate_connector_staleness_seconds", "advocate_outbox_emails",
		"advocate_enrollments", "advocate_eligible_customers", "advocate_affiliates_active", "advocate_build_info",
		"advocate_affiliate_webhooks_total", "advocate_email_send_seconds", "go_goroutines", "process_resident_memory_bytes"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() lacks %s: %v", want, names)
		}
	}
}
