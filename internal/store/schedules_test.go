package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A due turn is claimed once: the second claim of the same turn changes nothing, and a changed
// spec resets the next turn.
func TestClaimScheduledRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		next, err := s.EnsureSchedule(ctx, "sync:crm", "@every 10s", t0.Add(10*time.Second))
		if err != nil || !next.Equal(t0.Add(10*time.Second)) {
			t.Fatalf("EnsureSchedule = %v, %v", next, err)
		}
		// A second replica's boot keeps the stored turn.
		if next, _ := s.EnsureSchedule(ctx, "sync:crm", "@every 10s", t0.Add(15*time.Second)); !next.Equal(t0.Add(10 * time.Second)) {
			t.Errorf("a second EnsureSchedule moved the turn to %v", next)
		}
		if ok, err := s.ClaimScheduledRun(ctx, "sync:crm", t0.Add(9*time.Second), t0.Add(19*time.Second)); ok || err != nil {
			t.Errorf("claim before due = %v, %v", ok, err)
		}
		now := t0.Add(10*time.Second + 300*time.Millisecond)
		claims := 0
		for range 3 {
			ok, err := s.ClaimScheduledRun(ctx, "sync:crm", now, t0.Add(20*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				claims++
			}
		}
		if claims != 1 {
			t.Errorf("%d claims of one turn, want 1", claims)
		}
		js, err := s.JobSchedule(ctx, "sync:crm")
		if err != nil || !js.NextRunAt.Equal(t0.Add(20*time.Second)) || js.LastRunAt == nil || !js.LastRunAt.Equal(now) {
			t.Errorf("schedule = %+v, %v", js, err)
		}
		if next, _ := s.EnsureSchedule(ctx, "sync:crm", "@every 1h", t0.Add(time.Hour)); !next.Equal(t0.Add(time.Hour)) {
			t.Errorf("a changed spec kept the turn %v", next)
		}
		all, err := s.JobSchedules(ctx)
		if err != nil || len(all) != 1 || all[0].Spec != "@every 1h" {
			t.Errorf("JobSchedules = %+v, %v", all, err)
		}
	})
}

// A run left running is marked interrupted, counted per connector; a failure with a backoff
// sets the next attempt, and a success clears it.
func TestInterruptedRunsAndNextAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		if _, _, err := s.BeginSyncRun(ctx, "crm"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.InterruptSyncRuns(ctx, "crm"); n != 1 || err != nil {
			t.Fatalf("InterruptSyncRuns = %d, %v", n, err)
		}
		last, _ := s.LastSyncRun(ctx, "crm")
		if last.Status != store.RunInterrupted || last.FinishedAt == nil {
			t.Errorf("last run = %+v", last)
		}
		in, err := s.InterruptedRuns(ctx)
		if err != nil || in["crm"].Runs != 1 || in["crm"].LastStartedAt == nil || !in["crm"].LastStartedAt.Equal(t0) {
			t.Errorf("InterruptedRuns = %+v, %v", in, err)
		}
		run, _, _ := s.BeginSyncRun(ctx, "crm")
		backoff := func(failures int) time.Duration { return time.Duration(failures) * time.Hour }
		if err := s.FinishSyncRunBackoff(ctx, run, "crm", 0, errFailed, backoff); err != nil {
			t.Fatal(err)
		}
		if next, err := s.NextSyncAttempt(ctx, "crm"); err != nil || next == nil || !next.Equal(t0.Add(time.Hour)) {
			t.Errorf("next attempt = %v, %v; want %v", next, err, t0.Add(time.Hour))
		}
		run, _, _ = s.BeginSyncRun(ctx, "crm")
		if err := s.FinishSyncRunBackoff(ctx, run, "crm", 0, nil, backoff); err != nil {
			t.Fatal(err)
		}
		if next, err := s.NextSyncAttempt(ctx, "crm"); err != nil || next != nil {
			t.Errorf("next attempt after a success = %v, %v; want none", next, err)
		}
	})
}

type failedErr struct{}

func (failedErr) Error() string { return "HTTP 500" }

var errFailed = failedErr{}
