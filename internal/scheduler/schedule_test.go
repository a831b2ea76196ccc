package scheduler_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// clock is a fake time every replica in a test reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// eachDatabase runs fn on a migrated SQLite file and a migrated Postgres schema, given by DSN
// so a test can open several handles (replicas) on one database.
func eachDatabase(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, e := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "advocate.db") }},
		{"postgres", func(t *testing.T) string { return storetest.SchemaDSN(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			st := open(t, dsn)
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, dsn)
		})
	}
}

func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// replicas opens n schedulers, each on its own store handle to the database at dsn, with a job
// of spec counting runs into runs.
func replicas(t *testing.T, dsn string, n int, c *clock, spec string, runs *atomic.Int32) []*scheduler.Scheduler {
	t.Helper()
	var out []*scheduler.Scheduler
	for i := 0; i < n; i++ {
		st := open(t, dsn)
		sc := scheduler.New(time.UTC, st, slog.New(slog.DiscardHandler))
		sc.Now = c.Now
		job := func(context.Context) error { runs.Add(1); return nil }
		if err := sc.Add(scheduler.Job{Name: "sync:crm", Spec: spec, Run: job}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sc)
	}
	return out
}

// drive advances the clock by step until total has passed, letting every replica tick at
// each step and waiting for the runs it started.
func drive(c *clock, scheds []*scheduler.Scheduler, step, total time.Duration) {
	for passed := time.Duration(0); passed <= total; passed += step {
		for _, sc := range scheds {
			<-sc.Tick()
		}
		c.Add(step)
	}
}

// Replicas sharing one database run a job once per period, `@every` and cron specs alike.
// Before schedules were data, each replica counted from its own start: two replicas with
// `@every 10s` ran the job 12 times a minute, three with an hourly job 9 times in 3 hours.
func TestOncePerPeriodAcrossReplicas(t *testing.T) {
	for _, c := range []struct {
		spec           string
		replicas       int
		start          time.Time
		tick, duration time.Duration
		want           int32
	}{
		// Two replicas ticking every second for a minute: turns at :10, :20, … :60.
		{"@every 10s", 2, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Second, time.Minute, 6},
		// Three replicas ticking every 7 s (out of phase with the hour): 10:00, 11:00, 12:00.
		{"0 * * * *", 3, time.Date(2026, 1, 5, 9, 0, 1, 0, time.UTC), 7 * time.Second, 3*time.Hour + time.Minute, 3},
	} {
		t.Run(c.spec, func(t *testing.T) {
			eachDatabase(t, func(t *testing.T, dsn string) {
				clk := &clock{t: c.start}
				var runs atomic.Int32
				drive(clk, replicas(t, dsn, c.replicas, clk, c.spec, &runs), c.tick, c.duration)
				if got := runs.Load(); got != c.want {
					t.Errorf("%d runs of %q on %d replicas over %s, want %d", got, c.spec, c.replicas, c.duration, c.want)
				}
			})
		})
	}
}

// A replica that starts later joins the stored schedule instead of starting its own count, and
// a cluster that was down does not run the missed turns in a burst.
func TestLateReplicaJoinsStoredSchedule(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		var runs atomic.Int32
		first := replicas(t, dsn, 1, c, "@every 1m", &runs)
		drive(c, first, 10*time.Second, 90*time.Second) // turn at 9:01
		late := replicas(t, dsn, 1, c, "@every 1m", &runs)
		both := append(first, late...)
		drive(c, both, 10*time.Second, 60*time.Second) // turn at 9:02
		if got := runs.Load(); got != 2 {
			t.Fatalf("%d runs by 9:02:30, want 2", got)
		}
		c.Add(time.Hour) // everyone was down for an hour
		drive(c, both, 10*time.Second, 30*time.Second)
		if got := runs.Load(); got != 3 {
			t.Errorf("%d runs after an hour down, want 3 (one, not the 60 missed)", got)
		}
	})
}

// RunNow works alongside the schedule and does not consume a turn.
func TestRunNowLeavesTheScheduleAlone(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	var runs atomic.Int32
	dsn := filepath.Join(t.TempDir(), "advocate.db")
	if _, err := open(t, dsn).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	scheds := replicas(t, dsn, 1, c, "@every 1m", &runs)
	<-scheds[0].Tick()
	if o, err := scheds[0].RunNow("sync:crm"); o != scheduler.Ran || err != nil {
		t.Fatalf("RunNow: %v %v", o, err)
	}
	c.Add(time.Minute)
	<-scheds[0].Tick()
	if got := runs.Load(); got != 2 {
		t.Errorf("%d runs, want 2 (RunNow and the turn at 9:01)", got)
	}
}

// Start's loop gives due turns without anyone calling Tick, and Stop ends it.
func TestStartTicksOnItsOwn(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	s := scheduler.New(time.UTC, nil, slog.New(slog.DiscardHandler))
	s.Now, s.TickEvery = c.Now, time.Millisecond
	ran := make(chan struct{}, 10)
	s.Add(scheduler.Job{Name: "drip", Spec: "@every 1m", Run: func(context.Context) error { ran <- struct{}{}; return nil }})
	<-s.Tick() // the first check stores the first turn, 9:01
	c.Add(time.Minute)
	s.Start()
	<-ran
	if err := s.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 0 {
		t.Errorf("%d more runs of one turn", len(ran))
	}
}
