// Package metrics holds Advocate's Prometheus metrics in one registry, served at /metrics by
// `advocate serve`. Jobs take a *Metrics (nil is allowed: every method is a no-op then), so
// tests and CLI commands need no registry.
package metrics

import (
	"crypto/subtle"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/version"
)

// Metrics is the set of counters and histograms Advocate exports.
type Metrics struct {
	reg *prometheus.Registry

	SyncRuns      *prometheus.CounterVec   // connector, status
	SyncRecords   *prometheus.CounterVec   // connector
	SyncDuration  *prometheus.HistogramVec // connector
	ScoreRuns     prometheus.Counter
	Shortlists    *prometheus.CounterVec // status: posted | skipped | failed
	Decisions     *prometheus.CounterVec // kind, via
	Emails        *prometheus.CounterVec // status: sent | failed | retried | suppressed
	EmailDuration prometheus.Histogram
	Errors        *prometheus.CounterVec // component
	JobRuns       *prometheus.CounterVec // job, outcome

	AffiliateWebhooks *prometheus.CounterVec // platform, outcome (webhooks.go)

	storeGauges *cached[store.Gauges]  // WatchStore's; nil until then
	all         []prometheus.Collector // every collector registered, for Names
}

// register adds collectors to the registry (panicking on a duplicate name, a programming
// error) and remembers them for Names.
func (m *Metrics) register(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
	m.all = append(m.all, cs...)
}

// Names lists every metric name `advocate serve` can export, sorted: Advocate's own (store and
// program gauges included) and the Go and process collectors'. Dashboards and alert rules in
// deploy/ may reference only these (deploy_test checks). Histograms export name_bucket,
// name_sum and name_count.
func Names() []string {
	m := New()
	m.WatchStore(nil, nil) // described only: nothing is read
	m.WatchProgram(nil, nil)
	ch := make(chan *prometheus.Desc)
	go func() {
		for _, c := range m.all {
			c.Describe(ch)
		}
		close(ch)
	}()
	seen := map[string]bool{}
	for d := range ch {
		if n := fqName.FindStringSubmatch(d.String()); n != nil {
			seen[n[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// fqName finds a metric's name in prometheus.Desc's String (Desc has no getter).
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// New creates the metrics and registers them, with Go and process collectors, in a fresh
// registry (never the global one, so tests can make as many as they like).
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{reg: r,
		SyncRuns:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_sync_runs_total", Help: "Connector sync runs by outcome."}, []string{"connector", "status"}),
		SyncRecords:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_sync_records_total", Help: "Records received from connectors."}, []string{"connector"}),
		SyncDuration:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "advocate_sync_duration_seconds", Help: "Connector sync run duration.", Buckets: prometheus.ExponentialBuckets(0.1, 2, 14)}, []string{"connector"}),
		ScoreRuns:     prometheus.NewCounter(prometheus.CounterOpts{Name: "advocate_score_runs_total", Help: "Scoring runs."}),
		Shortlists:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_shortlists_total", Help: "Weekly shortlists by outcome."}, []string{"status"}),
		Decisions:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_decisions_total", Help: "CSM decisions."}, []string{"kind", "via"}),
		Emails:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_emails_total", Help: "Outbox emails by outcome."}, []string{"status"}),
		EmailDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "advocate_email_send_seconds", Help: "SMTP send duration.", Buckets: prometheus.DefBuckets}),
		Errors:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_errors_total", Help: "Errors by component."}, []string{"component"}),
		JobRuns:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_job_runs_total", Help: "Scheduled job turns by outcome."}, []string{"job", "outcome"}),
	}
	m.register(m.SyncRuns, m.SyncRecords, m.SyncDuration, m.ScoreRuns, m.Shortlists,
		m.Decisions, m.Emails, m.EmailDuration, m.Errors, m.JobRuns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerWebhooks()
	m.register(buildInfo(version.Get()))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Protected is Handler behind a bearer token (server.metrics_token): a request without
// "Authorization: Bearer <token>" gets 401 and no metrics. The comparison takes the same time
// however much of the token matches. An empty token serves Handler unprotected.
func (m *Metrics) Protected(token string) http.Handler {
	h := m.Handler()
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="advocate metrics"`)
			http.Error(w, "unauthorized: /metrics needs Authorization: Bearer <server.metrics_token>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Error counts an error in a component; safe on a nil *Metrics.
func (m *Metrics) Error(component string) {
	if m != nil {
		m.Errors.WithLabelValues(component).Inc()
	}
}

// SyncDone records one connector run; safe on a nil *Metrics.
func (m *Metrics) SyncDone(connector, status string, records int, d time.Duration) {
	if m == nil {
		return
	}
	m.SyncRuns.WithLabelValues(connector, status).Inc()
	m.SyncRecords.WithLabelValues(connector).Add(float64(records))
	m.SyncDuration.WithLabelValues(connector).Observe(d.Seconds())
	if status == "failed" {
		m.Errors.WithLabelValues("sync").Inc()
	}
}

// ScoreDone records one scoring run; safe on a nil *Metrics. The scored and eligible counts
// are store gauges (WatchStore), read again at the next scrape, so every replica shows the
// newest run, not only the one that ran it.
func (m *Metrics) ScoreDone() {
	if m == nil {
		return
	}
	m.ScoreRuns.Inc()
	if m.storeGauges != nil {
		m.storeGauges.invalidate()
	}
}

// buildInfo is advocate_build_info: always 1, the build in its labels, so a dashboard can show
// which version runs where and graph a rollout.
func buildInfo(v version.Info) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "advocate_build_info",
		Help:        "Always 1; the running build's version, commit, build date and Go version as labels.",
		ConstLabels: prometheus.Labels{"version": v.Version, "commit": v.Commit, "date": v.Date, "goversion": v.GoVersion}})
	g.Set(1)
	return g
}
