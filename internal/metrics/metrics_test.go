package metrics

import (
	"io"
	"net/http/httptest"
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
