package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/advocate-hq/advocate/internal/store"
)

// Store gauges are read at scrape time (see cached), at most every storeTTL — Prometheus
// scrapes every 15 to 60 s, and a job that changes them (ScoreDone) makes the next scrape read
// again. A failed read counts advocate_errors_total{component="store_metrics"}.
const (
	storeTimeout = 5 * time.Second
	storeTTL     = 15 * time.Second
)

var (
	descLastSuccess = prometheus.NewDesc("advocate_connector_last_success_timestamp_seconds",
		"Unix time of each connector's last successful sync (the affiliate outcome sync is connector \"affiliates\"); absent until the first.", []string{"connector"}, nil)
	descStaleness = prometheus.NewDesc("advocate_connector_staleness_seconds",
		"Seconds since each connector's last successful sync; absent until the first.", []string{"connector"}, nil)
	descFailures = prometheus.NewDesc("advocate_connector_consecutive_failures",
		"Sync runs that failed in a row since each connector's last success.", []string{"connector"}, nil)
	descOutbox      = prometheus.NewDesc("advocate_outbox_emails", "Outbox emails by state (pending, sending, sent, failed, cancelled).", []string{"status"}, nil)
	descEnrollments = prometheus.NewDesc("advocate_enrollments", "Drip enrollments by state (active, paused, stopped, completed).", []string{"status"}, nil)
	descScored      = prometheus.NewDesc("advocate_scored_customers", "Customers in the newest score run.", nil, nil)
	descEligible    = prometheus.NewDesc("advocate_eligible_customers", "Customers the newest score run found eligible for the shortlist.", nil, nil)
	descLastScore   = prometheus.NewDesc("advocate_last_score_timestamp_seconds", "Unix time of the newest score run.", nil, nil)
)

// storeCollector exports the pipeline's state read from the database.
type storeCollector struct {
	c   *cached[store.Gauges]
	now func() time.Time
}

// WatchStore exports the store gauges — connector freshness, outbox and enrollment states,
// the newest score run's counts — read by read (store.Store.Gauges) at scrape time. now is
// the clock of the cache and of staleness; nil = time.Now.
func (m *Metrics) WatchStore(read func(ctx context.Context) (store.Gauges, error), now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	sc := &storeCollector{now: now, c: &cached[store.Gauges]{read: read, now: now, fail: func() { m.Error("store_metrics") },
		ttl: storeTTL, timeout: storeTimeout}}
	m.register(sc)
	m.storeGauges = sc.c
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastSuccess, descStaleness, descFailures, descOutbox, descEnrollments, descScored, descEligible, descLastScore} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	g, ok := c.c.current()
	if !ok {
		return // never read successfully: no gauges rather than made-up zeros
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := c.now()
	for _, cg := range g.Connectors {
		gauge(descFailures, float64(cg.ConsecutiveFailures), cg.Name)
		if cg.LastSuccessAt != nil {
			gauge(descLastSuccess, float64(cg.LastSuccessAt.Unix()), cg.Name)
			gauge(descStaleness, max(0, now.Sub(*cg.LastSuccessAt).Seconds()), cg.Name)
		}
	}
	for st, n := range g.Outbox {
		gauge(descOutbox, float64(n), st)
	}
	for st, n := range g.Enrollments {
		gauge(descEnrollments, float64(n), st)
	}
	if r := g.LastScore; r != nil {
		gauge(descScored, float64(r.Customers))
		gauge(descEligible, float64(r.Eligible))
		gauge(descLastScore, float64(r.At.Unix()))
	}
}
