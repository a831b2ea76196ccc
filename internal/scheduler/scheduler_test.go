package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// Two replicas share one Postgres: while one runs a job, the other's turn is skipped.
func TestJobRunsOnceAcrossReplicas(t *testing.T) {
	dsn := storetest.SchemaDSN(t)
	open := func() *store.Store {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := scheduler.New(time.UTC, open(), nil)
	b := scheduler.New(time.UTC, open(), nil)
	var runs atomic.Int32
	inside, leave := make(chan struct{}), make(chan struct{})
	job := func(ctx context.Context) error {
		runs.Add(1)
		inside <- struct{}{}
		<-leave
		return nil
	}
	for _, s := range []*scheduler.Scheduler{a, b} {
		if err := s.Add(scheduler.Job{Name: "sync:crm", Spec: "@every 1h", Run: job}); err != nil {
			t.Fatal(err)
		}
	}
	outcome := make(chan scheduler.Outcome)
	go func() { o, _ := a.RunNow("sync:crm"); outcome <- o }()
	<-inside // replica A is inside the job, holding the lock
	if o, err := b.RunNow("sync:crm"); o != scheduler.SkippedPeer || err != nil {
		t.Errorf("replica B: %v %v, want %q", o, err, scheduler.SkippedPeer)
	}
	if o, _ := a.RunNow("sync:crm"); o != scheduler.SkippedLocal {
		t.Errorf("replica A again: %v, want %q", o, scheduler.SkippedLocal)
	}
	close(leave)
	if o := <-outcome; o != scheduler.Ran {
		t.Errorf("replica A: %v, want ran", o)
	}
	// Once released, the other replica can run it.
	go func() { <-inside }()
	if o, _ := b.RunNow("sync:crm"); o != scheduler.Ran {
		t.Errorf("replica B after release: %v, want ran", o)
	}
	if runs.Load() != 2 {
		t.Errorf("%d runs, want 2", runs.Load())
	}
}

func TestFailingAndPanickingJobsDoNotStopOthers(t *testing.T) {
	s := scheduler.New(time.UTC, storetest.SQLite(t), nil)
	var ok atomic.Bool
	s.Add(scheduler.Job{Name: "bad", Spec: "@every 1m", Run: func(context.Context) error { return errors.New("HTTP 500") }})
	s.Add(scheduler.Job{Name: "panics", Spec: "@every 1m", Run: func(context.Context) error { panic("nil map") }})
	s.Add(scheduler.Job{Name: "good", Spec: "@every 1m", Run: func(context.Context) error { ok.Store(true); return nil }})
	if o, err := s.RunNow("bad"); o != scheduler.Failed || err == nil {
		t.Errorf("bad: %v %v", o, err)
	}
	if o, err := s.RunNow("panics"); o != scheduler.Failed || err == nil {
		t.Errorf("panics: %v %v", o, err)
	}
	if o, _ := s.RunNow("good"); o != scheduler.Ran || !ok.Load() {
		t.Errorf("good: %v", o)
	}
}

func TestBadSpecNamesTheJob(t *testing.T) {
	s := scheduler.New(time.UTC, nil, nil)
	err := s.Add(scheduler.Job{Name: "sync:crm", Spec: "every hour", Run: func(context.Context) error { return nil }})
	if err == nil || !strings.Contains(err.Error(), `"sync:crm"`) {
		t.Errorf("err = %v", err)
	}
}

func TestStopWaitsForRunningJobAndCancelsAfterGrace(t *testing.T) {
	s := scheduler.New(time.UTC, nil, nil)
	started := make(chan struct{})
	var sawCancel atomic.Bool
	s.Add(scheduler.Job{Name: "slow", Spec: "@every 1m", Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done() // a job that only stops when told
		sawCancel.Store(true)
		return ctx.Err()
	}})
	go s.RunNow("slow")
	<-started
	if err := s.Stop(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !sawCancel.Load() {
		t.Error("Stop returned before the job saw its context cancelled")
	}
}
