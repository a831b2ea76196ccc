package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// outboxFixture loads two customers with one contact each (hank opted out in the CRM) and
// enrolls both.
func outboxFixture(t *testing.T, s *store.Store) (jo, hank store.Enrollment) {
	t.Helper()
	ctx := context.Background()
	commit(t, s, "crm", connectors.Page{
		Customers: []connectors.Customer{
			{Ref: connectors.Ref{Domain: "acme.io"}, Name: "Acme"},
			{Ref: connectors.Ref{Domain: "globex.com"}, Name: "Globex"},
		},
		Contacts: []connectors.Contact{
			{Customer: connectors.Ref{Domain: "acme.io"}, Email: "jo@acme.io", Name: "Jo"},
			{Customer: connectors.Ref{Domain: "globex.com"}, Email: "hank@globex.com", Name: "Hank", OptedOut: true},
		},
	})
	acme, _ := s.FindCustomer(ctx, "acme.io")
	globex, _ := s.FindCustomer(ctx, "globex.com")
	var err error
	if jo, _, err = s.Enroll(ctx, acme.ID, "Jo@Acme.io", "default"); err != nil {
		t.Fatal(err)
	}
	if hank, _, err = s.Enroll(ctx, globex.ID, "hank@globex.com", "default"); err != nil {
		t.Fatal(err)
	}
	return jo, hank
}

func email(e store.Enrollment, step int) store.OutboxEmail {
	return store.OutboxEmail{
		Key: fmt.Sprintf("%d/step%d", e.ID, step), EnrollmentID: e.ID, Step: step,
		From: "dana@vendor.io", To: e.ContactEmail, Subject: "hello", Text: "hi", HTML: "<p>hi</p>",
		MessageID: fmt.Sprintf("e%d.s%d@vendor.io", e.ID, step), DueAt: t0,
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	lease, recheck := 5*time.Minute, time.Hour
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		jo, hank := outboxFixture(t, s)

		t.Run("EnqueueOncePerKey", func(t *testing.T) {
			for i, want := range []bool{true, false} {
				created, err := s.EnqueueEmail(ctx, email(jo, 0), t0)
				if err != nil || created != want {
					t.Fatalf("enqueue #%d: created=%v err=%v, want created=%v", i+1, created, err, want)
				}
			}
		})

		t.Run("ClaimChecksConsentAtClaimTime", func(t *testing.T) {
			if _, err := s.EnqueueEmail(ctx, email(hank, 0), t0); err != nil {
				t.Fatal(err)
			}
			// Not due yet: nothing to claim.
			if got, err := s.ClaimEmails(ctx, "tok", t0.Add(-time.Second), 10, lease, recheck); err != nil || len(got.Send) != 0 {
				t.Fatalf("claim before due = %+v, %v; want nothing", got, err)
			}
			got, err := s.ClaimEmails(ctx, "tok", t0, 10, lease, recheck)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Send) != 1 || got.Send[0].To != "jo@acme.io" || got.Send[0].Attempts != 1 {
				t.Fatalf("claimed %+v, want only jo's email (lower-cased), attempt 1", got.Send)
			}
			if len(got.Cancelled) != 1 {
				t.Fatalf("cancelled = %v, want hank's (opted out in the CRM)", got.Cancelled)
			}
			// Claimed rows are not claimed again while the lease runs.
			if again, _ := s.ClaimEmails(ctx, "tok", t0.Add(time.Minute), 10, lease, recheck); len(again.Send) != 0 {
				t.Fatalf("claimed a leased row twice: %+v", again.Send)
			}
			// The sender died: after the lease the row is claimable again, as attempt 2, and
			// it belongs to the new claim's token alone.
			again, err := s.ClaimEmails(ctx, "tok2", t0.Add(lease), 10, lease, recheck)
			if err != nil || len(again.Send) != 1 || again.Send[0].Attempts != 2 {
				t.Fatalf("reclaim after lease = %+v, %v; want jo's row, attempt 2", again.Send, err)
			}
			id := again.Send[0].ID
			if n, err := s.RenewLease(ctx, "tok", []int64{id}, t0.Add(2*lease), t0.Add(lease)); err != nil || n != 0 {
				t.Errorf("the old owner renewed %d rows (%v); want 0", n, err)
			}
			if _, err := s.CheckClaimed(ctx, "tok", id); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("CheckClaimed by the old owner = %v, want ErrLeaseLost", err)
			}
			for name, change := range map[string]func() error{
				"MarkSent":  func() error { return s.MarkSent(ctx, "tok", id, t0.Add(lease)) },
				"Retry":     func() error { return s.RetryEmail(ctx, "tok", id, t0, "451", t0.Add(lease)) },
				"Fail":      func() error { return s.FailEmail(ctx, "tok", id, "550", t0.Add(lease)) },
				"Cancel":    func() error { return s.CancelClaimed(ctx, "tok", id, store.BlockSuppressed, t0.Add(lease)) },
				"Release":   func() error { return s.Release(ctx, "tok", []int64{id}, t0, t0.Add(lease)) },
				"new owner": func() error { _, err := s.CheckClaimed(ctx, "tok2", id); return err },
			} {
				if err := change(); (err == nil) != (name == "new owner" || name == "Release") {
					t.Errorf("%s with the old token: err = %v", name, err)
				}
			}
			if n, err := s.RenewLease(ctx, "tok2", []int64{id}, t0.Add(2*lease), t0.Add(lease)); err != nil || n != 1 {
				t.Errorf("the owner renewed %d rows (%v); want 1", n, err)
			}
			if got, _ := s.ClaimEmails(ctx, "tok3", t0.Add(2*lease-time.Second), 10, lease, recheck); len(got.Send) != 0 {
				t.Errorf("claimed a row whose lease was renewed: %+v", got.Send)
			}
			if err := s.MarkSent(ctx, "tok2", id, t0.Add(lease)); err != nil {
				t.Fatal(err)
			}
			sent, _ := s.OutboxEmails(ctx, store.OutboxFilter{Status: "sent"})
			if len(sent) != 1 || sent[0].SentAt == nil || sent[0].MessageID != email(jo, 0).MessageID {
				t.Fatalf("sent rows = %+v", sent)
			}
		})

		t.Run("PausedIsHeldStoppedIsCancelled", func(t *testing.T) {
			if err := s.SetEnrollmentStatus(ctx, jo.ID, "paused"); err != nil {
				t.Fatal(err)
			}
			s.EnqueueEmail(ctx, email(jo, 1), t0)
			now := t0.Add(time.Hour)
			got, err := s.ClaimEmails(ctx, "tok", now, 10, lease, recheck)
			if err != nil || len(got.Send) != 0 || len(got.Deferred) != 1 {
				t.Fatalf("claim while paused = %+v, %v; want one deferred", got, err)
			}
			if err := s.SetEnrollmentStatus(ctx, jo.ID, "active"); err != nil {
				t.Fatal(err)
			}
			got, _ = s.ClaimEmails(ctx, "tok", now.Add(recheck), 10, lease, recheck)
			if len(got.Send) != 1 || got.Send[0].Attempts != 1 {
				t.Fatalf("after resume: %+v; want the held email, still attempt 1", got.Send)
			}
			s.RetryEmail(ctx, "tok", got.Send[0].ID, now.Add(2*recheck), "451 try later", now)
			ended, err := s.EndEnrollment(ctx, jo.ID, "completed", "joined")
			if err != nil || !ended {
				t.Fatalf("end = %v, %v", ended, err)
			}
			rows, _ := s.OutboxEmails(ctx, store.OutboxFilter{EnrollmentIDs: []int64{jo.ID}, Status: "cancelled"})
			if len(rows) != 1 {
				t.Fatalf("cancelled rows of the ended enrollment = %d, want 1", len(rows))
			}
			if ended, _ := s.EndEnrollment(ctx, jo.ID, "stopped", "later"); ended {
				t.Error("ending twice changed the first outcome")
			}
		})

		t.Run("SuppressStopsEverything", func(t *testing.T) {
			s.SetEnrollmentStatus(ctx, hank.ID, "active")
			s.EnqueueEmail(ctx, email(hank, 1), t0)
			stopped, err := s.Suppress(ctx, " HANK@globex.com ", "unsubscribed")
			if err != nil || stopped != 1 {
				t.Fatalf("Suppress = %d, %v; want 1 enrollment stopped", stopped, err)
			}
			if why, _ := s.Suppression(ctx, "hank@GLOBEX.com"); why != "unsubscribed" {
				t.Errorf("Suppression = %q", why)
			}
			pending, _ := s.OutboxEmails(ctx, store.OutboxFilter{To: "hank@globex.com", Status: "pending"})
			if len(pending) != 0 {
				t.Errorf("%d pending emails to a suppressed address", len(pending))
			}
			// A claimed email to an address suppressed since is cancelled too: its worker
			// finds its claim gone when it checks, right before the SMTP conversation.
			s.EnqueueEmail(ctx, email(jo, 7), t0)
			got, err := s.ClaimEmails(ctx, "tok9", t0.Add(time.Hour), 10, lease, recheck)
			if err != nil || len(got.Send) != 1 {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			if why, err := s.CheckClaimed(ctx, "tok9", got.Send[0].ID); why != "" || err != nil {
				t.Fatalf("CheckClaimed before the unsubscribe = %q, %v", why, err)
			}
			if _, err := s.Suppress(ctx, "jo@acme.io", "unsubscribed"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CheckClaimed(ctx, "tok9", got.Send[0].ID); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("CheckClaimed after the unsubscribe = %v, want ErrLeaseLost (cancelled)", err)
			}
			es, _ := s.Enrollments(ctx, "stopped")
			if len(es) != 1 || es[0].StopReason != "unsubscribed" {
				t.Errorf("stopped enrollments = %+v", es)
			}
		})

		t.Run("PersonalizationAndSecretAreWrittenOnce", func(t *testing.T) {
			acme, _ := s.FindCustomer(ctx, "acme.io")
			if _, err := s.GetPersonalization(ctx, acme.ID); err == nil {
				t.Fatal("personalization exists before it was written")
			}
			first, err := s.SavePersonalization(ctx, store.Personalization{CustomerID: acme.ID, Text: "first", Status: "ok"})
			if err != nil {
				t.Fatal(err)
			}
			second, _ := s.SavePersonalization(ctx, store.Personalization{CustomerID: acme.ID, Text: "second", Status: "ok"})
			if first.Text != "first" || second.Text != "first" {
				t.Errorf("save twice = %q, %q; want the first kept", first.Text, second.Text)
			}
			gen := 0
			g := func() (string, error) { gen++; return fmt.Sprint("secret-", gen), nil }
			a, _ := s.AppSecret(ctx, "unsubscribe", g)
			b, _ := s.AppSecret(ctx, "unsubscribe", g)
			if a != "secret-1" || b != a {
				t.Errorf("AppSecret = %q then %q; want one stable value", a, b)
			}
		})
	})
}

// TestClaimConcurrent: several claimers at once never get the same row (SKIP LOCKED on
// Postgres, the single writer on SQLite).
func TestClaimConcurrent(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		jo, _ := outboxFixture(t, s)
		const n = 300
		for i := range n {
			if _, err := s.EnqueueEmail(ctx, email(jo, i), t0); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu  sync.Mutex
			ids []int64
			wg  sync.WaitGroup
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.ClaimEmails(ctx, "tok", t0, 7, time.Minute, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got.Send) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got.Send {
						ids = append(ids, m.ID)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for i := 1; i < len(ids); i++ {
			if ids[i] == ids[i-1] {
				t.Fatalf("row %d claimed twice", ids[i])
			}
		}
		if len(ids) != n {
			t.Fatalf("claimed %d rows, want %d", len(ids), n)
		}
	})
}

// A sender's claim (one prepared statement on Postgres, the settling done afterwards with the
// claim token) files rows exactly as ClaimEmails does and leaves them in the same state.
func TestSenderClaim(t *testing.T) {
	ctx := context.Background()
	lease, recheck := 5*time.Minute, time.Hour
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		jo, hank := outboxFixture(t, s)
		for _, e := range []store.OutboxEmail{email(jo, 0), email(jo, 1), email(jo, 2), email(hank, 0)} {
			if _, err := s.EnqueueEmail(ctx, e, t0); err != nil {
				t.Fatal(err)
			}
		}
		w, err := s.OutboxSender(ctx, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := s.SetEnrollmentStatus(ctx, jo.ID, "paused"); err != nil {
			t.Fatal(err)
		}
		got, err := w.Claim(ctx, "tok", t0, 10, lease, recheck)
		if err != nil || len(got.Send) != 0 || len(got.Deferred) != 3 || len(got.Cancelled) != 1 {
			t.Fatalf("claim = %+v, %v; want jo's three held (paused) and hank's cancelled (opted out)", got, err)
		}
		if c, _ := s.OutboxEmails(ctx, store.OutboxFilter{To: "hank@globex.com", Status: "cancelled"}); len(c) != 1 {
			t.Errorf("hank's email is not cancelled: %+v", c)
		}
		held, _ := s.OutboxEmails(ctx, store.OutboxFilter{To: "jo@acme.io", Status: "pending"})
		if len(held) != 3 {
			t.Fatalf("jo's pending rows = %d, want 3", len(held))
		}
		for _, m := range held {
			if m.Attempts != 0 || !m.NextAttemptAt.Equal(t0.Add(recheck)) {
				t.Errorf("held row %d: attempts %d, next attempt %v; want 0 and %v", m.ID, m.Attempts, m.NextAttemptAt, t0.Add(recheck))
			}
		}
		if err := s.SetEnrollmentStatus(ctx, jo.ID, "active"); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.Claim(ctx, "tok2", t0.Add(recheck-time.Second), 10, lease, recheck); len(got.Send) != 0 {
			t.Fatalf("held rows claimed before their recheck: %+v", got.Send)
		}
		got, err = w.Claim(ctx, "tok2", t0.Add(recheck), 2, lease, recheck)
		if err != nil || len(got.Send) != 2 || got.Send[0].Attempts != 1 || got.Send[0].Step != 0 || got.Send[1].Step != 1 {
			t.Fatalf("claim after resume = %+v, %v; want jo's first two, attempt 1", got.Send, err)
		}
		if err := s.MarkSent(ctx, "tok2", got.Send[0].ID, t0.Add(recheck)); err != nil {
			t.Errorf("the claim's token does not own its rows: %v", err)
		}
	})
}

// On Postgres an OutboxSender's connections commit asynchronously unless asked to be durable,
// and go back to the pool with the server's default, so no other statement runs without
// waiting for its flush.
func TestOutboxSenderCommitMode(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	for _, durable := range []bool{false, true} {
		w, err := s.OutboxSender(ctx, 1, durable)
		if err != nil {
			t.Fatal(err)
		}
		during, err := w.StepConnSetting(ctx, "synchronous_commit")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		want := "off"
		if durable {
			want = "on"
		}
		if during != want {
			t.Errorf("durable %v: a step connection's synchronous_commit is %s, want %s", durable, during, want)
		}
		// Every pooled connection, the sender's among them, is back to the default.
		var conns []*sql.Conn
		for range 10 {
			c, err := s.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var after string
			if err := c.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&after); err != nil || after != "on" {
				t.Errorf("durable %v: a pooled connection has synchronous_commit %s (%v) after the sender closed, want on", durable, after, err)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
}
