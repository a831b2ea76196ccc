package store_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestGauges: what an operator's dashboard shows comes from the database — a fresh store
// reports every state at zero and no score run; after syncs, enrollments, emails and a score
// run it reports each connector's last success and failures, counts by state, and the run's
// eligible customers.
func TestGauges(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.Now = func() time.Time { return t0 }

		t.Run("Empty", func(t *testing.T) {
			g, err := s.Gauges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Connectors) != 0 || g.LastScore != nil {
				t.Errorf("empty store: connectors %+v, last score %+v; want none", g.Connectors, g.LastScore)
			}
			for _, c := range []struct {
				name   string
				got    map[string]int
				states []string
			}{{"outbox", g.Outbox, store.OutboxStatuses}, {"enrollments", g.Enrollments, store.EnrollmentStatuses}} {
				want := map[string]int{}
				for _, st := range c.states {
					want[st] = 0
				}
				if !maps.Equal(c.got, want) {
					t.Errorf("%s = %v, want every state at 0: %v", c.name, c.got, want)
				}
			}
		})

		t.Run("AfterWork", func(t *testing.T) {
			jo, hank := outboxFixture(t, s) // a "crm" sync that succeeded at t0, two active enrollments
			if _, err := s.EnqueueEmail(ctx, email(jo, 0), t0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.EnqueueEmail(ctx, email(hank, 0), t0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.EndEnrollment(ctx, hank.ID, "stopped", "unsubscribed"); err != nil {
				t.Fatal(err)
			}
			run, _, err := s.BeginSyncRun(ctx, "billing")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishSyncRun(ctx, run, "billing", 0, errors.New("401 Unauthorized")); err != nil {
				t.Fatal(err)
			}
			acme, _ := s.FindCustomer(ctx, "acme.io")
			globex, _ := s.FindCustomer(ctx, "globex.com")
			if _, err := s.SaveScoreRun(ctx, "m1", []store.Score{
				{CustomerID: acme.ID, Rank: 1, Score: 80, Eligible: true},
				{CustomerID: globex.ID, Rank: 2, Score: 20},
			}); err != nil {
				t.Fatal(err)
			}

			g, err := s.Gauges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Connectors) != 2 {
				t.Fatalf("connectors = %+v, want billing and crm", g.Connectors)
			}
			billing, crm := g.Connectors[0], g.Connectors[1]
			if billing.Name != "billing" || billing.LastSuccessAt != nil || billing.ConsecutiveFailures != 1 {
				t.Errorf("billing = %+v, want never succeeded, 1 failure", billing)
			}
			if crm.Name != "crm" || crm.LastSuccessAt == nil || !crm.LastSuccessAt.Equal(t0) || crm.ConsecutiveFailures != 0 {
				t.Errorf("crm = %+v, want last success %v, no failures", crm, t0)
			}
			if g.Enrollments["active"] != 1 || g.Enrollments["stopped"] != 1 || g.Enrollments["paused"] != 0 {
				t.Errorf("enrollments = %v, want 1 active, 1 stopped", g.Enrollments)
			}
			// Stopping hank's enrollment cancels its pending email.
			if g.Outbox["pending"] != 1 || g.Outbox["cancelled"] != 1 || g.Outbox["sent"] != 0 {
				t.Errorf("outbox = %v, want 1 pending, 1 cancelled", g.Outbox)
			}
			if g.LastScore == nil || g.LastScore.Customers != 2 || g.LastScore.Eligible != 1 || !g.LastScore.At.Equal(t0) {
				t.Errorf("last score = %+v, want 2 customers, 1 eligible at %v", g.LastScore, t0)
			}
		})
	})
}
