package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
)

const customerCols = `id, name, domain, owner, attributes, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanCustomer(r rowScanner) (advocate.Customer, error) {
	var (
		c     advocate.Customer
		dom   sql.NullString
		attrs []byte
	)
	if err := r.Scan(&c.ID, &c.Name, &dom, &c.Owner, &attrs, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	c.Domain = dom.String
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
		return c, fmt.Errorf("customer %s attributes: %w", c.ID, err)
	}
	return c, nil
}

// FindCustomer looks a customer up by id or by web domain (any spelling NormalizeDomain
// accepts, such as "https://www.acme.io").
func (s *Store) FindCustomer(ctx context.Context, idOrDomain string) (advocate.Customer, error) {
	key := strings.TrimSpace(idOrDomain)
	c, err := scanCustomer(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+customerCols+` FROM customers WHERE id = ? OR domain = ?`),
		key, connectors.NormalizeDomain(key)))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("customer %q: %w", idOrDomain, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("find customer %q: %w", idOrDomain, err)
	}
	return c, nil
}

// Customers returns every customer, ordered by id.
func (s *Store) Customers(ctx context.Context) ([]advocate.Customer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+customerCols+` FROM customers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	var out []advocate.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("list customers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LatestSignals returns the newest observation per customer, signal and source, ordered by
// customer, signal and source. Choosing between sources (precedence) is the caller's business.
// With customerID set, only that customer's.
func (s *Store) LatestSignals(ctx context.Context, customerID string) ([]advocate.SignalValue, error) {
	q, args := `SELECT customer_id, source, vals FROM signals`, []any{}
	if customerID != "" {
		q += ` WHERE customer_id = ?`
		args = append(args, customerID)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q+` ORDER BY customer_id, source`), args...)
	if err != nil {
		return nil, fmt.Errorf("read signals: %w", err)
	}
	defer rows.Close()
	var out []advocate.SignalValue
	var raw []byte
	for rows.Next() {
		var id, source string
		if err := rows.Scan(&id, &source, &raw); err != nil {
			return nil, fmt.Errorf("read signals: %w", err)
		}
		var vals map[string]latestVal
		if err := json.Unmarshal(raw, &vals); err != nil {
			return nil, fmt.Errorf("read signals of %s: %w", id, err)
		}
		for name, v := range vals {
			out = append(out, advocate.SignalValue{CustomerID: id, Name: name, Source: source, Value: v.V, ObservedAt: v.T.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b advocate.SignalValue) int {
		return cmp.Or(strings.Compare(a.CustomerID, b.CustomerID), strings.Compare(a.Name, b.Name), strings.Compare(a.Source, b.Source))
	})
	return out, nil
}

// SignalHistory returns every stored observation of one signal for one customer, oldest first.
func (s *Store) SignalHistory(ctx context.Context, customerID, name string) ([]advocate.SignalValue, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT source, observed_at, vals FROM signal_history
		WHERE customer_id = ? ORDER BY observed_at, source`), customerID)
	if err != nil {
		return nil, fmt.Errorf("read history of %s for %s: %w", name, customerID, err)
	}
	defer rows.Close()
	var out []advocate.SignalValue
	for rows.Next() {
		v := advocate.SignalValue{CustomerID: customerID, Name: name}
		var raw []byte
		if err := rows.Scan(&v.Source, &v.ObservedAt, &raw); err != nil {
			return nil, err
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return nil, fmt.Errorf("history of %s: %w", customerID, err)
		}
		x, ok := vals[name]
		if !ok {
			continue
		}
		v.Value, v.ObservedAt = x, v.ObservedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Contacts returns contacts grouped by customer id; with customerID set, only that customer's.
func (s *Store) Contacts(ctx context.Context, customerID string) (map[string][]advocate.Contact, error) {
	q, args := `SELECT customer_id, email, name, role, champion, opted_out FROM contacts`, []any{}
	if customerID != "" {
		q += ` WHERE customer_id = ?`
		args = append(args, customerID)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q+` ORDER BY customer_id, email`), args...)
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	defer rows.Close()
	out := map[string][]advocate.Contact{}
	for rows.Next() {
		var c advocate.Contact
		if err := rows.Scan(&c.CustomerID, &c.Email, &c.Name, &c.Role, &c.Champion, &c.OptedOut); err != nil {
			return nil, fmt.Errorf("read contacts: %w", err)
		}
		out[c.CustomerID] = append(out[c.CustomerID], c)
	}
	return out, rows.Err()
}

// countedTables are the tables Counts reports, in a stable order.
var countedTables = []string{"customers", "customer_identities", "contacts", "signals", "signal_history",
	"sync_runs", "score_runs", "scores", "shortlists", "shortlist_entries", "decisions", "enrollments", "outbox", "suppressions"}

// Counts returns the number of rows in each table: for `status`, and for tests that prove a
// repeated sync changed nothing.
func (s *Store) Counts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(countedTables))
	for _, t := range countedTables {
		var n int64
		if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM `+t); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// SourceCounts returns, per source, how many customers it holds current signal values for and
// how many values that is.
func (s *Store) SourceCounts(ctx context.Context) (map[string][2]int64, error) {
	keys := `(SELECT COUNT(*) FROM json_each(vals))`
	if s.dialect == Postgres {
		keys = `(SELECT COUNT(*) FROM json_object_keys(vals))`
	}
	out := map[string][2]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT source, COUNT(*), COALESCE(SUM(`+keys+`), 0) FROM signals GROUP BY source`)
	if err != nil {
		return nil, fmt.Errorf("count signals by source: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var c, n int64
		if err := rows.Scan(&src, &c, &n); err != nil {
			return nil, err
		}
		out[src] = [2]int64{c, n}
	}
	return out, rows.Err()
}
