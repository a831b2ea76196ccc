package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// BulkSignals are the 15 signals bulk fixtures carry.
var BulkSignals = []string{"health_score", "nps", "csat", "active_users", "seats", "product_events_30d", "usage_trend",
	"ltv", "mrr", "upsells_12m", "tickets_90d", "tickets_open", "escalations_90d", "retention_cost", "referrals_made"}

// LoadBulk writes n synthetic customers, each with up to 15 current signals from source "bench"
// (about 8% missing), straight into the customers and signals tables in the store's documented
// row format — COPY on Postgres, batched inserts on SQLite. It is for benchmarks that need a
// million customers in seconds; connectors go through CommitPage.
func LoadBulk(tb testing.TB, st *store.Store, n int, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	db := st.DB()
	r := rand.New(rand.NewPCG(7, 11))
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	pg := st.Dialect() == store.Postgres
	prep := func(pgSQL, liteSQL string) func(args ...any) {
		q := liteSQL
		if pg {
			q = pgSQL
		}
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { stmt.Close() })
		return func(args ...any) {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				tb.Fatal(err)
			}
		}
	}
	// Two passes, two COPYs: Postgres allows no other statement on a connection while a COPY
	// is open. Each pass draws from its own seeded generator, so the data is the same every run.
	cust := prep(`COPY customers (id, name, domain, owner, attributes, created_at, updated_at) FROM STDIN`,
		`INSERT INTO customers (id, name, domain, owner, attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	channels := []string{"organic", "paid_search", "partner", "referral", "outbound", "event"}
	plans := []string{"starter", "growth", "enterprise"}
	id := func(i int) string { return fmt.Sprintf("c_%016x", uint64(i)*0x9E3779B97F4A7C15) }
	for i := range n {
		since := at.AddDate(0, 0, -r.IntN(2000)).Format("2006-01-02")
		attrs := fmt.Sprintf(`{"acquisition_channel":%q,"plan":%q,"customer_since":%q}`, channels[r.IntN(len(channels))], plans[r.IntN(len(plans))], since)
		cust(id(i), fmt.Sprintf("Customer %d", i), fmt.Sprintf("c%d.example.com", i), "csm@vendor.io", attrs, at, at)
	}
	if pg {
		cust()
	}
	// The current values in the compact form only, as the store's ingest writes them (signals.cur,
	// vals NULL: see migrations/*/015_signals_current.sql and 018_signals_cur_only.sql).
	sig := prep(`COPY signals (customer_id, source, cur, updated_at) FROM STDIN`,
		`INSERT INTO signals (customer_id, source, cur, updated_at) VALUES (?, ?, ?, ?)`)
	r = rand.New(rand.NewPCG(13, 17))
	ts := at.UTC().Format(time.RFC3339Nano)
	cur := make([]byte, 0, 512)
	for i := range n {
		cur = append(append(cur[:0], ts...), ' ')
		first := true
		for _, name := range BulkSignals {
			if r.Float64() < 0.08 {
				continue
			}
			v := math.Round(r.NormFloat64()*25 + 50)
			if name == "nps" {
				v = float64(r.IntN(11))
			}
			if !first {
				cur = append(cur, ',')
			}
			cur = append(append(cur, name...), '=')
			cur = strconv.AppendFloat(cur, v, 'g', -1, 64)
			first = false
		}
		if first {
			continue // a customer without values has no row
		}
		sig(id(i), "bench", string(cur), at)
	}
	if pg {
		sig()
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if pg {
		if _, err := db.ExecContext(ctx, `ANALYZE customers; ANALYZE signals`); err != nil {
			tb.Fatal(err)
		}
	}
}
