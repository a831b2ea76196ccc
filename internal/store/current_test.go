package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// scanned is every value ScanLatest streams, in LatestSignals' order, for comparing the two
// readers: scoring reads the compact form (signals.cur), everything else the JSON.
func scanned(t *testing.T, st *store.Store) []advocate.SignalValue {
	t.Helper()
	var out []advocate.SignalValue
	err := st.ScanLatest(context.Background(), func(id, source string, vals []store.LatestValue) error {
		for _, v := range vals {
			out = append(out, advocate.SignalValue{CustomerID: strings.Clone(id), Name: v.Name, Source: source, Value: v.Value, ObservedAt: v.ObservedAt})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b advocate.SignalValue) int {
		return strings.Compare(a.CustomerID+"\x00"+a.Name+"\x00"+a.Source, b.CustomerID+"\x00"+b.Name+"\x00"+b.Source)
	})
	return out
}

func sameValues(t *testing.T, got, want []advocate.SignalValue) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("scoring reads %d current values, the JSON holds %d:\n%v\n%v", len(got), len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.CustomerID != w.CustomerID || g.Name != w.Name || g.Source != w.Source || g.Value != w.Value || !g.ObservedAt.Equal(w.ObservedAt) {
			t.Errorf("scoring reads %+v, the JSON holds %+v", g, w)
		}
	}
}

// What scoring reads must be what every other reader sees, through the sync path: several
// sources, observation times, a later sync moving some values, and values whose decimal form is long.
func TestScoringReadsTheCurrentValues(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 123456000, time.UTC)
	pages := []struct {
		source string
		sigs   []connectors.Signal
	}{
		{"usage", []connectors.Signal{
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "active_users", Value: 120, ObservedAt: t0},
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "product_events_30d", Value: 0.30000000000000004, ObservedAt: t0},
			{Customer: connectors.Ref{Domain: "globex.io"}, Name: "active_users", Value: 3, ObservedAt: t0.Add(-48 * time.Hour)},
		}},
		{"survey", []connectors.Signal{
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "nps", Value: 9, ObservedAt: t0.Add(-24 * time.Hour)},
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "csat", Value: 87.25, ObservedAt: t0.Add(-72 * time.Hour)},
		}},
		// A later sync: one value moves, one is new, an older observation changes nothing current.
		{"usage", []connectors.Signal{
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "active_users", Value: 130, ObservedAt: t0.Add(time.Hour)},
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "seats", Value: 200, ObservedAt: t0.Add(time.Hour)},
			{Customer: connectors.Ref{Domain: "globex.io"}, Name: "active_users", Value: 1, ObservedAt: t0.Add(-72 * time.Hour)},
		}},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, p := range pages {
			if _, err := st.CommitPage(ctx, p.source, 0, connectors.Page{Signals: p.sigs}); err != nil {
				t.Fatal(err)
			}
		}
		want, err := st.LatestSignals(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != 6 {
			t.Fatalf("%d current values stored, want 6: %v", len(want), want)
		}
		sameValues(t, scanned(t, st), want)
	})
}

// Migration 015 fills signals.cur from the JSON of rows stored before it, exactly (long decimal
// forms, several observation times), and leaves it NULL where the compact form cannot hold a row
// (a name with a separator), where scoring then reads the JSON.
func TestSignalsCurBackfill(t *testing.T) {
	rows := []struct{ id, vals string }{
		{"c1", `{"nps": {"v": 9, "t": "2026-11-15T09:00:00Z"}, "csat": {"v": 0.30000000000000004, "t": "2026-11-16T09:00:00.123456Z"}, "ltv": {"v": 48200.5, "t": "2026-11-15T09:00:00Z"}}`},
		{"c2", `{"seats,paid": {"v": 12, "t": "2026-11-15T09:00:00Z"}}`},
		{"c3", `{}`},
	}
	wantNull := map[string]bool{"c1": false, "c2": true, "c3": true}
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "advocate.db") }},
		{"postgres", func(t *testing.T) string { return storetest.SchemaDSN(t) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, e.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.MigrateTo(ctx, 14); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if _, err := st.DB().Exec(st.DB().Rebind(`INSERT INTO signals (customer_id, source, vals, updated_at) VALUES (?, 'usage', ?, ?)`),
					r.id, r.vals, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				var isNull bool
				if err := st.DB().Get(&isNull, st.DB().Rebind(`SELECT cur IS NULL FROM signals WHERE customer_id = ?`), r.id); err != nil {
					t.Fatal(err)
				}
				if isNull != wantNull[r.id] {
					t.Errorf("%s: cur is NULL = %v after the backfill, want %v", r.id, isNull, wantNull[r.id])
				}
			}
			want, err := st.LatestSignals(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 4 {
				t.Fatalf("%d values, want 4", len(want))
			}
			sameValues(t, scanned(t, st), want)
		})
	}
}

// A page large enough for the bulk path (COPY on Postgres), then a second sync of the same
// customers that moves half the values (the upsert path): every value lands, nothing twice.
func TestBulkPagesStoreEveryValue(t *testing.T) {
	const customers = 600
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	page := func(at time.Time, shift float64) connectors.Page {
		var p connectors.Page
		for i := range customers {
			d := connectors.Ref{Domain: "c" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i) + ".example.com"}
			p.Signals = append(p.Signals,
				connectors.Signal{Customer: d, Name: "nps", Value: float64(i % 11), ObservedAt: at},
				connectors.Signal{Customer: d, Name: "active_users", Value: float64(i) + shift, ObservedAt: at})
		}
		return p
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		res, err := st.CommitPage(ctx, "usage", 0, page(t0, 0))
		if err != nil || res.Signals != 2*customers || res.CustomersCreated != customers {
			t.Fatalf("first sync: %+v, %v", res, err)
		}
		res, err = st.CommitPage(ctx, "usage", 0, page(t0.Add(time.Hour), 0.5))
		if err != nil || res.Signals != 2*customers || res.CustomersCreated != 0 {
			t.Fatalf("second sync: %+v, %v", res, err)
		}
		res, err = st.CommitPage(ctx, "usage", 0, page(t0.Add(time.Hour), 0.5))
		if err != nil || res.Signals != 0 {
			t.Fatalf("the same sync again: %+v, %v", res, err)
		}
		want, err := st.LatestSignals(ctx, "")
		if err != nil || len(want) != 2*customers {
			t.Fatalf("%d current values (%v), want %d", len(want), err, 2*customers)
		}
		for _, v := range want {
			if !v.ObservedAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("%+v: not the second sync's value", v)
			}
		}
		sameValues(t, scanned(t, st), want)
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// Whole-base reads on Postgres go through a pgconn connection of their own (bulkscan.go). A DSN
// option only lib/pq understands must not break them: they fall back to the pool, and read the
// same values and attributes either way.
func TestWholeBaseReadsWithALibpqOnlyDSN(t *testing.T) {
	base := storetest.SchemaDSN(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	page := connectors.Page{
		Customers: []connectors.Customer{{Ref: connectors.Ref{Domain: "acme.com"}, Name: "Acme", Attributes: map[string]string{"plan": "growth", "customer_since": "2024-01-02"}}},
		Signals: []connectors.Signal{
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "nps", Value: 9, ObservedAt: t0},
			{Customer: connectors.Ref{Domain: "acme.com"}, Name: "seats", Value: 0.30000000000000004, ObservedAt: t0},
		},
	}
	var reads [][]advocate.SignalValue
	var attrs []map[string]string
	for _, dsn := range []string{base, base + "&binary_parameters=yes"} {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CommitPage(ctx, "crm", 0, page); err != nil {
			t.Fatal(err)
		}
		reads = append(reads, scanned(t, st))
		err = st.ScanAttributes(ctx, func(_ string, a map[string]string) error { attrs = append(attrs, a); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(reads[0]) != 2 {
		t.Fatalf("read %d current values, want 2: %v", len(reads[0]), reads[0])
	}
	sameValues(t, reads[1], reads[0])
	if len(attrs) != 2 || attrs[0]["plan"] != "growth" || attrs[1]["plan"] != "growth" || attrs[1]["customer_since"] != "2024-01-02" {
		t.Errorf("attributes read = %v, want plan growth and customer_since 2024-01-02 both ways", attrs)
	}
}

// A latest row holds its values once (migration 018): in cur, or in vals when a name cannot be
// written compactly; rows stored before keep both. Every reader sees the same values whichever
// form a row has, through the insert and the update path.
func TestLatestRowHoldsOneForm(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	sig := func(domain, name string, v float64, at time.Time) connectors.Signal {
		return connectors.Signal{Customer: connectors.Ref{Domain: domain}, Name: name, Value: v, ObservedAt: at}
	}
	cases := []struct {
		name             string
		pages            [][]connectors.Signal
		valsNull, curNil bool
		values           int
	}{
		{"compact", [][]connectors.Signal{{sig("a.com", "nps", 9, t0)}}, true, false, 1},
		{"compact updated", [][]connectors.Signal{{sig("b.com", "nps", 9, t0)}, {sig("b.com", "csat", 80, t0.Add(time.Hour)), sig("b.com", "nps", 7, t0.Add(time.Hour))}}, true, false, 2},
		{"separator in a name", [][]connectors.Signal{{sig("c.com", "seats,paid", 12, t0)}}, false, true, 1},
		{"separator updated", [][]connectors.Signal{{sig("d.com", "nps", 9, t0)}, {sig("d.com", "seats=paid", 12, t0.Add(time.Hour))}}, false, true, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				ctx := context.Background()
				for _, p := range tc.pages {
					if _, err := st.CommitPage(ctx, "usage", 0, connectors.Page{Signals: p}); err != nil {
						t.Fatal(err)
					}
				}
				var valsNull, curNull bool
				if err := st.DB().QueryRow(`SELECT vals IS NULL, cur IS NULL FROM signals`).Scan(&valsNull, &curNull); err != nil {
					t.Fatal(err)
				}
				if valsNull != tc.valsNull || curNull != tc.curNil {
					t.Errorf("vals NULL %v, cur NULL %v; want %v, %v", valsNull, curNull, tc.valsNull, tc.curNil)
				}
				want, err := st.LatestSignals(ctx, "")
				if err != nil || len(want) != tc.values {
					t.Fatalf("%d current values (%v), want %d", len(want), err, tc.values)
				}
				sameValues(t, scanned(t, st), want)
				if n, err := st.SourceCounts(ctx); err != nil || n["usage"] != [2]int64{1, int64(tc.values)} {
					t.Errorf("source counts %v (%v), want 1 customer with %d values", n, err, tc.values)
				}
			})
		})
	}
	// A row from before 018 has both forms; it is read (and counted) once.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.DB().Exec(st.DB().Rebind(`INSERT INTO signals (customer_id, source, vals, cur, updated_at) VALUES ('c1', 'usage', ?, ?, ?)`),
			`{"csat":{"v":80,"t":"2026-11-16T09:00:00Z"},"nps":{"v":9,"t":"2026-11-16T09:00:00Z"}}`, "2026-11-16T09:00:00Z csat=80,nps=9", t0); err != nil {
			t.Fatal(err)
		}
		got, err := st.LatestSignals(ctx, "c1")
		if err != nil || len(got) != 2 || got[0].Name != "csat" || got[0].Value != 80 || got[1].Name != "nps" || !got[1].ObservedAt.Equal(t0) {
			t.Errorf("old row read as %+v (%v)", got, err)
		}
		if n, err := st.SourceCounts(ctx); err != nil || n["usage"] != [2]int64{1, 2} {
			t.Errorf("source counts %v (%v), want 1 customer with 2 values", n, err)
		}
	})
}

// A page's observations are grouped per customer whatever their order: customers interleaved,
// several observation times, and a (time, name) repeated — the later record in the page wins,
// and is counted once.
func TestPageObservationsMerge(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	a, b := connectors.Ref{Domain: "a.com"}, connectors.Ref{Domain: "b.com"}
	page := []connectors.Signal{
		{Customer: a, Name: "nps", Value: 5, ObservedAt: t0},
		{Customer: b, Name: "nps", Value: 8, ObservedAt: t0},
		{Customer: a, Name: "csat", Value: 70, ObservedAt: t0.Add(-time.Hour)},
		{Customer: a, Name: "nps", Value: 6, ObservedAt: t0}, // corrects the first record
		{Customer: a, Name: "nps", Value: 4, ObservedAt: t0.Add(-2 * time.Hour)},
		{Customer: b, Name: "csat", Value: 90, ObservedAt: t0.Add(time.Hour)},
	}
	cases := []struct {
		customer, name string
		latest         float64
		history        []float64 // oldest first
	}{
		{"a.com", "nps", 6, []float64{4, 6}},
		{"a.com", "csat", 70, []float64{70}},
		{"b.com", "nps", 8, []float64{8}},
		{"b.com", "csat", 90, []float64{90}},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		res, err := st.CommitPage(ctx, "usage", 0, connectors.Page{Signals: page})
		if err != nil || res.Signals != 5 {
			t.Fatalf("first commit: %+v, %v; want 5 observations", res, err)
		}
		for _, tc := range cases {
			c, err := st.FindCustomer(ctx, tc.customer)
			if err != nil {
				t.Fatal(err)
			}
			latest, _ := st.LatestSignals(ctx, c.ID)
			found := false
			for _, v := range latest {
				if v.Name == tc.name {
					found = v.Value == tc.latest
				}
			}
			if !found {
				t.Errorf("%s %s: latest %+v, want %v", tc.customer, tc.name, latest, tc.latest)
			}
			h, _ := st.SignalHistory(ctx, c.ID, tc.name)
			var got []float64
			for _, v := range h {
				got = append(got, v.Value)
			}
			if !slices.Equal(got, tc.history) {
				t.Errorf("%s %s: history %v, want %v", tc.customer, tc.name, got, tc.history)
			}
		}
		if res, err := st.CommitPage(ctx, "usage", 0, connectors.Page{Signals: page}); err != nil || res.Signals != 0 {
			t.Errorf("the same page again: %+v, %v; want nothing new", res, err)
		}
	})
}

// ScanLatest reads batches ahead of its caller: every row still arrives once, and an error the
// caller returns part-way (past the first batch) stops the scan with that error.
func TestScanLatestAcrossBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var p connectors.Page
		for i := range 1300 {
			p.Signals = append(p.Signals, connectors.Signal{Customer: connectors.Ref{Domain: fmt.Sprintf("c%d.io", i)}, Name: "nps", Value: float64(i % 11),
				ObservedAt: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)})
		}
		if _, err := st.CommitPage(ctx, "survey", 0, p); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		err := st.ScanLatest(ctx, func(id, _ string, vals []store.LatestValue) error {
			if seen[id] || len(vals) != 1 {
				t.Errorf("customer %s: seen before %v, %d values", id, seen[id], len(vals))
			}
			seen[strings.Clone(id)] = true
			return nil
		})
		if err != nil || len(seen) != 1300 {
			t.Fatalf("ScanLatest read %d customers (err %v), want 1300", len(seen), err)
		}
		stop := errors.New("enough")
		n := 0
		err = st.ScanLatest(ctx, func(string, string, []store.LatestValue) error {
			if n++; n == 700 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 700 {
			t.Errorf("ScanLatest after the caller's error at row 700: %v after %d rows, want that error at 700", err, n)
		}
	})
}
