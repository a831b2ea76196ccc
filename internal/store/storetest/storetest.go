// Package storetest opens isolated stores for tests: a fresh SQLite file, or a fresh schema in
// the test Postgres database, migrated and dropped when the test ends. Every package whose
// tests touch the database uses it, so every such test runs on both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/advocate-hq/advocate/internal/store"
)

// DefaultPostgresURL is used when ADVOCATE_TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns the server tests use.
func PostgresURL() string {
	if u := os.Getenv("ADVOCATE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var (
	pgOnce sync.Once
	pgErr  error
)

// SQLite opens a migrated store on a new SQLite file in the test's temp dir.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return openMigrated(tb, filepath.Join(tb.TempDir(), "advocate.db"))
}

// Postgres opens a migrated store on a schema of its own in the test database. Without a server
// it skips loudly, or fails when ADVOCATE_REQUIRE_POSTGRES=1 (as in CI).
func Postgres(tb testing.TB) *store.Store {
	tb.Helper()
	dsn := SchemaDSN(tb)
	return openMigrated(tb, dsn)
}

// SchemaDSN creates an empty schema for this test (dropped at cleanup) and returns a DSN whose
// search_path points at it.
func SchemaDSN(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL()
	pgOnce.Do(func() {
		db, err := sql.Open("postgres", base)
		if err == nil {
			err = db.PingContext(context.Background())
			db.Close()
		}
		pgErr = err
	})
	if pgErr != nil {
		if os.Getenv("ADVOCATE_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("Postgres is required (ADVOCATE_REQUIRE_POSTGRES=1) but %s does not answer: %v", store.Redact(base), pgErr)
		}
		tb.Skipf("SKIPPING POSTGRES TEST: no server at %s (%v). Set ADVOCATE_TEST_DATABASE_URL or start Postgres.", store.Redact(base), pgErr)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	db, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Logf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openMigrated(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// Engine names a database engine and opens an isolated store on it.
type Engine struct {
	Name string
	Open func(testing.TB) *store.Store
}

// Engines lists every engine the store supports; store tests range over it.
var Engines = []Engine{{"sqlite", SQLite}, {"postgres", Postgres}}

// Each runs fn as a subtest on every engine.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.Open(t)) })
	}
}
