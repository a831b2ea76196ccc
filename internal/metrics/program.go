package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Program is what the affiliate-program gauges show: the `advocate program` KPIs over the
// last 90 days (ProgramWindowDays).
type Program struct {
	Affiliates        int     // all affiliates (not windowed)
	Active            int     // affiliates with a referral in the window
	Referrals         int     // referrals created in the window
	Conversions       int     // referrals converted in the window
	EarningsPerActive float64 // major units of Currency
	Currency          string  // "" when no commission counted
}

// ProgramWindowDays is the window of the program gauges.
const ProgramWindowDays = 90

// Program gauges are read from the store when Prometheus scrapes (see cached for why), not
// pushed after each outcome sync: pushed values would also go stale as the window slides and
// approvals add affiliates between syncs. A failed read counts advocate_errors_total
// {component="program_metrics"}.
const (
	programTimeout = 5 * time.Second
	programTTL     = time.Minute
)

var (
	descAffiliates  = prometheus.NewDesc("advocate_affiliates_total", "Affiliates: every affiliate Advocate made and every one a stored referral or commission names.", nil, nil)
	descActive      = prometheus.NewDesc("advocate_affiliates_active", "Affiliates with at least one referral created in the last 90 days.", nil, nil)
	descReferrals   = prometheus.NewDesc("advocate_program_referrals_90d", "Referrals (sign-ups) created in the last 90 days.", nil, nil)
	descConversions = prometheus.NewDesc("advocate_program_conversions_90d", "Referrals converted in the last 90 days.", nil, nil)
	descEarnings    = prometheus.NewDesc("advocate_program_earnings_per_active", "Commissions (not voided) created in the last 90 days per active affiliate, major units of the reporting currency.", []string{"currency"}, nil)
)

// programCollector reads the program KPIs at scrape time.
type programCollector struct{ c *cached[Program] }

// WatchProgram exports the program gauges, computed by read at scrape time (at most once a
// minute, 5 s at most per read). now is the clock of the cache; nil = time.Now.
func (m *Metrics) WatchProgram(read func(ctx context.Context) (Program, error), now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.register(&programCollector{&cached[Program]{read: read, now: now, fail: func() { m.Error("program_metrics") },
		ttl: programTTL, timeout: programTimeout}})
}

func (c *programCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAffiliates, descActive, descReferrals, descConversions, descEarnings} {
		ch <- d
	}
}

func (c *programCollector) Collect(ch chan<- prometheus.Metric) {
	p, ok := c.c.current()
	if !ok {
		return // never read successfully: no gauges rather than made-up zeros
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descAffiliates, float64(p.Affiliates))
	gauge(descActive, float64(p.Active))
	gauge(descReferrals, float64(p.Referrals))
	gauge(descConversions, float64(p.Conversions))
	gauge(descEarnings, p.EarningsPerActive, p.Currency)
}
