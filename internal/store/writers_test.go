package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// twoHandles opens two stores on one database, as the CLI and `serve` (or two replicas) do.
func twoHandles(t *testing.T, engine string) (a, b *store.Store) {
	t.Helper()
	ctx := context.Background()
	dsn := t.TempDir() + "/advocate.db"
	if engine == "postgres" {
		dsn = storetest.SchemaDSN(t)
	}
	for _, s := range []**store.Store{&a, &b} {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		*s = st
	}
	return a, b
}

// noErrors fails the test if errs (closed) carried any, showing the first few.
func noErrors(t *testing.T, errs <-chan error, writes int) {
	t.Helper()
	n := 0
	for err := range errs {
		if n++; n <= 3 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Errorf("%d of %d writes failed, want 0", n, writes)
	}
}

// Concurrent writers are normal: a CLI `sync` and `score` writing while `serve` takes pushes,
// each through its own handle on the same database. Before write transactions began IMMEDIATE,
// SQLite failed most of these in milliseconds with "database is locked (517)".
func TestConcurrentWritersOnOneDatabase(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cli, srv := twoHandles(t, engine)
			ctx := context.Background()
			const rounds = 30
			var wg sync.WaitGroup
			errs := make(chan error, 3*rounds)
			page := func(source string, i int) connectors.Page {
				ref := connectors.Ref{ExternalID: fmt.Sprint(i % 7), Domain: fmt.Sprintf("c%d.example", i%7)}
				return connectors.Page{
					Customers: []connectors.Customer{{Ref: ref, Name: fmt.Sprintf("C%d", i%7)}},
					Contacts:  []connectors.Contact{{Customer: ref, Email: fmt.Sprintf("p%d@c%d.example", i%3, i%7)}},
					Signals:   []connectors.Signal{{Customer: ref, Name: "nps", Value: float64(i % 11), ObservedAt: t0.Add(time.Duration(i) * time.Minute)}},
				}
			}
			writer := func(s *store.Store, source string, score bool) {
				defer wg.Done()
				for i := range rounds {
					if _, err := s.CommitPage(ctx, source, 0, page(source, i)); err != nil {
						errs <- fmt.Errorf("%s commit %d: %w", source, i, err)
					}
					if !score {
						continue
					}
					sc := []store.Score{{CustomerID: "c_x", Score: float64(i), Eligible: true}}
					if _, err := s.SaveScoreRun(ctx, "m", sc); err != nil {
						errs <- fmt.Errorf("score run %d: %w", i, err)
					}
				}
			}
			wg.Add(2)
			go writer(cli, "csv", true)
			go writer(srv, "pushed", false)
			wg.Wait()
			close(errs)
			noErrors(t, errs, 3*rounds)
			cs, err := srv.Customers(ctx)
			if err != nil || len(cs) != 7 {
				t.Errorf("customers = %d (err %v), want 7", len(cs), err)
			}
		})
	}
}

// Replicas taking pushes, or two connectors syncing, that first mention one new domain at once
// create it once, and none of them fails (Postgres answered duplicate key on customers_pkey).
func TestConcurrentFirstMentionCreatesOneCustomer(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a, b := twoHandles(t, engine)
			ctx := context.Background()
			const writers, rounds = 8, 5
			var wg sync.WaitGroup
			errs := make(chan error, writers*rounds)
			for w := range writers {
				s, source := a, "crm"
				if w%2 == 1 {
					s, source = b, "billing"
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range rounds {
						ref := connectors.Ref{ExternalID: fmt.Sprint("x", w), Domain: "new.example"}
						p := connectors.Page{
							Customers: []connectors.Customer{{Ref: ref, Name: "New", Attributes: map[string]string{fmt.Sprint("k", w): "v"}}},
							Contacts:  []connectors.Contact{{Customer: ref, Email: "a@new.example"}, {Customer: ref, Email: fmt.Sprintf("w%d@new.example", w)}},
							Signals:   []connectors.Signal{{Customer: ref, Name: "nps", Value: 9, ObservedAt: t0.Add(time.Duration(i) * time.Hour)}},
						}
						if _, err := s.CommitPage(ctx, source, 0, p); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			noErrors(t, errs, writers*rounds)
			cs, err := a.Customers(ctx)
			if err != nil || len(cs) != 1 {
				t.Fatalf("customers = %+v (err %v), want exactly one", cs, err)
			}
			if len(cs[0].Attributes) != writers {
				t.Errorf("attributes = %v, want every writer's key merged", cs[0].Attributes)
			}
		})
	}
}

// A DSN that is neither Postgres nor an SQLite path is an error naming the accepted forms: never
// a file named after it, and never an error or file name that repeats its password.
func TestOpenRejectsUnknownDSNs(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		"mysql://u:hunter2@db/x",
		"host=db.internal user=adv password=hunter2 dbname=adv",
		"sqlserver://sa:hunter2@db",
		"advocate",
		"hunter2@db",
	} {
		t.Run(dsn, func(t *testing.T) {
			t.Chdir(dir)
			s, err := store.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			msg := err.Error()
			if !strings.Contains(msg, "postgres://") || !strings.Contains(msg, ".sqlite3") {
				t.Errorf("error %q does not name the accepted forms", msg)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q echoes the password", msg)
			}
			if ents, _ := os.ReadDir(dir); len(ents) > 0 {
				t.Errorf("files created: %v", ents)
			}
		})
	}
	for _, dsn := range []string{"a.db", "sub/b.sqlite", "c.SQLITE3", "file:d.db?_pragma=foreign_keys(1)", "e.db?_pragma=busy_timeout(100)"} {
		if _, err := store.CheckDSN(dsn); err != nil {
			t.Errorf("CheckDSN(%q) = %v, want accepted", dsn, err)
		}
	}
}

// The store is the last line behind the push API and CSV files: an observation outside its
// signal's range, or dated year 1, is skipped with a problem, never stored.
func TestCommitPageSkipsOutOfRangeSignals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acme := connectors.Ref{Domain: "acme.io"}
		res := commit(t, s, "crm", connectors.Page{Signals: []connectors.Signal{
			{Customer: acme, Name: "nps", Value: 1e308, ObservedAt: t0},
			{Customer: acme, Name: "health_score", Value: -1, ObservedAt: t0},
			{Customer: acme, Name: "csat", Value: 90, ObservedAt: time.Time{}},
			{Customer: acme, Name: "tickets_90d", Value: 2, ObservedAt: t0},
		}})
		if res.Signals != 1 || len(res.Problems) != 3 {
			t.Errorf("stored %d, problems %v; want 1 stored and 3 problems", res.Signals, res.Problems)
		}
	})
}

// Pages from one source that observe different signals of one customer at once keep every
// observation: each merges into the stored row after the other, not over it.
func TestConcurrentPagesKeepEverySignal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acme := connectors.Ref{Domain: "acme.io"}
		commit(t, s, "pushed", connectors.Page{Customers: []connectors.Customer{{Ref: acme, Name: "Acme"}}})
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		start := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.CommitPage(ctx, "pushed", 0, connectors.Page{Signals: []connectors.Signal{
					{Customer: acme, Name: fmt.Sprintf("s%d", w), Value: float64(w), ObservedAt: t0}}})
				if err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		noErrors(t, errs, writers)
		c, _ := s.FindCustomer(ctx, "acme.io")
		if sig, err := s.LatestSignals(ctx, c.ID); err != nil || len(sig) != writers {
			t.Errorf("latest signals = %+v (err %v), want all %d", sig, err, writers)
		}
	})
}

// TestPathsMayContainEquals: a plain SQLite path with "=" in a folder name (Go's test temp dirs
// have them) is a path, not libpq keywords.
func TestPathsMayContainEquals(t *testing.T) {
	for _, dsn := range []string{"/tmp/BenchmarkX/workers=4/001/advocate.db", "data/a=b.sqlite3?_pragma=busy_timeout(5000)"} {
		if d, err := store.CheckDSN(dsn); err != nil || d != store.SQLite {
			t.Errorf("CheckDSN(%q) = %q, %v; want SQLite", dsn, d, err)
		}
	}
	if _, err := store.CheckDSN("host=db password=x dbname=y.db"); err == nil {
		t.Error("libpq keywords ending in .db were taken for a file name")
	}
}
