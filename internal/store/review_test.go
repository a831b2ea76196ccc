package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func TestShortlistMessagesFreezeAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		cs, _ := s.Customers(ctx)
		entries := []store.ShortlistEntry{{CustomerID: cs[0].ID, Rank: 1, Score: 90, ContactEmail: "jo@acme.io"}}
		run, err := s.SaveScoreRun(ctx, "m", []store.Score{{CustomerID: cs[0].ID, Rank: 1, Score: 90, Eligible: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveShortlist(ctx, "2026-W47", run.ID, entries); err != nil {
			t.Fatal(err)
		}
		plan := []store.ShortlistMessage{{Channel: "#a", Text: "one", Blocks: "[]"}, {Channel: "U1", Recipient: "maya@vendor.io", Text: "two", Blocks: "[]"}}
		msgs, err := s.PlanShortlistMessages(ctx, "2026-W47", plan)
		if err != nil || len(msgs) != 2 || msgs[1].Recipient != "maya@vendor.io" {
			t.Fatalf("plan: %+v %v", msgs, err)
		}
		// A second plan (another replica, a restart) does not replace the first.
		again, _ := s.PlanShortlistMessages(ctx, "2026-W47", plan[:1])
		if len(again) != 2 || again[0].ID != msgs[0].ID {
			t.Errorf("second plan replaced the first: %+v", again)
		}
		// Once planned, the list is frozen.
		if _, err := s.SaveShortlist(ctx, "2026-W47", run.ID, nil); !errors.Is(err, store.ErrShortlistPosted) {
			t.Errorf("rebuild after planning: %v, want ErrShortlistPosted", err)
		}
		if err := s.MarkShortlistMessageSent(ctx, msgs[0].ID, "C1", "1.1"); err != nil {
			t.Fatal(err)
		}
		if sl, _ := s.GetShortlist(ctx, "2026-W47"); sl.PostedAt != nil {
			t.Error("marked posted with a message still unsent")
		}
		if err := s.MarkShortlistMessageSent(ctx, msgs[1].ID, "D1", "1.2"); err != nil {
			t.Fatal(err)
		}
		sl, _ := s.GetShortlist(ctx, "2026-W47")
		if sl.PostedAt == nil {
			t.Error("not marked posted once every message was sent")
		}
		m, err := s.FindShortlistMessage(ctx, "D1", "1.2")
		if err != nil || m.Seq != 1 || m.Week != "2026-W47" || !m.Sent() {
			t.Errorf("find: %+v %v", m, err)
		}
	})
}

func TestRecordSlackDecisionOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		cs, _ := s.Customers(ctx)
		id := cs[0].ID
		first, created, err := s.RecordSlackDecision(ctx, store.Decision{CustomerID: id, Kind: "approve", DecidedBy: "maya@vendor.io", Week: "2026-W47"})
		if err != nil || !created {
			t.Fatalf("first: %v %v", created, err)
		}
		second, created, err := s.RecordSlackDecision(ctx, store.Decision{CustomerID: id, Kind: "skip", DecidedBy: "li@vendor.io", Week: "2026-W47"})
		if err != nil || created || second.ID != first.ID || second.Kind != "approve" || second.DecidedBy != "maya@vendor.io" {
			t.Errorf("second press: %+v created=%v %v; want the first decision back", second, created, err)
		}
		// Next week's list is a new question.
		if _, created, _ := s.RecordSlackDecision(ctx, store.Decision{CustomerID: id, Kind: "skip", Week: "2026-W48"}); !created {
			t.Error("a decision in another week was refused")
		}
		// The CLI is not limited: it is how a CSM changes their mind.
		if _, err := s.RecordDecision(ctx, store.Decision{CustomerID: id, Kind: "snooze", Week: "2026-W47"}); err != nil {
			t.Error(err)
		}
	})
}

func TestLastAskedAndAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		commit(t, s, "crm", samplePage())
		cs, _ := s.Customers(ctx)
		s.Now = func() time.Time { return t0 }
		if _, _, err := s.Enroll(ctx, cs[0].ID, "jo@acme.io", "spring-campaign"); err != nil {
			t.Fatal(err)
		}
		asked, err := s.LastAsked(ctx)
		if err != nil || !asked[cs[0].ID].Equal(t0) || !asked[cs[1].ID].IsZero() {
			t.Errorf("LastAsked = %v, %v", asked, err)
		}

		for _, k := range []string{"a", "b"} {
			if _, err := s.QueueAlert(ctx, k, "text "+k); err != nil {
				t.Fatal(err)
			}
		}
		p, _ := s.PendingAlerts(ctx, 0)
		if len(p) != 2 || p[0].Kind != "a" {
			t.Fatalf("pending %+v", p)
		}
		if err := s.MarkAlertsSent(ctx, []int64{p[0].ID}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PendingAlerts(ctx, 0); len(p) != 1 || p[0].Kind != "b" {
			t.Errorf("after marking one sent: %+v", p)
		}
		if err := s.SetAlertState(ctx, "connector:crm_eu", "failing"); err != nil {
			t.Fatal(err)
		}
		s.SetAlertState(ctx, "connector:crm_eu", "failing") // upsert
		s.SetAlertState(ctx, "health:7", "paused")
		st, _ := s.AlertStates(ctx, "connector:")
		if len(st) != 1 || st["connector:crm_eu"] != "failing" {
			t.Errorf("states %v", st)
		}
		s.SetAlertState(ctx, "connector:crm_eu", "")
		if st, _ := s.AlertStates(ctx, "connector:"); len(st) != 0 {
			t.Errorf("state not forgotten: %v", st)
		}
	})
}
