package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"unsafe"

	"github.com/jackc/pgx/v5/pgconn"
)

// Whole-base reads (every customer's attributes, every current signal row) move a million rows
// for one score run. Through database/sql and lib/pq each text column of each row arrives as a
// newly allocated string: at a million customers that was 1.6–2.1 s of client CPU for the
// signals alone, against 0.4–0.5 s reading the same rows with pgx's low-level pgconn, which
// hands out each row's columns as views of its read buffer (measured side by side on the same
// table; see BenchmarkScan). So on Postgres these scans open a connection of their own through
// pgconn; everything else stays on the pooled lib/pq connections.

// scanRaw runs the named whole-base query (no parameters) and calls fn with each row's columns.
// The column bytes are valid only until fn returns: copy what you keep. NULL is nil.
func (s *Store) scanRaw(ctx context.Context, name string, fn func(cols [][]byte) error) error {
	query := s.q(name)
	if s.dialect == Postgres {
		conn, err := pgconn.Connect(ctx, s.path)
		if err == nil {
			defer conn.Close(context.Background())
			return scanPgconn(ctx, conn, query, fn)
		}
		// A DSN option pgconn does not understand (lib/pq accepts a few of its own) must not
		// stop scoring: read through the pool instead, only slower.
		warnPgconnOnce.Do(func() {
			slog.Warn("whole-base reads fall back to the slower lib/pq path", "err", err)
		})
	}
	var cols [][]byte
	var dest []any
	return each(ctx, s.db, func(r *sql.Rows) error {
		if dest == nil {
			n, err := r.Columns()
			if err != nil {
				return err
			}
			// Strings, not []byte or sql.RawBytes: both drivers hand text columns over as new
			// strings, which a string destination takes as they are and a byte one copies again.
			strs := make([]sql.NullString, len(n))
			dest, cols = make([]any, len(n)), make([][]byte, len(n))
			for i := range strs {
				dest[i] = &strs[i]
			}
		}
		if err := r.Scan(dest...); err != nil {
			return err
		}
		for i, d := range dest {
			ns := d.(*sql.NullString)
			cols[i] = nil
			if ns.Valid {
				cols[i] = bytesOf(ns.String)
			}
		}
		return fn(cols)
	}, query)
}

var warnPgconnOnce sync.Once

func scanPgconn(ctx context.Context, conn *pgconn.PgConn, query string, fn func(cols [][]byte) error) error {
	rr := conn.ExecParams(ctx, query, nil, nil, nil, nil)
	for rr.NextRow() {
		if err := fn(rr.Values()); err != nil {
			return err // the deferred Close drops the connection with the rest of the rows
		}
	}
	if _, err := rr.Close(); err != nil {
		return fmt.Errorf("read rows: %w", err)
	}
	return nil
}

// view is b as a string without copying: for lookups and for callbacks whose strings are
// documented as valid only during the call.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
