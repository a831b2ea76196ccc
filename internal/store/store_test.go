package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)

func commit(t *testing.T, s *store.Store, source string, p connectors.Page) store.PageResult {
	t.Helper()
	ctx := context.Background()
	run, _, err := s.BeginSyncRun(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.CommitPage(ctx, source, run, p)
	if err != nil {
		t.Fatalf("commit page: %v", err)
	}
	if err := s.FinishSyncRun(ctx, run, source, len(res.Problems), nil); err != nil {
		t.Fatal(err)
	}
	return res
}

func counts(t *testing.T, s *store.Store) map[string]int64 {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func samplePage() connectors.Page {
	acme := connectors.Ref{ExternalID: "101", Domain: "https://www.Acme.io/"}
	return connectors.Page{
		Customers: []connectors.Customer{
			{Ref: acme, Name: "Acme", Owner: "Maya@vendor.io", Attributes: map[string]string{"plan": "growth"}},
			{Ref: connectors.Ref{ExternalID: "102", Domain: "globex.com"}, Name: "Globex"},
		},
		Contacts: []connectors.Contact{
			{Customer: acme, Email: "Jo@Acme.io", Name: "Jo Park", Role: "VP CS", Champion: true},
			{Customer: connectors.Ref{Domain: "globex.com"}, Email: "hank@globex.com", Name: "Hank", OptedOut: true},
		},
		Signals: []connectors.Signal{
			{Customer: acme, Name: "nps", Value: 10, ObservedAt: t0},
			{Customer: acme, Name: "nps", Value: 7, ObservedAt: t0.Add(-30 * 24 * time.Hour)},
			{Customer: connectors.Ref{ExternalID: "102"}, Name: "tickets_90d", Value: 4, ObservedAt: t0},
		},
		Cursor: "sha256:abc",
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, err := s.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d (err %v), want 0", n, err)
		}
	})
}

func TestCommitPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		res := commit(t, s, "crm", samplePage())
		if res.CustomersCreated != 2 || res.Contacts != 2 || res.Signals != 3 || res.Unmatched != 0 {
			t.Fatalf("first commit = %+v", res)
		}
		c, err := s.FindCustomer(ctx, "acme.io")
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Acme" || c.Domain != "acme.io" || c.Owner != "maya@vendor.io" || c.Attributes["plan"] != "growth" {
			t.Errorf("customer = %+v", c)
		}
		byID, err := s.FindCustomer(ctx, c.ID)
		if err != nil || byID.ID != c.ID {
			t.Errorf("find by id: %v %v", byID.ID, err)
		}
		sig, err := s.LatestSignals(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 1 || sig[0].Value != 10 || !sig[0].ObservedAt.Equal(t0) || sig[0].Source != "crm" {
			t.Errorf("latest signals = %+v, want nps 10 from crm", sig)
		}
		hist, _ := s.SignalHistory(ctx, c.ID, "nps")
		if len(hist) != 2 || hist[0].Value != 7 {
			t.Errorf("history = %+v, want 7 then 10", hist)
		}
		contacts, _ := s.Contacts(ctx, c.ID)
		if got := contacts[c.ID]; len(got) != 1 || got[0].Email != "jo@acme.io" || !got[0].Champion {
			t.Errorf("contacts = %+v", got)
		}
		st, _ := s.SyncStates(ctx)
		if st["crm"].Cursor != "sha256:abc" || st["crm"].LastSuccessAt == nil {
			t.Errorf("sync state = %+v", st["crm"])
		}
	})
}

func TestCommitPageTwiceChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		commit(t, s, "crm", samplePage())
		before := counts(t, s)
		first, _ := s.FindCustomer(context.Background(), "acme.io")
		s.Now = func() time.Time { return t0.Add(time.Hour) }
		res := commit(t, s, "crm", samplePage())
		if res.CustomersCreated != 0 || res.CustomersUpdated != 0 || res.Signals != 0 {
			t.Errorf("second commit = %+v, want nothing new", res)
		}
		after := counts(t, s)
		for table, n := range before {
			if table == "sync_runs" {
				continue
			}
			if after[table] != n {
				t.Errorf("%s: %d rows after re-sync, %d before", table, after[table], n)
			}
		}
		again, _ := s.FindCustomer(context.Background(), "acme.io")
		if !again.UpdatedAt.Equal(first.UpdatedAt) {
			t.Errorf("updated_at moved on an unchanged re-sync: %v -> %v", first.UpdatedAt, again.UpdatedAt)
		}
	})
}

func TestIdentityMergesSourcesByDomain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		// Another tool knows Acme by its own id and a differently written domain.
		res := commit(t, s, "support", connectors.Page{
			Customers: []connectors.Customer{{Ref: connectors.Ref{ExternalID: "org-9", Domain: "acme.io."}, Attributes: map[string]string{"industry": "fintech"}}},
		})
		if res.CustomersCreated != 0 || res.CustomersUpdated != 1 {
			t.Fatalf("support commit = %+v, want a merge into the existing customer", res)
		}
		// Later pages from that tool name the customer by its id only.
		res = commit(t, s, "support", connectors.Page{
			Signals: []connectors.Signal{{Customer: connectors.Ref{ExternalID: "org-9"}, Name: "tickets_90d", Value: 2, ObservedAt: t0}},
		})
		if res.Signals != 1 || res.Unmatched != 0 {
			t.Fatalf("signal by external id = %+v", res)
		}
		all, _ := s.Customers(ctx)
		if len(all) != 2 {
			t.Fatalf("%d customers, want 2 (no duplicate for acme.io)", len(all))
		}
		c, _ := s.FindCustomer(ctx, "acme.io")
		if c.Attributes["industry"] != "fintech" || c.Attributes["plan"] != "growth" {
			t.Errorf("attributes not merged: %v", c.Attributes)
		}
		sig, _ := s.LatestSignals(ctx, c.ID)
		if len(sig) != 2 {
			t.Errorf("latest signals = %+v, want nps from crm and tickets from support", sig)
		}
	})
}

func TestUnknownExternalIDIsUnmatchedNotCreated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		res := commit(t, s, "nps", connectors.Page{
			Signals:  []connectors.Signal{{Customer: connectors.Ref{ExternalID: "nobody"}, Name: "nps", Value: 9, ObservedAt: t0}},
			Contacts: []connectors.Contact{{Customer: connectors.Ref{ExternalID: "nobody"}, Email: "a@b.io"}},
		})
		if res.Unmatched != 2 || res.Signals != 0 {
			t.Errorf("result = %+v, want 2 unmatched", res)
		}
		if n := counts(t, s)["customers"]; n != 0 {
			t.Errorf("%d customers created from an unknown id", n)
		}
	})
}

func TestLatestSignalKeepsNewestObservation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ref := connectors.Ref{Domain: "acme.io"}
		commit(t, s, "nps", connectors.Page{Signals: []connectors.Signal{{Customer: ref, Name: "nps", Value: 9, ObservedAt: t0}}})
		// An older answer arriving late goes to history but does not replace the current value.
		commit(t, s, "nps", connectors.Page{Signals: []connectors.Signal{{Customer: ref, Name: "nps", Value: 3, ObservedAt: t0.Add(-time.Hour)}}})
		c, _ := s.FindCustomer(ctx, "acme.io")
		sig, _ := s.LatestSignals(ctx, c.ID)
		if len(sig) != 1 || sig[0].Value != 9 {
			t.Fatalf("latest = %+v, want 9", sig)
		}
		commit(t, s, "nps", connectors.Page{Signals: []connectors.Signal{{Customer: ref, Name: "nps", Value: 6, ObservedAt: t0.Add(time.Hour)}}})
		sig, _ = s.LatestSignals(ctx, c.ID)
		if sig[0].Value != 6 {
			t.Errorf("latest = %v, want 6", sig[0].Value)
		}
		if h, _ := s.SignalHistory(ctx, c.ID, "nps"); len(h) != 3 {
			t.Errorf("history has %d rows, want 3", len(h))
		}
	})
}

// A large page takes the bulk path (COPY on Postgres); it must behave like the small one.
func TestBulkPageIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var p connectors.Page
		for i := range 400 {
			ref := connectors.Ref{Domain: fmt.Sprintf("c%03d.example.com", i)}
			for d := range 3 {
				p.Signals = append(p.Signals, connectors.Signal{Customer: ref, Name: "product_events_30d", Value: float64(i*10 + d), ObservedAt: t0.AddDate(0, 0, -d)})
			}
		}
		res := commit(t, s, "usage", p)
		if res.CustomersCreated != 400 || res.Signals != 1200 {
			t.Fatalf("bulk commit = %+v", res)
		}
		res = commit(t, s, "usage", p)
		if res.Signals != 0 || res.CustomersCreated != 0 {
			t.Fatalf("bulk re-commit = %+v, want nothing new", res)
		}
		c := counts(t, s)
		if c["signals"] != 400 || c["signal_history"] != 1200 {
			t.Errorf("signals %d history %d, want 400 and 1200", c["signals"], c["signal_history"])
		}
		sig, _ := s.LatestSignals(context.Background(), "")
		for _, v := range sig {
			if !v.ObservedAt.Equal(t0) {
				t.Fatalf("latest for %s observed %v, want the newest %v", v.CustomerID, v.ObservedAt, t0)
			}
		}
	})
}

func TestOptOutIsSticky(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ref := connectors.Ref{Domain: "acme.io"}
		commit(t, s, "crm", connectors.Page{Contacts: []connectors.Contact{{Customer: ref, Email: "jo@acme.io", OptedOut: true}}})
		commit(t, s, "sheet", connectors.Page{Contacts: []connectors.Contact{{Customer: ref, Email: "JO@acme.io", Name: "Jo"}}})
		all, _ := s.Contacts(context.Background(), "")
		for _, cs := range all {
			if len(cs) != 1 || !cs[0].OptedOut || cs[0].Name != "Jo" {
				t.Errorf("contact = %+v, want opted out with name Jo", cs)
			}
		}
	})
}

func TestFailedRunKeepsCursorAndCountsFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		run, cursor, err := s.BeginSyncRun(ctx, "crm")
		if err != nil || cursor != "sha256:abc" {
			t.Fatalf("resume cursor = %q (%v)", cursor, err)
		}
		if err := s.FinishSyncRun(ctx, run, "crm", 0, errors.New("HTTP 500 from /companies")); err != nil {
			t.Fatal(err)
		}
		st, _ := s.SyncStates(ctx)
		if st["crm"].Cursor != "sha256:abc" || st["crm"].ConsecutiveFailures != 1 || st["crm"].LastError == "" || st["crm"].LastSuccessAt == nil {
			t.Errorf("state after failure = %+v", st["crm"])
		}
		last, err := s.LastSyncRun(ctx, "crm")
		if err != nil || last.Status != "failed" || last.FinishedAt == nil {
			t.Errorf("last run = %+v (%v)", last, err)
		}
	})
}

func TestCancelledCommitWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		run, _, _ := s.BeginSyncRun(context.Background(), "crm")
		cancel()
		if _, err := s.CommitPage(ctx, "crm", run, samplePage()); err == nil {
			t.Fatal("commit with a cancelled context succeeded")
		}
		if n := counts(t, s)["customers"]; n != 0 {
			t.Errorf("%d customers half-written", n)
		}
	})
}

func TestFindCustomerNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		_, err := s.FindCustomer(context.Background(), "nope.io")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestScoresShortlistsDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		acme, _ := s.FindCustomer(ctx, "acme.io")
		globex, _ := s.FindCustomer(ctx, "globex.com")
		if _, err := s.LatestScoreRun(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("latest run on empty store: %v", err)
		}
		run, err := s.SaveScoreRun(ctx, "h1", []store.Score{
			{CustomerID: acme.ID, Rank: 1, Score: 91.5, Confidence: 1, Eligible: true, Reasons: []string{"NPS 10 — promoter"},
				Contributions: []store.Contribution{{Signal: "nps", Value: 10, Present: true, Points: 30}}},
			{CustomerID: globex.ID, Rank: 2, Score: 12, Confidence: 0.5, FailedGates: []string{"nps >= 9 (nps missing)"}},
		})
		if err != nil || run.Eligible != 1 {
			t.Fatalf("save run = %+v, %v", run, err)
		}
		latest, _ := s.LatestScoreRun(ctx)
		scores, err := s.Scores(ctx, latest.ID)
		if err != nil || len(scores) != 2 || scores[0].CustomerID != acme.ID || scores[0].Contributions[0].Points != 30 || scores[1].FailedGates[0] == "" {
			t.Fatalf("scores = %+v, %v", scores, err)
		}
		hist, _ := s.ScoreHistory(ctx, acme.ID, 5)
		if len(hist) != 1 || hist[0].Score != 91.5 {
			t.Errorf("history = %+v", hist)
		}

		entries := []store.ShortlistEntry{{CustomerID: acme.ID, Rank: 1, Score: 91.5, ContactEmail: "jo@acme.io", Reasons: []string{"x"}}}
		if _, err := s.SaveShortlist(ctx, "2026-W47", run.ID, entries); err != nil {
			t.Fatal(err)
		}
		// Rebuilding an unposted week replaces it.
		if _, err := s.SaveShortlist(ctx, "2026-W47", run.ID, entries); err != nil {
			t.Fatal(err)
		}
		sl, err := s.GetShortlist(ctx, "2026-W47")
		if err != nil || len(sl.Entries) != 1 || sl.Entries[0].ContactEmail != "jo@acme.io" {
			t.Fatalf("shortlist = %+v, %v", sl, err)
		}

		until := t0.AddDate(0, 0, 30)
		s.RecordDecision(ctx, store.Decision{CustomerID: acme.ID, Kind: "skip", DecidedBy: "maya@vendor.io"})
		s.RecordDecision(ctx, store.Decision{CustomerID: acme.ID, Kind: "snooze", Until: &until})
		if _, err := s.RecordDecision(ctx, store.Decision{CustomerID: acme.ID, Kind: "maybe"}); err == nil {
			t.Error("unknown decision kind accepted")
		}
		ds, _ := s.LatestDecisions(ctx)
		if d := ds[acme.ID]; d.Kind != "snooze" || d.Until == nil || !d.Until.Equal(until) {
			t.Errorf("decision in force = %+v, want the snooze", d)
		}
	})
}

func TestTryLockIsExclusiveAcrossHandles(t *testing.T) {
	for _, e := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() + "/advocate.db" }},
		{"postgres", func(t *testing.T) string { return storetest.SchemaDSN(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.dsn(t)
			a, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := store.Open(ctx, dsn) // a second replica
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			release, ok, err := a.TryLock(ctx, "sync:crm")
			if err != nil || !ok {
				t.Fatalf("first lock: ok=%v err=%v", ok, err)
			}
			if _, ok, _ := b.TryLock(ctx, "sync:crm"); ok {
				t.Fatal("a second replica took a lock that is held")
			}
			if rel, ok, _ := b.TryLock(ctx, "sync:support"); !ok {
				t.Error("a different job's lock was not free")
			} else {
				rel()
			}
			release()
			rel, ok, _ := b.TryLock(ctx, "sync:crm")
			if !ok {
				t.Fatal("the lock was not free after release")
			}
			rel()
		})
	}
}

func TestEnrollIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		c, _ := s.FindCustomer(ctx, "acme.io")
		e1, created, err := s.Enroll(ctx, c.ID, "jo@acme.io", "default")
		if err != nil || !created || e1.Status != "active" {
			t.Fatalf("enroll = %+v %v %v", e1, created, err)
		}
		e2, created, err := s.Enroll(ctx, c.ID, "jo@acme.io", "default")
		if err != nil || created || e2.ID != e1.ID {
			t.Errorf("second enroll = %+v created=%v, want the same enrollment", e2, created)
		}
		if err := s.SetEnrollmentStatus(ctx, e1.ID, "paused"); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Enrollments(ctx, "paused"); len(list) != 1 || list[0].ID != e1.ID {
			t.Errorf("paused = %+v", list)
		}
		if err := s.SetEnrollmentStatus(ctx, e1.ID, "exploded"); err == nil {
			t.Error("unknown status accepted")
		}
	})
}

func TestPruneScoreRunsKeepsRecentAndWeekly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		acme, _ := s.FindCustomer(ctx, "acme.io")
		// Two runs a day for 30 days.
		var ids []int64
		for d := 30; d >= 0; d-- {
			for _, h := range []int{9, 15} {
				at := t0.AddDate(0, 0, -d).Add(time.Duration(h) * time.Hour)
				s.Now = func() time.Time { return at }
				run, err := s.SaveScoreRun(ctx, "h", []store.Score{{CustomerID: acme.ID, Rank: 1, Score: float64(d)}})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, run.ID)
			}
		}
		s.Now = func() time.Time { return t0.Add(16 * time.Hour) }
		n, err := s.PruneScoreRuns(ctx, store.Retention{Recent: 8 * 24 * time.Hour, Weekly: 365 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("nothing pruned")
		}
		hist, _ := s.ScoreHistory(ctx, acme.ID, 1000)
		recent, weekly := 0, map[string]bool{}
		for _, h := range hist {
			if t0.Add(16*time.Hour).Sub(h.CreatedAt) < 8*24*time.Hour {
				recent++
				continue
			}
			y, w := h.CreatedAt.ISOWeek()
			key := fmt.Sprint(y, w)
			if weekly[key] {
				t.Errorf("two old runs kept in week %s", key)
			}
			weekly[key] = true
		}
		if recent < 15 || len(weekly) < 3 {
			t.Errorf("kept %d recent runs and %d weekly ones; want the last 8 days in full and one per older week", recent, len(weekly))
		}
		if latest, _ := s.LatestScoreRun(ctx); latest.ID != ids[len(ids)-1] {
			t.Error("the newest run was pruned")
		}
	})
}

// Rows that look new but are not (here: history present, latest row gone) make the direct COPY
// fail; the savepoint fallback must store the page exactly once anyway.
func TestFreshCopyFallsBackToUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var p connectors.Page
		for i := range 300 {
			p.Signals = append(p.Signals, connectors.Signal{Customer: connectors.Ref{Domain: fmt.Sprintf("f%03d.example.com", i)},
				Name: "nps", Value: float64(i % 11), ObservedAt: t0})
		}
		commit(t, s, "nps", p)
		before, _ := s.Dump(context.Background())
		if _, err := s.DB().Exec(`DELETE FROM signals`); err != nil {
			t.Fatal(err)
		}
		commit(t, s, "nps", p) // history rows exist: the direct COPY conflicts and falls back
		if after, _ := s.Dump(context.Background()); after != before {
			t.Errorf("after the fallback the store differs from the original:\n%.500s\n---\n%.500s", before, after)
		}
	})
}
