package store

import (
	"bufio"
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
)

// The store's SQL lives in queries/*.sql, one file per table, as named queries:
//
//	-- name: FindCustomer
//	SELECT … FROM customers WHERE id = ?
//
// Placeholders are written ? and rebound for Postgres. A query that must differ between the
// engines is written again, under the same name, in queries/postgres/ or queries/sqlite/; that
// version wins on its engine, and a name found only there exists only on that engine. Every
// query is prepared against the live schema when a store opens (see checkQueries), so broken
// SQL fails at boot with its name and file.

//go:embed queries
var embeddedQueries embed.FS

// namedQuery is one query of a set, ready for one engine.
type namedQuery struct {
	Name string
	File string // where it was defined, for error messages
	Raw  string // with ? placeholders, for sqlx.In to expand
	SQL  string // Raw rebound for the engine
}

// querySet is every named query one engine uses.
type querySet map[string]namedQuery

// parseQueries reads "-- name: X" sections from one file. Other whole-line comments are
// dropped: sqlx rebinds every ?, even one in a comment, which would shift the numbering.
func parseQueries(file, text string) ([]namedQuery, error) {
	var (
		out  []namedQuery
		body strings.Builder
	)
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].Raw = strings.TrimSuffix(strings.TrimSpace(body.String()), ";")
		}
		body.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, ok := strings.CutPrefix(line, "-- name:"); ok {
			flush()
			out = append(out, namedQuery{Name: strings.TrimSpace(name), File: file})
			continue
		}
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: SQL before the first -- name: line", file)
		}
		body.WriteString(sc.Text() + "\n")
	}
	flush()
	for _, q := range out {
		if q.Name == "" || q.Raw == "" {
			return nil, fmt.Errorf("%s: query %q has no name or no SQL", file, q.Name)
		}
	}
	return out, sc.Err()
}

// loadQueries builds an engine's set from fsys: the shared *.sql files at its root, then the
// engine's directory, whose queries replace shared ones of the same name.
func loadQueries(fsys fs.FS, dialect Dialect) (querySet, error) {
	set := querySet{}
	for _, dir := range []string{".", string(dialect)} {
		files, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
		if err != nil {
			return nil, err
		}
		own := map[string]string{} // a name defined twice at one level is a mistake, not an override
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			qs, err := parseQueries(f, string(b))
			if err != nil {
				return nil, err
			}
			for _, q := range qs {
				if prev, dup := own[q.Name]; dup {
					return nil, fmt.Errorf("query %s defined in both %s and %s", q.Name, prev, f)
				}
				own[q.Name] = f
				q.SQL = q.Raw
				if dialect == Postgres {
					q.SQL = sqlx.Rebind(sqlx.DOLLAR, q.Raw)
				}
				set[q.Name] = q
			}
		}
	}
	return set, nil
}

// embeddedSets are the two engines' sets from the embedded files, loaded once per process.
var embeddedSets = map[Dialect]func() (querySet, error){
	Postgres: sync.OnceValues(func() (querySet, error) { return loadEmbedded(Postgres) }),
	SQLite:   sync.OnceValues(func() (querySet, error) { return loadEmbedded(SQLite) }),
}

func loadEmbedded(d Dialect) (querySet, error) {
	sub, err := fs.Sub(embeddedQueries, "queries")
	if err != nil {
		return nil, err
	}
	return loadQueries(sub, d)
}

// query returns the named query for this store's engine. A name missing from the files is a
// programming error that TestQueryNamesExist catches; it panics with the name.
func (s *Store) query(name string) namedQuery {
	qq, ok := s.queries[name]
	if !ok {
		panic("store: no query named " + name + " for " + string(s.dialect))
	}
	return qq
}

// q returns the named query's SQL, ready to run.
func (s *Store) q(name string) string { return s.query(name).SQL }

// in expands the named query's IN (?) placeholders over the slices in args and rebinds the
// result: lists of ids are only known at run time.
func (s *Store) in(name string, args ...any) (string, []any, error) {
	q, args, err := s.expand(s.query(name).Raw, args...)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	return q, args, nil
}

// expand is in for SQL text with ? placeholders (sqlx.In, then rebinding for the engine).
func (s *Store) expand(raw string, args ...any) (string, []any, error) {
	q, args, err := sqlx.In(raw, args...)
	return s.db.Rebind(q), args, err
}

// execIn runs a named query through in (see there) on db.
func (s *Store) execIn(ctx context.Context, db sqlx.ExecerContext, name string, args ...any) error {
	q, args, err := s.in(name, args...)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, q, args...)
	return err
}

// checkQueries prepares every query of the set against the live schema, so a typo or a missing
// column fails here, naming the query and its file, rather than when the query first runs.
// Preparing parses and plans without executing: nothing is read or written.
func (s *Store) checkQueries(ctx context.Context) error {
	names := slices.Sorted(maps.Keys(s.queries))
	if s.dialect == Postgres && s.prepareAll(ctx, names) == nil {
		return nil
	}
	conn, err := s.db.Conn(ctx) // one connection: no pool churn between prepares
	if err != nil {
		return fmt.Errorf("check queries: %w", err)
	}
	defer conn.Close()
	var errs []string
	for _, name := range names {
		qq := s.queries[name]
		st, err := conn.PrepareContext(ctx, qq.SQL)
		if err != nil {
			errs = append(errs, fmt.Sprintf("query %s (%s): %v", name, qq.File, err))
			continue
		}
		st.Close()
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d named queries do not fit the %s schema:\n%s", len(errs), s.dialect, strings.Join(errs, "\n"))
	}
	return nil
}

// prepareAll is the Postgres fast path of checkQueries: every query as a PREPARE statement in
// one round trip, instead of two per query (prepare and close), which cost ~50 ms per Open. It
// cannot say which query failed; on an error checkQueries prepares them one by one to find out.
func (s *Store) prepareAll(ctx context.Context, names []string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var b strings.Builder
	for i, name := range names {
		fmt.Fprintf(&b, "PREPARE advocate_check_%d AS %s;\n", i, s.queries[name].SQL)
	}
	for i := range names {
		fmt.Fprintf(&b, "DEALLOCATE advocate_check_%d;\n", i)
	}
	_, err = conn.ExecContext(ctx, b.String()) // no arguments: one simple-protocol message
	if err != nil {
		// Statements prepared before the error outlive it; the connection is dropped from the
		// pool rather than cleaned (returning ErrBadConn from Raw discards it).
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}
