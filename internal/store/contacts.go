package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
)

// Contacts returns contacts grouped by customer id; with customerID set, only that customer's.
func (s *Store) Contacts(ctx context.Context, customerID string) (map[string][]advocate.Contact, error) {
	q, args := s.q("Contacts"), []any{}
	if customerID != "" {
		q, args = s.q("ContactsOfCustomer"), []any{customerID}
	}
	out := map[string][]advocate.Contact{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var c advocate.Contact
		if err := r.Scan(&c.CustomerID, &c.Email, &c.Name, &c.Role, &c.Champion, &c.OptedOut); err != nil {
			return err
		}
		out[c.CustomerID] = append(out[c.CustomerID], c)
		return nil
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	return out, nil
}

// Reachability returns, per customer with contacts, how many contacts it has and how many of
// them have not opted out.
func (s *Store) Reachability(ctx context.Context) (map[string][2]int, error) {
	out := map[string][2]int{}
	err := each(ctx, s.db, func(r *sql.Rows) error {
		var id string
		var n, ok int
		if err := r.Scan(&id, &n, &ok); err != nil {
			return err
		}
		out[id] = [2]int{n, ok}
		return nil
	}, s.q("Reachability"))
	if err != nil {
		return nil, fmt.Errorf("count contacts: %w", err)
	}
	return out, nil
}

// contacts writes a page's contacts through one prepared upsert (see UpsertContact).
func (in *ingest) contacts(ctx context.Context, recs []connectors.Contact, ids []string) error {
	if len(recs) == 0 {
		return nil
	}
	stmt, err := in.tx.PrepareContext(ctx, in.s.q("UpsertContact"))
	if err != nil {
		return fmt.Errorf("prepare contact upsert: %w", err)
	}
	defer stmt.Close()
	for i, c := range recs {
		email := connectors.NormalizeEmail(c.Email)
		if email == "" {
			in.res.Problems = append(in.res.Problems, connectors.Problem{Where: in.source, Message: "contact without email skipped"})
			continue
		}
		id := ids[i]
		if id == "" {
			in.res.Unmatched++
			continue
		}
		if _, err := stmt.ExecContext(ctx, email, id, c.Name, c.Role, c.Champion, c.OptedOut, in.source, in.now); err != nil {
			return fmt.Errorf("write contact %s: %w", email, err)
		}
		in.res.Contacts++
	}
	return nil
}
