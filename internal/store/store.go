// Package store is Advocate's database: one API over Postgres (production; sqlx + lib/pq) and
// embedded SQLite (the zero-setup default; modernc.org/sqlite, pure Go). All SQL lives in this
// package, as named queries in queries/<table>.sql (see queries.go) checked against the schema
// at boot; only the bulk paths build SQL at run time. Every method owns its transaction, so a
// caller never sees half of a write. The Go files are named after the tables they serve.
//
// The two engines differ in a few places, all handled here: placeholders (queries are written
// with ? and rebound), bulk writes (COPY on Postgres, prepared statements in one transaction on
// SQLite), row locking (FOR UPDATE SKIP LOCKED on Postgres; SQLite has one writer) and a few
// functions (queries/postgres/ holds the Postgres versions of those queries).
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // Postgres driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // SQLite driver, pure Go

	"github.com/advocate-hq/advocate/migrations"
)

func init() {
	// sqlx does not know modernc's driver name; without this Rebind leaves ? alone, which is
	// right for SQLite but makes the intent explicit (TOOLCHAIN.md).
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect names the database engine behind a Store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db      *sqlx.DB
	dialect Dialect
	path    string // the DSN, identifying the database for process-local locks
	queries querySet
	checked bool // the queries were prepared against the current schema
	// Now is the clock; tests replace it. Each write transaction reads it once.
	Now func() time.Time
}

// IsPostgresDSN reports whether dsn selects Postgres.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// AcceptedDSNs words the database settings Open understands, for error messages.
const AcceptedDSNs = "postgres://… or postgresql://… (Postgres), a file: URI, or a path ending in .db, .sqlite or .sqlite3 (SQLite)"

// libpqKeywords recognises libpq's keyword=value form ("host=db password=…"): it starts with a
// keyword. A path may contain "=" (a test's temp dir does), so that alone proves nothing.
var libpqKeywords = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// CheckDSN reports whether Open would know which engine dsn selects. Anything else is an error
// naming the accepted forms, never a file named after the string; the error does not repeat the
// DSN, which may hold a password (mysql://u:secret@…, host=… password=…).
func CheckDSN(dsn string) (Dialect, error) {
	switch {
	case dsn == "":
		return "", errors.New("empty database DSN: want " + AcceptedDSNs)
	case IsPostgresDSN(dsn):
		return Postgres, nil
	case strings.HasPrefix(dsn, "file:"):
		return SQLite, nil
	}
	path, _, _ := strings.Cut(dsn, "?") // a plain path may carry driver options, as a file: URI does
	if strings.Contains(path, "://") || libpqKeywords.MatchString(path) {
		return "", errors.New("unsupported database DSN (a URL of another kind, or libpq keyword=value settings): want " + AcceptedDSNs)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".db", ".sqlite", ".sqlite3":
		return SQLite, nil
	}
	return "", errors.New("unsupported database DSN (not a file name ending in .db, .sqlite or .sqlite3): want " + AcceptedDSNs)
}

// Open connects to the database dsn names. It does not migrate; call Migrate. When the schema
// is already current, Open prepares every named query against it and fails, naming the query,
// if one does not fit; otherwise Migrate does so once it has brought the schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, nil)
}

// open is Open with the query files taken from fsys instead of the embedded ones (nil), so a
// test can prove that a broken query fails the open.
func open(ctx context.Context, dsn string, fsys fs.FS) (*Store, error) {
	dialect, err := CheckDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	var db *sqlx.DB
	if dialect == Postgres {
		db, err = sqlx.Open("postgres", dsn)
		if err == nil {
			db.SetMaxOpenConns(10)
			db.SetMaxIdleConns(10)
		}
	} else {
		var full string
		full, err = sqliteDSN(dsn)
		if err == nil {
			db, err = sqlx.Open("sqlite", full)
		}
		if err == nil {
			// SQLite has one writer; a single connection avoids SQLITE_BUSY between our own
			// goroutines, and WAL keeps readers in other processes unblocked.
			db.SetMaxOpenConns(1)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", dialect, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s store at %s: %w", dialect, Redact(dsn), err)
	}
	s := &Store{db: db, dialect: dialect, path: dsn, Now: time.Now}
	if fsys == nil {
		s.queries, err = embeddedSets[dialect]()
	} else {
		s.queries, err = loadQueries(fsys, dialect)
	}
	if err == nil && s.schemaCurrent(ctx) {
		err = s.checkQueries(ctx)
		s.checked = err == nil
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s store: %w", dialect, err)
	}
	return s, nil
}

// sqliteDSN turns a path or file: URI into a modernc DSN with the pragmas Advocate relies on:
// WAL, a busy timeout, foreign keys, and time values stored in SQLite's own format. Write
// transactions begin IMMEDIATE (_txlock): the CLI and `serve` may write to one file at once, and
// a deferred transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT
// (517) when another process committed in between, where an immediate one takes the write lock
// first and waits out the busy timeout. Read-only transactions stay deferred (the driver).
func sqliteDSN(dsn string) (string, error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path != ":memory:" && path != "" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", fmt.Errorf("create directory for %s: %w", path, err)
			}
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlite DSN %q: %w", dsn, err)
	}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		name, _, _ := strings.Cut(p, "(")
		present := false
		for _, have := range q["_pragma"] {
			if strings.HasPrefix(have, name) {
				present = true
			}
		}
		if !present {
			q.Add("_pragma", p)
		}
	}
	if q.Get("_time_format") == "" {
		q.Set("_time_format", "sqlite")
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

// Redact hides the password in a DSN so it can be logged.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

// Dialect reports which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the handle for benchmarks and tests in other packages; production code goes
// through Store methods.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Migrate applies every embedded migration not applied yet. It is idempotent, and safe to run
// from several processes at once on Postgres (goose takes an advisory lock).
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	p, err := s.migrations()
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	if !s.checked || len(results) > 0 {
		if err := s.checkQueries(ctx); err != nil {
			return len(results), fmt.Errorf("migrate %s: %w", s.dialect, err)
		}
		s.checked = true
	}
	return len(results), nil
}

// migrations is the goose provider of the dialect's embedded migrations.
func (s *Store) migrations() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, string(s.dialect))
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lockerForPostgres()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, s.db.DB, sub, opts...)
}

// schemaCurrent reports whether every embedded migration was applied (or a newer binary's
// too). A database that is new or behind is not an error here: Migrate is about to run.
func (s *Store) schemaCurrent(ctx context.Context) bool {
	var have sql.NullInt64
	if err := s.db.GetContext(ctx, &have, `SELECT MAX(version_id) FROM goose_db_version`); err != nil {
		return false // no version table yet
	}
	return have.Valid && have.Int64 >= latestMigration(s.dialect)
}

// latestMigration is the highest version number among the dialect's embedded migrations
// (files are named NNN_name.sql).
func latestMigration(d Dialect) int64 {
	names, _ := fs.Glob(migrations.FS, string(d)+"/*.sql")
	var top int64
	for _, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > top {
			top = v
		}
	}
	return top
}

// withTx runs fn in a transaction and commits it, or rolls back on error. On SQLite the
// transaction begins IMMEDIATE (see sqliteDSN), so a writer in another process makes it wait,
// up to the busy timeout, rather than fail.
func (s *Store) withTx(ctx context.Context, fn func(tx *sqlx.Tx, now time.Time) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx, s.Now().UTC()); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// withConnTxRetry is withTxRetry for work that also needs the transaction's connection itself
// (copyText streams COPY lines on it).
func (s *Store) withConnTxRetry(ctx context.Context, fn func(conn *sqlx.Conn, tx *sqlx.Tx, now time.Time) error) error {
	once := func() error {
		conn, err := s.db.Connx(ctx)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer conn.Close()
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		if err := fn(conn, tx, s.Now().UTC()); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	var err error
	for range txAttempts {
		if err = once(); err == nil || !concurrentConflict(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// txAttempts bounds withTxRetry.
const txAttempts = 4

// withTxRetry is withTx for work that reads what it is about to write and may safely run again
// from the start (fn resets its own results): when Postgres aborts the transaction because a
// concurrent one got there first — a unique key it was about to claim, a deadlock, a
// serialization failure — it runs again and reads the other's committed rows this time.
func (s *Store) withTxRetry(ctx context.Context, fn func(tx *sqlx.Tx, now time.Time) error) error {
	var err error
	for range txAttempts {
		if err = s.withTx(ctx, fn); err == nil || !concurrentConflict(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// concurrentConflict reports whether err is Postgres aborting a transaction for a clash with a
// concurrent one: unique_violation, serialization_failure or deadlock_detected.
func concurrentConflict(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "40001", "40P01":
		return true
	}
	return false
}

// queryer is what reads need of a *sqlx.DB or a *sqlx.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// each runs a query and calls fn for every row without keeping any: streams and maps are
// built on it. fn comes before the query so that the query's arguments can be variadic.
func each(ctx context.Context, db queryer, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pairs runs a two-column query into a map from the first column to the second.
func pairs[K comparable, V any](ctx context.Context, db queryer, query string, args ...any) (map[K]V, error) {
	out := map[K]V{}
	err := each(ctx, db, func(r *sql.Rows) error {
		var k K
		var v V
		err := r.Scan(&k, &v)
		out[k] = v
		return err
	}, query, args...)
	return out, err
}

// collect runs a query and scans every row into a slice.
func collect[T any](ctx context.Context, db queryer, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := each(ctx, db, func(r *sql.Rows) error {
		v, err := scan(r)
		out = append(out, v)
		return err
	}, query, args...)
	return out, err
}

// customerID derives a customer's id from the identity it was first seen by: stable across
// runs and engines, so re-running a sync on an empty database yields the same ids, and bulk
// loads need no round trip to learn them.
func customerID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "c_" + hex.EncodeToString(sum[:8])
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
