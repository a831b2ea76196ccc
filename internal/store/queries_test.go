package store_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// brokenQueries is the shipped query set plus one query that names a column no table has.
func brokenQueries(t *testing.T) fs.FS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(store.EmbeddedQueries(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.EmbeddedQueries(), p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["typo.sql"] = &fstest.MapFile{Data: []byte("-- name: CustomerTypo\nSELECT id, nmae FROM customers WHERE id = ?\n")}
	return fsys
}

// A query that does not fit the schema fails the boot — Open on a migrated database, Migrate
// on a new one — with the query's name and file, on both engines.
func TestBrokenQueryFailsAtBoot(t *testing.T) {
	ctx := context.Background()
	for _, e := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "advocate.db") }},
		{"postgres", func(t *testing.T) string { return storetest.SchemaDSN(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			st, err := store.OpenWithQueries(ctx, dsn, brokenQueries(t))
			if err != nil {
				t.Fatalf("open on an empty database must not check yet: %v", err)
			}
			_, err = st.Migrate(ctx)
			st.Close()
			if err == nil || !strings.Contains(err.Error(), "CustomerTypo (typo.sql)") || !strings.Contains(err.Error(), "nmae") {
				t.Fatalf("Migrate with a broken query: err = %v, want one naming CustomerTypo, typo.sql and the column", err)
			}
			// The schema is now current: Open itself checks.
			if st, err = store.OpenWithQueries(ctx, dsn, brokenQueries(t)); err == nil {
				st.Close()
				t.Fatal("Open with a broken query succeeded")
			} else if !strings.Contains(err.Error(), "CustomerTypo (typo.sql)") {
				t.Fatalf("Open: err = %v, want one naming CustomerTypo and typo.sql", err)
			}
			st, err = store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("the shipped queries fit the migrated schema: %v", err)
			}
			st.Close()
		})
	}
}

// TestOpenCheckCost times opening a migrated store, which prepares every named query: tests
// open hundreds of stores, so the check must stay cheap.
func TestOpenCheckCost(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		dsn := s.DSN()
		const n = 10
		start := time.Now()
		for range n {
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		}
		per := time.Since(start) / n
		start = time.Now()
		for range n {
			if err := s.CheckQueries(ctx); err != nil {
				t.Fatal(err)
			}
		}
		check := time.Since(start) / n
		t.Logf("%s: Open of a migrated store %v, of which preparing the %d named queries %v", s.Dialect(), per, s.QueryCount(), check)
		if per > 500*time.Millisecond {
			t.Errorf("Open takes %v", per)
		}
	})
}
