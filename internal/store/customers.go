package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
)

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
	c, err := scanCustomer(s.db.QueryRowContext(ctx, s.q("FindCustomer"), key, connectors.NormalizeDomain(key)))
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
	out, err := collect(ctx, s.db, scanCustomer, s.q("ListCustomers"))
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	return out, nil
}

// The scoring job reads every customer and every current signal value. At a million customers
// that is a million rows per table; ScanCustomers, ScanAttributes and ScanLatest stream them
// instead of building slices, and decode the JSON columns without reflection. ScanAttributes and
// ScanLatest, the scoring job's readers, return rows in no particular order: ordering by the
// key makes Postgres walk the primary key into random heap pages, several times slower than a
// sequential read of the table.

// ScanCustomers streams every customer, ordered by id.
func (s *Store) ScanCustomers(ctx context.Context, fn func(advocate.Customer) error) error {
	err := each(ctx, s.db, func(r *sql.Rows) error {
		c, err := scanCustomer(r)
		if err != nil {
			return err
		}
		return fn(c)
	}, s.q("ListCustomers"))
	if err != nil {
		return fmt.Errorf("scan customers: %w", err)
	}
	return nil
}

// CustomerCountEstimate is about how many customers there are (on Postgres the planner's
// estimate, without a scan), for sizing what a whole-base read fills; 0 when unknown.
func (s *Store) CustomerCountEstimate(ctx context.Context) (int, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, s.q("CustomerCountEstimate")); err != nil {
		return 0, fmt.Errorf("estimate customers: %w", err)
	}
	return int(n), nil
}

// Attr is one customer attribute.
type Attr struct{ Key, Value string }

// ScanAttributes streams every customer's id and attributes, in no particular order: what scoring needs
// of a customer, without the columns it does not.
func (s *Store) ScanAttributes(ctx context.Context, fn func(id string, attrs map[string]string) error) error {
	return s.ScanAttributePairs(ctx, func(id string, pairs []Attr) error {
		attrs := make(map[string]string, len(pairs))
		for _, a := range pairs {
			attrs[a.Key] = a.Value
		}
		return fn(strings.Clone(id), attrs)
	})
}

// ScanAttributePairs is ScanAttributes for whole-base scoring, without a map per customer:
// id and the attrs slice are valid only during the call (they view the read buffer and are
// reused); the keys and values themselves are strings of their own.
func (s *Store) ScanAttributePairs(ctx context.Context, fn func(id string, attrs []Attr) error) error {
	var (
		intern interner // attribute keys and most values (plan, channel…) repeat
		pairs  []Attr
	)
	err := s.scanRaw(ctx, "CustomerAttributes", func(cols [][]byte) error {
		id := view(cols[0])
		var ok bool
		if pairs, ok = decodePairs(cols[1], &intern, pairs); !ok {
			var attrs map[string]string
			if err := json.Unmarshal(cols[1], &attrs); err != nil {
				return fmt.Errorf("attributes of %s: %w", id, err)
			}
			pairs = pairs[:0]
			for _, k := range slices.Sorted(maps.Keys(attrs)) {
				pairs = append(pairs, Attr{k, attrs[k]})
			}
		}
		return fn(id, pairs)
	})
	if err != nil {
		return fmt.Errorf("scan customers: %w", err)
	}
	return nil
}

// customerUpsert is the conflict clause of the bulk customer insert (ingest.flush). A customer's
// id derives from the identity it was first seen by, so two writers that first meet one domain
// at once (replicas taking pushes, two connectors syncing) insert the same id: the second waits
// for the first to commit and then merges into its row, as an update of a known customer would,
// instead of failing with a duplicate key. Empty fields keep what is stored; attributes merge.
func (s *Store) customerUpsert() string {
	attrs := "json_patch(customers.attributes, excluded.attributes)"
	if s.dialect == Postgres {
		attrs = "(customers.attributes::jsonb || excluded.attributes::jsonb)::json"
	}
	return `ON CONFLICT (id) DO UPDATE SET
	name = CASE WHEN excluded.name = '' THEN customers.name ELSE excluded.name END,
	domain = COALESCE(customers.domain, excluded.domain),
	owner = CASE WHEN excluded.owner = '' THEN customers.owner ELSE excluded.owner END,
	attributes = ` + attrs + `,
	updated_at = excluded.updated_at`
}
