package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Dump writes the customer data — customers, identities, contacts, current signals and signal
// history — as sorted text without bookkeeping times, so two stores can be compared: a sync
// that failed halfway and was re-run must leave exactly what a clean run leaves.
func (s *Store) Dump(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, part := range []struct{ name, query string }{
		{"customers", "DumpCustomers"}, {"identities", "DumpIdentities"}, {"contacts", "DumpContacts"},
		{"signals", "DumpSignals"}, {"history", "DumpHistory"},
	} {
		fmt.Fprintf(&b, "== %s\n", part.name)
		err := each(ctx, s.db, func(r *sql.Rows) error {
			vals, err := sliceScan(r)
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
			return err
		}, s.q(part.query))
		if err != nil {
			return "", fmt.Errorf("dump %s: %w", part.name, err)
		}
	}
	return b.String(), nil
}

// sliceScan reads a row whose columns vary by query: each dump prints its own.
func sliceScan(r *sql.Rows) ([]any, error) {
	cols, err := r.Columns()
	if err != nil {
		return nil, err
	}
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, r.Scan(ptrs...)
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

// Counts returns the number of rows in each table: for `status`, and for tests that prove a
// repeated sync changed nothing.
func (s *Store) Counts(ctx context.Context) (map[string]int64, error) {
	out, err := pairs[string, int64](ctx, s.db, s.q("CountRows"))
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	return out, nil
}
