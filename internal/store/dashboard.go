package store

// Reads for the web dashboard's Customer page and search (internal/web). Each is bounded and
// served by an index, so a page stays fast on a million-customer store.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// CustomerDecisions returns a customer's decisions, newest first, at most limit.
func (s *Store) CustomerDecisions(ctx context.Context, customerID string, limit int) ([]Decision, error) {
	var out []Decision
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var d Decision
		var until sql.NullTime
		if err := r.Scan(&d.ID, &d.CustomerID, &d.Kind, &d.DecidedBy, &d.DecidedAt, &until, &d.Week, &d.Via); err != nil {
			return err
		}
		d.DecidedAt, d.Until = d.DecidedAt.UTC(), nullTime(until)
		out = append(out, d)
		return nil
	}, s.q("CustomerDecisions"), customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("read decisions of %s: %w", customerID, err)
	}
	return out, nil
}

// CustomerReferrals returns the referrals the customer's affiliates brought, newest first, at
// most limit.
func (s *Store) CustomerReferrals(ctx context.Context, customerID string, limit int) ([]AffiliateReferral, error) {
	var out []AffiliateReferral
	err := each(ctx, s.db, func(r *sql.Rows) error {
		a, err := scanReferral(r)
		out = append(out, a)
		return err
	}, s.q("CustomerReferrals"), customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("read referrals of %s: %w", customerID, err)
	}
	return out, nil
}

// CustomerEmails returns the outbox rows of every enrollment of the customer, oldest first.
func (s *Store) CustomerEmails(ctx context.Context, customerID string) ([]OutboxEmail, error) {
	es, err := s.CustomerEnrollments(ctx, customerID)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return s.OutboxEmails(ctx, OutboxFilter{EnrollmentIDs: ids})
}

// SearchCustomers finds customers whose name contains q (any case) or whose domain contains
// it, by name, at most limit. An empty q finds nobody.
func (s *Store) SearchCustomers(ctx context.Context, q string, limit int) ([]advocate.Customer, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil, nil
	}
	pat := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	var out []advocate.Customer
	err := each(ctx, s.db, func(r *sql.Rows) error {
		c, err := scanCustomer(r)
		out = append(out, c)
		return err
	}, s.q("SearchCustomers"), pat, pat, limit)
	if err != nil {
		return nil, fmt.Errorf("search customers for %q: %w", q, err)
	}
	return out, nil
}

// SignalHistories returns every stored observation of the named signals for one customer, by
// signal, oldest first: one read of the customer's history rows for all of them.
func (s *Store) SignalHistories(ctx context.Context, customerID string, names []string) (map[string][]advocate.SignalValue, error) {
	out := map[string][]advocate.SignalValue{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var v advocate.SignalValue
		var raw []byte
		if err := r.Scan(&v.Source, &v.ObservedAt, &raw); err != nil {
			return err
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return err
		}
		for name, x := range vals {
			if slices.Contains(names, name) {
				out[name] = append(out[name], advocate.SignalValue{CustomerID: customerID, Name: name, Source: v.Source,
					Value: x, ObservedAt: v.ObservedAt.UTC()})
			}
		}
		return nil
	}, s.q("SignalHistory"), customerID)
	if err != nil {
		return nil, fmt.Errorf("read signal history of %s: %w", customerID, err)
	}
	return out, nil
}

// Explain returns the engine's query plan for the named query with args (EXPLAIN on Postgres,
// EXPLAIN QUERY PLAN on SQLite), one line per plan row. Benchmarks use it to check that a
// page's reads are served by indexes on a large store.
func (s *Store) Explain(ctx context.Context, name string, args ...any) (string, error) {
	prefix := "EXPLAIN "
	if s.Dialect() == SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.db.QueryContext(ctx, prefix+s.q(name), args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", fmt.Errorf("explain %s: %w", name, err)
		}
		fmt.Fprintln(&b, vals[len(vals)-1])
	}
	return b.String(), rows.Err()
}
