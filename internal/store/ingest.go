package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/advocate-hq/advocate/connectors"
)

// PageResult counts what committing one page changed.
type PageResult struct {
	Records          int `json:"records"`
	CustomersCreated int `json:"customers_created"`
	CustomersUpdated int `json:"customers_updated"`
	Contacts         int `json:"contacts"`
	Signals          int `json:"signals"` // new observations (history rows written)
	// Unmatched counts contacts and signals whose customer is known only by an external id no
	// source has introduced yet; they are dropped (a later sync of the owning source fixes it).
	Unmatched int                  `json:"unmatched"`
	Problems  []connectors.Problem `json:"problems,omitempty"`
}

// bulkThreshold is the page size from which Postgres signal writes go through COPY; below it the
// fixed cost of the temp table outweighs the gain.
const bulkThreshold = 256

// CommitPage writes one connector page — customers, contacts, signal observations — and the
// cursor to resume from, in one transaction, and adds the page to the run's counters. Re-running
// the same page changes nothing.
//
// Identity: a record names its customer by the source's external id and/or web domain. A known
// (source, external id) wins; then the normalised domain; otherwise a new customer is created
// when a domain is known. A customer is never created twice for one domain.
func (s *Store) CommitPage(ctx context.Context, connector string, runID int64, page connectors.Page) (PageResult, error) {
	var res PageResult
	err := s.withConnTxRetry(ctx, func(conn *sqlx.Conn, tx *sqlx.Tx, now time.Time) error {
		res = PageResult{Records: page.Records(), Problems: page.Problems}
		ing := &ingest{s: s, conn: conn, tx: tx, now: now, source: connector, res: &res,
			byExt: map[string]string{}, byDomain: map[string]string{}, rows: map[string]*customerRow{}, created: map[string]bool{}, newIdentities: map[string]string{}, domains: map[string]string{}}
		if err := ing.resolve(ctx, page); err != nil {
			return fmt.Errorf("resolve customers: %w", err)
		}
		// Everything is resolved and merged in memory first, then written in batches.
		if err := ing.customers(ctx, page.Customers); err != nil {
			return err
		}
		contactIDs := make([]string, len(page.Contacts))
		for i, c := range page.Contacts {
			contactIDs[i] = ing.ensure(c.Customer)
		}
		signalIDs := make([]string, len(page.Signals))
		for i, sg := range page.Signals {
			signalIDs[i] = ing.ensure(sg.Customer)
		}
		if err := ing.flush(ctx); err != nil {
			return err
		}
		if err := ing.contacts(ctx, page.Contacts, contactIDs); err != nil {
			return err
		}
		if err := ing.signals(ctx, page.Signals, signalIDs); err != nil {
			return err
		}
		if page.Cursor != "" {
			if _, err := tx.ExecContext(ctx, s.q("SaveCursor"), page.Cursor, connector); err != nil {
				return fmt.Errorf("save cursor: %w", err)
			}
		}
		if runID != 0 {
			if _, err := tx.ExecContext(ctx, s.q("CountSyncPage"),
				res.Records, len(res.Problems), runID); err != nil {
				return fmt.Errorf("count page: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return PageResult{}, fmt.Errorf("commit page from %s: %w", connector, err)
	}
	return res, nil
}

type customerRow struct {
	ID         string
	Name       string
	Domain     string
	Owner      string
	Attributes map[string]string
	isNew      bool
	dirty      bool
}

// ingest holds one page's identity maps while it is written.
type ingest struct {
	s        *Store
	conn     *sqlx.Conn // tx's connection, for copyText
	tx       *sqlx.Tx
	now      time.Time
	source   string
	res      *PageResult
	byExt    map[string]string // external id (this source) -> customer id
	byDomain map[string]string // normalised domain -> customer id
	rows     map[string]*customerRow
	created  map[string]bool // customers this page created (not counted as updated)
	// identities to record at flush: external id -> customer id
	newIdentities map[string]string
	domains       map[string]string // raw spelling -> normalised domain, per page
}

// selectKeys runs the named query — whose last "IN (?)" takes keys, after args — over all keys
// and calls scan for every row. Other IN (?) in the query take slices from args. The keys' list
// is built at run time: on Postgres one query with = ANY(?) and an array, on SQLite (no arrays,
// a cap on bound parameters) one query per chunk of an expanded IN list.
func (in *ingest) selectKeys(ctx context.Context, name string, args []any, keys []string, scan func(*sql.Rows) error) error {
	if len(keys) == 0 {
		return nil
	}
	raw := in.s.query(name).Raw
	run := func(keys any) error {
		q, qargs, err := in.s.expand(raw, append(slices.Clone(args), keys)...)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return each(ctx, in.tx, scan, q, qargs...)
	}
	if in.s.dialect == Postgres {
		i := strings.LastIndex(raw, "IN (?)")
		raw = raw[:i] + "= ANY(?)" + raw[i+len("IN (?)"):]
		return run(pq.Array(keys))
	}
	for chunk := range slices.Chunk(keys, 500) {
		if err := run(chunk); err != nil {
			return err
		}
	}
	return nil
}

// domain normalises a reference's domain once per distinct spelling in the page.
func (in *ingest) domain(raw string) string {
	if raw == "" {
		return ""
	}
	d, ok := in.domains[raw]
	if !ok {
		d = connectors.NormalizeDomain(raw)
		in.domains[raw] = d
	}
	return d
}

// resolve loads, in a few batched queries, every identity and domain the page mentions.
func (in *ingest) resolve(ctx context.Context, page connectors.Page) error {
	exts, domains := map[string]bool{}, map[string]bool{}
	add := func(r connectors.Ref) {
		if r.ExternalID != "" {
			exts[r.ExternalID] = true
		}
		if d := in.domain(r.Domain); d != "" {
			domains[d] = true
		}
	}
	for _, c := range page.Customers {
		add(c.Ref)
	}
	for _, c := range page.Contacts {
		add(c.Customer)
	}
	for _, sg := range page.Signals {
		add(sg.Customer)
	}
	err := in.selectKeys(ctx, "IdentitiesOf",
		[]any{in.source}, slices.Sorted(maps.Keys(exts)), func(rows *sql.Rows) error {
			var ext, id string
			if err := rows.Scan(&ext, &id); err != nil {
				return err
			}
			in.byExt[ext] = id
			return nil
		})
	if err != nil {
		return err
	}
	return in.selectKeys(ctx, "CustomersByDomain", nil, slices.Sorted(maps.Keys(domains)),
		func(rows *sql.Rows) error {
			var id, d string
			if err := rows.Scan(&id, &d); err != nil {
				return err
			}
			in.byDomain[d] = id
			return nil
		})
}

// lookup finds the customer a reference names, or "".
func (in *ingest) lookup(r connectors.Ref) string {
	if id, ok := in.byExt[r.ExternalID]; ok && r.ExternalID != "" {
		return id
	}
	if d := in.domain(r.Domain); d != "" {
		return in.byDomain[d]
	}
	return ""
}

// row returns the current row of customer id, loading it once per page.
func (in *ingest) row(ctx context.Context, id string) (*customerRow, error) {
	if r, ok := in.rows[id]; ok {
		return r, nil
	}
	var (
		r     = &customerRow{ID: id}
		dom   *string
		attrs []byte
	)
	err := in.tx.QueryRowContext(ctx, in.s.q("CustomerRow"), id).
		Scan(&r.Name, &dom, &r.Owner, &attrs)
	if err != nil {
		return nil, fmt.Errorf("load customer %s: %w", id, err)
	}
	if dom != nil {
		r.Domain = *dom
	}
	if err := json.Unmarshal(attrs, &r.Attributes); err != nil {
		return nil, fmt.Errorf("customer %s attributes: %w", id, err)
	}
	in.rows[id] = r
	return r, nil
}

// ensure resolves r to a customer id, creating a bare customer (in memory) when r has a domain
// nobody has claimed yet, and notes the source identity. It returns "" when r cannot be placed.
func (in *ingest) ensure(r connectors.Ref) string {
	id := in.lookup(r)
	if id == "" {
		domain := in.domain(r.Domain)
		if domain == "" {
			return ""
		}
		id = customerID("domain:" + domain)
		in.rows[id] = &customerRow{ID: id, Domain: domain, Attributes: map[string]string{}, isNew: true, dirty: true}
		in.byDomain[domain] = id
		in.created[id] = true
		in.res.CustomersCreated++
	}
	in.identify(r.ExternalID, id)
	return id
}

// identify notes that this source calls customer id by ext.
func (in *ingest) identify(ext, id string) {
	if ext == "" {
		return
	}
	if _, known := in.byExt[ext]; !known {
		in.byExt[ext] = id
		in.newIdentities[ext] = id
	}
}

func (in *ingest) customers(ctx context.Context, recs []connectors.Customer) error {
	for _, c := range recs {
		var id string
		if in.lookup(c.Ref) == "" && in.domain(c.Domain) == "" {
			if c.ExternalID == "" {
				in.res.Problems = append(in.res.Problems, connectors.Problem{Where: in.source, Message: "customer record without domain or external id skipped"})
				continue
			}
			// Known to this source only by its id: create it under that identity.
			id = customerID("ext:" + in.source + ":" + c.ExternalID)
			if _, seen := in.rows[id]; !seen {
				in.rows[id] = &customerRow{ID: id, Attributes: map[string]string{}, isNew: true, dirty: true}
				in.created[id] = true
				in.res.CustomersCreated++
			}
			in.identify(c.ExternalID, id)
		} else {
			id = in.ensure(c.Ref)
		}
		row, err := in.row(ctx, id)
		if err != nil {
			return err
		}
		wasDirty := row.dirty
		set := func(dst *string, v string) {
			if v != "" && *dst != v {
				*dst = v
				row.dirty = true
			}
		}
		set(&row.Name, c.Name)
		set(&row.Owner, connectors.NormalizeEmail(c.Owner))
		if d := in.domain(c.Domain); row.Domain == "" && d != "" {
			if other, taken := in.byDomain[d]; !taken || other == id {
				row.Domain, row.dirty = d, true
				in.byDomain[d] = id
			}
		}
		for k, v := range c.Attributes {
			if v != "" && row.Attributes[k] != v {
				if row.Attributes == nil {
					row.Attributes = map[string]string{}
				}
				row.Attributes[k] = v
				row.dirty = true
			}
		}
		if row.dirty && !wasDirty && !in.created[id] {
			in.res.CustomersUpdated++
		}
	}
	return nil
}

// batchRows is how many rows one multi-row INSERT carries: well under both engines' limits on
// bound parameters (SQLite 32,766; Postgres 65,535).
const batchRows = 500

// insertRows runs "INSERT INTO table (cols) VALUES (...), (...) suffix" over rows in batches.
// This SQL is built here, not named in queries/: the number of rows per statement is only known
// at run time, and one statement per batch is what makes SQLite's bulk path fast.
func (in *ingest) insertRows(ctx context.Context, table, cols, suffix string, width int, rows [][]any) error {
	for chunk := range slices.Chunk(rows, batchRows) {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?" + strings.Repeat(",?", width-1) + ")")
			args = append(args, r...)
		}
		b.WriteString(" " + suffix)
		if _, err := in.tx.ExecContext(ctx, in.s.db.Rebind(b.String()), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// flush writes new and changed customers, then the identities that point at them.
func (in *ingest) flush(ctx context.Context) error {
	var inserts [][]any
	for _, id := range slices.Sorted(maps.Keys(in.rows)) {
		row := in.rows[id]
		if !row.dirty {
			continue
		}
		attrs, err := json.Marshal(row.Attributes)
		if err != nil {
			return err
		}
		var dom any
		if row.Domain != "" {
			dom = row.Domain
		}
		if row.isNew {
			inserts = append(inserts, []any{id, row.Name, dom, row.Owner, string(attrs), in.now, in.now})
			row.isNew = false
		} else if _, err := in.tx.ExecContext(ctx, in.s.q("UpdateCustomer"),
			row.Name, dom, row.Owner, string(attrs), in.now, id); err != nil {
			return fmt.Errorf("write customer %s: %w", id, err)
		}
		row.dirty = false
	}
	if err := in.insertRows(ctx, "customers", "id, name, domain, owner, attributes, created_at, updated_at", in.s.customerUpsert(), 7, inserts); err != nil {
		return err
	}
	var idents [][]any
	for _, ext := range slices.Sorted(maps.Keys(in.newIdentities)) {
		idents = append(idents, []any{in.source, ext, in.newIdentities[ext]})
	}
	clear(in.newIdentities)
	return in.insertRows(ctx, "customer_identities", "source, external_id, customer_id", "ON CONFLICT DO NOTHING", 3, idents)
}
