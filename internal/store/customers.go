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
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// Customer is a stored account.
type Customer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Domain     string            `json:"domain"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// Contact is a stored person at a customer.
type Contact struct {
	CustomerID string `json:"-"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Champion   bool   `json:"champion"`
	OptedOut   bool   `json:"opted_out"`
}

// SignalValue is the newest observation of one signal for one customer from one source.
type SignalValue struct {
	CustomerID string    `json:"-"`
	Name       string    `json:"-"`
	Source     string    `json:"source"`
	Value      float64   `json:"value"`
	ObservedAt time.Time `json:"observed_at"`
}

const customerCols = `id, name, domain, owner, attributes, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanCustomer(r rowScanner) (Customer, error) {
	var (
		c     Customer
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
func (s *Store) FindCustomer(ctx context.Context, idOrDomain string) (Customer, error) {
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
func (s *Store) Customers(ctx context.Context) ([]Customer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+customerCols+` FROM customers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	var out []Customer
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
func (s *Store) LatestSignals(ctx context.Context, customerID string) ([]SignalValue, error) {
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
	var out []SignalValue
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
			out = append(out, SignalValue{CustomerID: id, Name: name, Source: source, Value: v.V, ObservedAt: v.T.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b SignalValue) int {
		return cmp.Or(strings.Compare(a.CustomerID, b.CustomerID), strings.Compare(a.Name, b.Name), strings.Compare(a.Source, b.Source))
	})
	return out, nil
}

// SignalHistory returns every stored observation of one signal for one customer, oldest first.
func (s *Store) SignalHistory(ctx context.Context, customerID, name string) ([]SignalValue, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT source, observed_at, vals FROM signal_history
		WHERE customer_id = ? ORDER BY observed_at, source`), customerID)
	if err != nil {
		return nil, fmt.Errorf("read history of %s for %s: %w", name, customerID, err)
	}
	defer rows.Close()
	var out []SignalValue
	for rows.Next() {
		v := SignalValue{CustomerID: customerID, Name: name}
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
func (s *Store) Contacts(ctx context.Context, customerID string) (map[string][]Contact, error) {
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
	out := map[string][]Contact{}
	for rows.Next() {
		var c Contact
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
