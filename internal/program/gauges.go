package program

import (
	"context"
	"time"

	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
)

// Gauges reads the program KPIs of the metrics' window for the /metrics gauges
// (metrics.WatchProgram calls it at scrape time).
func Gauges(st *store.Store, now func() time.Time) func(ctx context.Context) (metrics.Program, error) {
	return func(ctx context.Context) (metrics.Program, error) {
		in, err := Load(ctx, st)
		if err != nil {
			return metrics.Program{}, err
		}
		r := Compute(in, now(), metrics.ProgramWindowDays)
		return metrics.Program{Affiliates: r.Affiliates, Active: r.Active, Referrals: r.Referrals, Conversions: r.Conversions,
			EarningsPerActive: r.EarningsPerActive, Currency: r.Currency}, nil
	}
}
