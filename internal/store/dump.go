package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Dump writes the customer data — customers, identities, contacts, current signals and signal
// history — as sorted text without bookkeeping times, so two stores can be compared: a sync
// that failed halfway and was re-run must leave exactly what a clean run leaves.
func (s *Store) Dump(ctx context.Context) (string, error) {
	queries := []struct{ name, q string }{
		{"customers", `SELECT id, name, COALESCE(domain, ''), owner, attributes FROM customers ORDER BY id`},
		{"identities", `SELECT source, external_id, customer_id FROM customer_identities ORDER BY source, external_id`},
		{"contacts", `SELECT email, customer_id, name, role, champion, opted_out FROM contacts ORDER BY email`},
		{"signals", `SELECT customer_id, source, vals FROM signals ORDER BY customer_id, source`},
		{"history", `SELECT customer_id, source, observed_at, vals FROM signal_history ORDER BY customer_id, source, observed_at`},
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := s.db.QueryxContext(ctx, q.q)
		if err != nil {
			return "", fmt.Errorf("dump %s: %w", q.name, err)
		}
		fmt.Fprintf(&b, "== %s\n", q.name)
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				rows.Close()
				return "", fmt.Errorf("dump %s: %w", q.name, err)
			}
			for i, v := range vals {
				if i > 0 {
					b.WriteString(" | ")
				}
				if x, ok := v.([]byte); ok {
					b.Write(x)
				} else {
					fmt.Fprint(&b, normalize(x))
				}
			}
			b.WriteByte('\n')
		}
		if err := rows.Close(); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// normalize prints values the same way on both engines (SQLite booleans are integers).
func normalize(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return 1
		}
		return 0
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}
