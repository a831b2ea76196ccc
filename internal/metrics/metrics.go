// Package metrics holds Advocate's Prometheus metrics in one registry, served at /metrics by
// `advocate serve`. Jobs take a *Metrics (nil is allowed: every method is a no-op then), so
// tests and CLI commands need no registry.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of counters and histograms Advocate exports.
type Metrics struct {
	reg *prometheus.Registry

	SyncRuns      *prometheus.CounterVec   // connector, status
	SyncRecords   *prometheus.CounterVec   // connector
	SyncDuration  *prometheus.HistogramVec // connector
	ScoreRuns     prometheus.Counter
	Scored        prometheus.Gauge // customers in the last run
	Eligible      prometheus.Gauge
	Shortlists    *prometheus.CounterVec // status: posted | skipped | failed
	Decisions     *prometheus.CounterVec // kind, via
	Emails        *prometheus.CounterVec // status: sent | failed | retried | suppressed
	EmailDuration prometheus.Histogram
	Errors        *prometheus.CounterVec // component
	JobRuns       *prometheus.CounterVec // job, outcome

	AffiliateWebhooks *prometheus.CounterVec // platform, outcome (webhooks.go)
}

// New creates the metrics and registers them, with Go and process collectors, in a fresh
// registry (never the global one, so tests can make as many as they like).
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{reg: r,
		SyncRuns:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_sync_runs_total", Help: "Connector sync runs by outcome."}, []string{"connector", "status"}),
		SyncRecords:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_sync_records_total", Help: "Records received from connectors."}, []string{"connector"}),
		SyncDuration:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "advocate_sync_duration_seconds", Help: "Connector sync run duration.", Buckets: prometheus.ExponentialBuckets(0.1, 2, 14)}, []string{"connector"}),
		ScoreRuns:     prometheus.NewCounter(prometheus.CounterOpts{Name: "advocate_score_runs_total", Help: "Scoring runs."}),
		Scored:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "advocate_scored_customers", Help: "Customers scored in the last run."}),
		Eligible:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "advocate_eligible_customers", Help: "Eligible customers in the last run."}),
		Shortlists:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_shortlists_total", Help: "Weekly shortlists by outcome."}, []string{"status"}),
		Decisions:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_decisions_total", Help: "CSM decisions."}, []string{"kind", "via"}),
		Emails:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_emails_total", Help: "Outbox emails by outcome."}, []string{"status"}),
		EmailDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "advocate_email_send_seconds", Help: "SMTP send duration.", Buckets: prometheus.DefBuckets}),
		Errors:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_errors_total", Help: "Errors by component."}, []string{"component"}),
		JobRuns:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_job_runs_total", Help: "Scheduled job turns by outcome."}, []string{"job", "outcome"}),
	}
	r.MustRegister(m.SyncRuns, m.SyncRecords, m.SyncDuration, m.ScoreRuns, m.Scored, m.Eligible, m.Shortlists,
		m.Decisions, m.Emails, m.EmailDuration, m.Errors, m.JobRuns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerWebhooks()
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
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

// ScoreDone records one scoring run; safe on a nil *Metrics.
func (m *Metrics) ScoreDone(customers, eligible int) {
	if m == nil {
		return
	}
	m.ScoreRuns.Inc()
	m.Scored.Set(float64(customers))
	m.Eligible.Set(float64(eligible))
}
