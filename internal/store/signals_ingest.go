package store

// This file merges a page's signal observations into the wide history and latest rows
// (signals.go describes them).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

type obsKey struct {
	customer string
	at       time.Time
}

// pageCustomer is one customer's observations in a page, sorted by time then name, one per
// (time, name): the page's last.
type pageCustomer struct {
	id  string
	obs []LatestValue
}

// wideRow is a history or latest row to write: its customer, its observation time (history
// rows) and its values, sorted by time then name. Rows are encoded as they are written — on
// Postgres inside the COPY stream, so that encoding one row overlaps with the server storing
// the ones before.
type wideRow struct {
	id   string
	at   time.Time
	vals []LatestValue
}

// signals writes a page's observations. The existing history rows for the page's (customer,
// observation time) keys and the customers' latest rows are read first and merged in Go, and
// only rows that change are written: a re-sync of unchanged data writes nothing, and the count
// of new observations is exact.
func (in *ingest) signals(ctx context.Context, recs []connectors.Signal, ids []string) error {
	custs := in.group(recs, ids)
	if len(custs) == 0 {
		return nil
	}
	stored, err := in.loadLatest(ctx, custs)
	if err != nil {
		return fmt.Errorf("read latest signals: %w", err)
	}
	if err := in.mergeHistory(ctx, custs, stored); err != nil {
		return fmt.Errorf("write signal history: %w", err)
	}
	if err := in.mergeLatest(ctx, custs, stored); err != nil {
		return fmt.Errorf("write latest signals: %w", err)
	}
	return nil
}

// group sorts a page's valid observations by customer (customers in id order) without a map
// per customer: a page is tens of thousands of observations of a few signals each.
func (in *ingest) group(recs []connectors.Signal, ids []string) []pageCustomer {
	slot := make([]int32, len(recs))
	index := map[string]int32{}
	var (
		custs  []pageCustomer
		counts []int
		prev   string
		cur    int32
		total  int
	)
	for i, sg := range recs {
		slot[i] = -1
		if err := checkSignal(sg); err != nil {
			// The last line: the push API and CSV files reject these before they get here.
			in.res.Problems = append(in.res.Problems, connectors.Problem{Where: in.source,
				Message: fmt.Sprintf("signal %q for %s skipped: %v", sg.Name, sg.Customer, err)})
			continue
		}
		id := ids[i]
		if id == "" {
			in.res.Unmatched++
			continue
		}
		if id != prev { // a page usually lists one customer's signals together
			s, ok := index[id]
			if !ok {
				s = int32(len(custs))
				index[id] = s
				custs, counts = append(custs, pageCustomer{id: id}), append(counts, 0)
			}
			prev, cur = id, s
		}
		slot[i] = cur
		counts[cur]++
		total++
	}
	all := make([]LatestValue, total)
	for i, off := 0, 0; i < len(custs); i++ {
		custs[i].obs, off = all[off:off:off+counts[i]], off+counts[i]
	}
	for i, s := range slot {
		if s >= 0 {
			sg := &recs[i]
			at := sg.ObservedAt.UTC().Truncate(time.Microsecond) // what both engines store
			custs[s].obs = append(custs[s].obs, LatestValue{Name: sg.Name, Value: sg.Value, ObservedAt: at})
		}
	}
	for i := range custs {
		custs[i].obs = lastPerKey(custs[i].obs)
	}
	slices.SortFunc(custs, func(a, b pageCustomer) int { return strings.Compare(a.id, b.id) })
	return custs
}

// cmpObs orders values by observation time, then name.
func cmpObs(a, b LatestValue) int {
	if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// lastPerKey sorts obs (in page order) by time and name and keeps the last of each (time,
// name): a later record in the page corrects an earlier one.
func lastPerKey(obs []LatestValue) []LatestValue {
	slices.SortStableFunc(obs, cmpObs)
	out := obs[:0]
	for i, o := range obs {
		if i+1 < len(obs) && cmpObs(o, obs[i+1]) == 0 {
			continue
		}
		out = append(out, o)
	}
	return out
}

// newest is the newest value of each signal in obs (sorted by cmpObs, one per key), in the
// same order.
func newest(obs []LatestValue) []LatestValue {
	if len(obs) == 0 || obs[0].ObservedAt.Equal(obs[len(obs)-1].ObservedAt) {
		return obs // one observation time: every name once
	}
	seen := map[string]bool{}
	out := make([]LatestValue, 0, len(obs))
	for i := len(obs) - 1; i >= 0; i-- {
		if !seen[obs[i].Name] {
			seen[obs[i].Name] = true
			out = append(out, obs[i])
		}
	}
	slices.Reverse(out)
	return out
}

// sortedVals is m as values sorted by cmpObs.
func sortedVals(m map[string]latestVal) []LatestValue {
	out := make([]LatestValue, 0, len(m))
	for name, v := range m {
		out = append(out, LatestValue{Name: name, Value: v.V, ObservedAt: v.T})
	}
	slices.SortFunc(out, cmpObs)
	return out
}

// loadLatest reads this source's stored latest row of every customer in the page.
func (in *ingest) loadLatest(ctx context.Context, custs []pageCustomer) (map[string]map[string]latestVal, error) {
	stored := map[string]map[string]latestVal{}
	var (
		dec  latestDecoder
		vals []LatestValue
	)
	ids := make([]string, len(custs))
	for i, c := range custs {
		ids[i] = c.id
	}
	err := in.selectKeys(ctx, "LatestOfCustomers", []any{in.source}, ids, func(rows *sql.Rows) error {
		var id string
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return err
		}
		var err error
		if vals, err = dec.decode(raw, vals[:0]); err != nil {
			return fmt.Errorf("latest signals of %s: %w", id, err)
		}
		m := make(map[string]latestVal, len(vals))
		for _, v := range vals {
			m[v.Name] = latestVal{v.Value, v.ObservedAt}
		}
		stored[id] = m
		return nil
	})
	return stored, err
}

// mergeHistory writes the page's history rows: new keys as they are, existing ones merged
// with what is stored.
func (in *ingest) mergeHistory(ctx context.Context, custs []pageCustomer, latest map[string]map[string]latestVal) error {
	stored, err := in.loadHistory(ctx, custs, latest)
	if err != nil {
		return err
	}
	var fresh, updates []wideRow
	for _, c := range custs {
		for lo := 0; lo < len(c.obs); {
			hi := lo + 1
			for hi < len(c.obs) && c.obs[hi].ObservedAt.Equal(c.obs[lo].ObservedAt) {
				hi++
			}
			group := c.obs[lo:hi:hi]
			k := obsKey{c.id, group[0].ObservedAt}
			lo = hi
			old, had := stored[k]
			if !had {
				in.res.Signals += len(group)
				fresh = append(fresh, wideRow{id: k.customer, at: k.at, vals: group})
				continue
			}
			merged, changed := maps.Clone(old), false
			for _, v := range group {
				if o, ok := merged[v.Name]; !ok || o != v.Value {
					merged[v.Name], changed = v.Value, true
					in.res.Signals++
				}
			}
			if changed {
				updates = append(updates, wideRow{id: k.customer, at: k.at, vals: valsAt(merged, k.at)})
			}
		}
	}
	var enc encoder
	fields := func(r wideRow) []any { return []any{r.id, in.source, r.at, enc.valsOf(r.vals), in.now} }
	return in.upsertWide(ctx, "signal_history", "customer_id, source, observed_at, vals, recorded_at",
		"(customer_id, source, observed_at)", in.mergeVals("signal_history")+", recorded_at = excluded.recorded_at", fresh, updates, fields)
}

// valsAt is a history row's values, all observed at at, sorted by name.
func valsAt(m map[string]float64, at time.Time) []LatestValue {
	out := make([]LatestValue, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, LatestValue{Name: name, Value: m[name], ObservedAt: at})
	}
	return out
}

// loadHistory reads the stored history rows under the page's keys, skipping the read for every
// key that cannot have one. A history row can exist at a time only if some stored latest value
// of this customer and source is that recent: the latest row moves forward with every
// observation. Keys newer than all of them are new for certain, which is every key of an
// ordinary forward sync.
func (in *ingest) loadHistory(ctx context.Context, custs []pageCustomer, latest map[string]map[string]latestVal) (map[obsKey]map[string]float64, error) {
	wanted := map[obsKey]bool{}
	customers := map[string]bool{}
	times := map[time.Time]bool{}
	for _, c := range custs {
		vals, ok := latest[c.id]
		if !ok {
			continue
		}
		var last time.Time
		for _, v := range vals {
			if v.T.After(last) {
				last = v.T
			}
		}
		for _, o := range c.obs {
			if !o.ObservedAt.After(last) {
				wanted[obsKey{c.id, o.ObservedAt}] = true
				customers[c.id] = true
				times[o.ObservedAt] = true
			}
		}
	}
	stored := map[obsKey]map[string]float64{}
	if len(customers) == 0 {
		return stored, nil
	}
	name, args := "HistoryOfCustomers", []any{in.source}
	if len(times) <= 200 {
		// Few distinct times (a sync time, a handful of survey dates): filter by them too.
		name = "HistoryOfCustomersAt"
		args = append(args, slices.SortedFunc(maps.Keys(times), time.Time.Compare))
	}
	err := in.selectKeys(ctx, name, args, slices.Sorted(maps.Keys(customers)), func(rows *sql.Rows) error {
		var k obsKey
		var raw []byte
		if err := rows.Scan(&k.customer, &k.at, &raw); err != nil {
			return err
		}
		k.at = k.at.UTC()
		if !wanted[k] {
			return nil
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return fmt.Errorf("history of %s: %w", k.customer, err)
		}
		stored[k] = vals
		return nil
	})
	return stored, err
}

// checkSignal reports why an observation cannot be stored: no name, a value outside the signal's
// range (connectors.SignalRanges) or a time before 1970 (a zero time). Future times are left
// to the sources, which know their clock (a CSV file's modification time, a test's fixed clock).
func checkSignal(sg connectors.Signal) error {
	if sg.Name == "" {
		return errors.New("no signal name")
	}
	if err := connectors.CheckValue(sg.Name, sg.Value); err != nil {
		return err
	}
	if sg.ObservedAt.Before(connectors.EarliestObservation) {
		return fmt.Errorf("observation time %s is before 1970", sg.ObservedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func (in *ingest) mergeLatest(ctx context.Context, custs []pageCustomer, stored map[string]map[string]latestVal) error {
	var fresh, updates []wideRow
	for _, c := range custs {
		incoming := newest(c.obs)
		old, had := stored[c.id]
		if !had {
			fresh = append(fresh, wideRow{id: c.id, vals: incoming})
			continue
		}
		merged, changed := maps.Clone(old), false
		for _, v := range incoming {
			// Newer wins; at the same time the incoming value is a correction.
			if o, ok := merged[v.Name]; !ok || v.ObservedAt.After(o.T) || (v.ObservedAt.Equal(o.T) && v.Value != o.V) {
				merged[v.Name], changed = latestVal{v.Value, v.ObservedAt}, true
			}
		}
		if changed {
			updates = append(updates, wideRow{id: c.id, vals: sortedVals(merged)})
		}
	}
	// Fresh rows go in without ON CONFLICT: a row another page inserted since this one read
	// (two first pushes for a customer) makes the insert fail with a unique violation, and the
	// page runs again (withConnTxRetry) and merges with that row. Updated rows were locked when
	// they were read (LatestOfCustomers … FOR UPDATE on Postgres; SQLite's write transactions
	// are serial), so they are written as merged here.
	const cols = "customer_id, source, vals, cur, updated_at"
	var enc encoder
	fields := func(r wideRow) []any {
		// The compact form in cur and vals NULL, or the JSON in vals when a name cannot be
		// written compactly (see migrations/*/018_signals_cur_only.sql).
		cur := enc.compactOf(r.vals)
		var js any
		if cur == nil {
			js = enc.latestOf(r.vals)
		}
		return []any{r.id, in.source, js, cur, in.now}
	}
	if err := in.insertNew(ctx, "signals", cols, fresh, fields); err != nil {
		return err
	}
	return in.upsert(ctx, "signals", cols,
		"ON CONFLICT (customer_id, source) DO UPDATE SET vals = excluded.vals, cur = excluded.cur, updated_at = excluded.updated_at", updates, fields)
}

// insertNew inserts rows that must not exist yet: by COPY on Postgres from bulkThreshold rows,
// else by multi-row INSERT. A row that exists fails the statement with a unique violation.
func (in *ingest) insertNew(ctx context.Context, table, cols string, rows []wideRow, fields func(wideRow) []any) error {
	if in.s.dialect == Postgres && len(rows) >= bulkThreshold {
		return in.copyRows(ctx, table, cols, rows, fields)
	}
	return in.insertWide(ctx, table, cols, "", rows, fields)
}

// insertWide encodes rows and writes them with insertRows.
func (in *ingest) insertWide(ctx context.Context, table, cols, suffix string, rows []wideRow, fields func(wideRow) []any) error {
	if len(rows) == 0 {
		return nil
	}
	enc := make([][]any, len(rows))
	for i, r := range rows {
		enc[i] = fields(r)
	}
	return in.insertRows(ctx, table, cols, suffix, len(enc[0]), enc)
}

// mergeVals is how a written history row's vals meet a stored one. The rows were merged in Go
// with what the page read: on SQLite nothing can have changed since (write transactions are
// serial), and on Postgres the customers' latest rows were locked when they were read
// (LatestOfCustomers … FOR UPDATE). What Postgres can still meet is a row another page
// inserted meanwhile (two first pushes for a customer): its signals are kept, and the page's
// own win where both observed one. A written row that already holds every stored signal (the
// usual case) is stored as written.
func (in *ingest) mergeVals(table string) string {
	if in.s.dialect != Postgres {
		return "vals = excluded.vals"
	}
	return "vals = CASE WHEN jsonb_exists_all(excluded.vals::jsonb, ARRAY(SELECT json_object_keys(" + table + ".vals))) " +
		"THEN excluded.vals ELSE (" + table + ".vals::jsonb || excluded.vals::jsonb)::json END"
}

// upsertWide writes merged rows. Rows known to be new (fresh: nothing was stored under their
// key when the page was read) go straight into the table with COPY on Postgres, inside a
// savepoint: if a concurrent writer stored the same key meanwhile, the COPY fails, the savepoint
// is rolled back, and those rows take the upsert path with the rest. This SQL is built here, not
// named in queries/: multi-row inserts, COPY and the temporary table take their shape from the
// table and the batch.
func (in *ingest) upsertWide(ctx context.Context, table, cols, conflict, set string, fresh, updates []wideRow, fields func(wideRow) []any) error {
	if in.s.dialect == Postgres && len(fresh) >= bulkThreshold {
		if err := in.copyFresh(ctx, table, cols, fresh, fields); err != nil {
			updates = append(updates, fresh...)
		}
	} else {
		updates = append(updates, fresh...)
	}
	return in.upsert(ctx, table, cols, "ON CONFLICT "+conflict+" DO UPDATE SET "+set, updates, fields)
}

// upsert writes rows with an INSERT … suffix (ON CONFLICT …): on Postgres from bulkThreshold
// rows through COPY into a temporary table and one INSERT … SELECT, else by multi-row INSERT.
func (in *ingest) upsert(ctx context.Context, table, cols, suffix string, rows []wideRow, fields func(wideRow) []any) error {
	if len(rows) == 0 {
		return nil
	}
	if in.s.dialect != Postgres || len(rows) < bulkThreshold {
		return in.insertWide(ctx, table, cols, suffix, rows, fields)
	}
	tmp := "incoming_" + table
	if _, err := in.tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+tmp+` (LIKE `+table+` INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return err
	}
	if err := in.copyRows(ctx, tmp, cols, rows, fields); err != nil {
		return err
	}
	_, err := in.tx.ExecContext(ctx, `INSERT INTO `+table+` (`+cols+`) SELECT `+cols+` FROM `+tmp+` `+suffix)
	return err
}

// copyFresh copies rows straight into table under a savepoint; an error leaves the transaction
// as it was before.
func (in *ingest) copyFresh(ctx context.Context, table, cols string, rows []wideRow, fields func(wideRow) []any) error {
	if _, err := in.tx.ExecContext(ctx, `SAVEPOINT fresh_rows`); err != nil {
		return err
	}
	if err := in.copyRows(ctx, table, cols, rows, fields); err != nil {
		if _, rerr := in.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT fresh_rows`); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := in.tx.ExecContext(ctx, `RELEASE SAVEPOINT fresh_rows`)
	return err
}

// copyRows copies rows into table as COPY text lines formatted here (copyText), encoding each
// row as it goes.
func (in *ingest) copyRows(ctx context.Context, table, cols string, rows []wideRow, fields func(wideRow) []any) error {
	k := 0
	var ferr error
	err := copyText(ctx, in.conn, table, cols, func(b []byte) ([]byte, bool) {
		if k == len(rows) || ferr != nil {
			return b, false
		}
		for i, v := range fields(rows[k]) {
			if i > 0 {
				b = append(b, '\t')
			}
			if b, ferr = appendCopyValue(b, v); ferr != nil {
				return b, false
			}
		}
		k++
		return b, true
	})
	if ferr != nil {
		return fmt.Errorf("copy into %s: %w", table, ferr)
	}
	return err
}
