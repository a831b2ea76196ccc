package store

import (
	"context"
	"io/fs"
)

// OpenWithQueries opens a store whose named queries come from fsys: tests inject a broken set.
func OpenWithQueries(ctx context.Context, dsn string, fsys fs.FS) (*Store, error) {
	return open(ctx, dsn, fsys)
}

// EmbeddedQueries is the query files the store ships with.
func EmbeddedQueries() fs.FS {
	sub, err := fs.Sub(embeddedQueries, "queries")
	if err != nil {
		panic(err)
	}
	return sub
}

// DSN is what the store was opened with.
func (s *Store) DSN() string { return s.path }

// CheckQueries runs the check Open runs, for timing it.
func (s *Store) CheckQueries(ctx context.Context) error { return s.checkQueries(ctx) }

// QueryCount is how many named queries the store checks.
func (s *Store) QueryCount() int { return len(s.queries) }

// MigrateTo applies the embedded migrations up to version: tests of a migration's backfill
// write data in the schema before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrations()
	if err == nil {
		_, err = p.UpTo(ctx, version)
	}
	return err
}

// StepConnSetting shows a server setting on one of w's step connections (Postgres).
func (w *OutboxSender) StepConnSetting(ctx context.Context, name string) (string, error) {
	sc := <-w.conns
	defer func() { w.conns <- sc }()
	var v string
	err := sc.c.QueryRowContext(ctx, "SHOW "+name).Scan(&v)
	return v, err
}
