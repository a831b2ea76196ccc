package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bulk writes of a million rows through database/sql's COPY (one Exec per row) spend more time
// converting and boxing arguments than Postgres spends storing the rows. copyText streams rows
// the caller formats itself — COPY's text format, one line per row — through lib/pq's CopyData,
// on the connection of an open transaction.

// copyDataer is lib/pq's COPY statement: CopyData adds one line, Exec(nil) ends the copy.
type copyDataer interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// rawConn is what copyText needs of a database/sql connection: Raw (sql.Conn has it).
type rawConn interface {
	Raw(func(driverConn any) error) error
}

// copyText runs `COPY table (cols) FROM STDIN` on conn, which must be inside a transaction,
// with the lines next returns until it returns false. Each line is one row in COPY's text
// format (appendCopyText escapes a field), without the newline.
func copyText(ctx context.Context, conn rawConn, table, cols string, next func(buf []byte) ([]byte, bool)) error {
	return conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("copy: the Postgres driver cannot prepare statements")
		}
		st, err := prep.PrepareContext(ctx, `COPY `+table+` (`+cols+`) FROM STDIN`)
		if err != nil {
			return err
		}
		ci, ok := st.(copyDataer)
		if !ok {
			st.Close()
			return fmt.Errorf("copy: the Postgres driver's COPY statement is a %T, without CopyData", st)
		}
		var buf []byte
		for n := 0; ; n++ {
			var more bool
			if buf, more = next(buf[:0]); !more {
				break
			}
			// CopyData watches a cancellable context with a goroutine per call: check it here
			// every few thousand rows instead.
			if n%4096 == 0 && ctx.Err() != nil {
				ci.Close()
				return ctx.Err()
			}
			if _, err := ci.CopyData(context.Background(), string(buf)); err != nil {
				ci.Close()
				return err
			}
		}
		//lint:ignore SA1019 a COPY statement ends with an Exec without values (lib/pq)
		if _, err := ci.Exec(nil); err != nil { //nolint:staticcheck
			ci.Close()
			return err
		}
		return ci.Close()
	})
}

// copyEscaper escapes what COPY's text format treats specially inside a field.
var copyEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// appendCopyText appends s as one field of a COPY text line.
func appendCopyText(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\t\n\r") {
		return append(b, s...)
	}
	return append(b, copyEscaper.Replace(s)...)
}

// appendCopyValue appends one field of the types ingest writes.
func appendCopyValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case string:
		return appendCopyText(b, v), nil
	case time.Time:
		return v.UTC().AppendFormat(b, time.RFC3339Nano), nil
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case bool:
		if v {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	}
	return b, fmt.Errorf("no COPY text form for %T", v)
}
