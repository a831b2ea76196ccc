// Package scheduler runs Advocate's periodic jobs on cron schedules: each connector's sync,
// scoring, the weekly shortlist, health alerts and drip ticks (`advocate serve` registers
// them).
//
// Schedules are data in the store (job_schedules: last run, next run), shared by every replica:
// each replica checks its jobs on a short tick, and a due turn runs only on the replica whose
// claim (one conditional UPDATE moving next_run_at) succeeded. So N replicas run each job once
// per period, `@every` as well as cron specs. A job never overlaps itself: in one process a run
// still going makes the next turn skip, and across replicas a cluster lock (an advisory lock)
// does. A panicking job fails its turn without stopping the daemon; Stop waits for running jobs
// and cancels them after a grace period.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Locker takes a cluster-wide lock without waiting; the store implements it.
type Locker interface {
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// Schedules keeps each job's next turn where every replica sees it; the store implements it.
type Schedules interface {
	// EnsureSchedule creates the job's row (first turn next) or updates a changed spec, and
	// returns the turn now stored.
	EnsureSchedule(ctx context.Context, name, spec string, next time.Time) (nextRun time.Time, err error)
	// ClaimScheduledRun moves a turn due at now to next; true only for the one claimant that did.
	ClaimScheduledRun(ctx context.Context, name string, now, next time.Time) (bool, error)
	// NextScheduledRun is the job's stored next turn.
	NextScheduledRun(ctx context.Context, name string) (time.Time, error)
}

// Store is what the scheduler needs from the database.
type Store interface {
	Locker
	Schedules
}

// Job is a named unit of periodic work.
type Job struct {
	Name string // unique; also the lock name
	Spec string // cron spec: 5 fields, or @every 1h, @daily, ...
	Run  func(ctx context.Context) error
}

// Outcome says what happened when a job's turn came.
type Outcome string

const (
	Ran          Outcome = "ran"
	Failed       Outcome = "failed"
	SkippedLocal Outcome = "skipped: still running here"
	SkippedPeer  Outcome = "skipped: running on another replica"
)

// DefaultTick is how often a started scheduler checks for due turns.
const DefaultTick = time.Second

// parser reads job specs: five cron fields or a descriptor (@every 1h, @daily, ...).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Scheduler owns the tick loop.
type Scheduler struct {
	store  Store
	loc    *time.Location
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	jobs    map[string]*entry
	order   []*entry
	running sync.WaitGroup
	stop    chan struct{}
	loop    chan struct{} // closed when the tick loop has returned

	// OnOutcome, if set, is told about every turn (metrics, tests).
	OnOutcome func(job string, o Outcome, err error)
	// Now is the clock turns are due by; tests replace it. Default time.Now.
	Now func() time.Time
	// TickEvery is how often Start's loop looks for due turns; default DefaultTick.
	TickEvery time.Duration
}

type entry struct {
	job   Job
	sched cron.Schedule
	busy  sync.Mutex
	next  time.Time // the stored next turn as last seen here; zero until read
}

// New makes a scheduler whose specs are read in loc. store holds the schedules and the cluster
// locks; with a nil store they are kept in this process (one replica, tests).
func New(loc *time.Location, store Store, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	if store == nil {
		store = newMemStore()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		store: store, loc: loc, log: log, ctx: ctx, cancel: cancel, jobs: map[string]*entry{},
		stop: make(chan struct{}), Now: time.Now, TickEvery: DefaultTick,
	}
}

// Parse reads a job spec, naming the job in the error.
func Parse(name, spec string) (cron.Schedule, error) {
	sched, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("scheduler: job %q: bad schedule %q: %w", name, spec, err)
	}
	return sched, nil
}

// Period is the gap between two turns of spec following from (for cron specs it varies; this
// is the one after from's next turn).
func Period(spec string, from time.Time) (time.Duration, error) {
	sched, err := Parse("", spec)
	if err != nil {
		return 0, err
	}
	first := sched.Next(from)
	return sched.Next(first).Sub(first), nil
}

// Add registers a job. A bad spec is an error naming the job.
func (s *Scheduler) Add(j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		return fmt.Errorf("scheduler: job %q added twice", j.Name)
	}
	sched, err := Parse(j.Name, j.Spec)
	if err != nil {
		return err
	}
	e := &entry{job: j, sched: sched}
	s.jobs[j.Name] = e
	s.order = append(s.order, e)
	return nil
}

// Start begins running jobs on their schedules: a loop checks for due turns every TickEvery.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loop != nil {
		return
	}
	s.loop = make(chan struct{})
	// Say when each job will next run: an operator checking a fresh deploy should not have to
	// wait for the first turn (or read the schedule table) to know the schedule took.
	now := s.Now()
	for _, e := range s.order {
		next, err := s.store.EnsureSchedule(s.ctx, e.job.Name, e.job.Spec, e.sched.Next(now.In(s.loc)))
		if err != nil {
			s.log.Warn("job schedule not read", "job", e.job.Name, "err", err)
			continue
		}
		e.next = next
		s.log.Info("job scheduled", "job", e.job.Name, "schedule", e.job.Spec, "next_run", next.In(s.loc).Format(time.RFC3339))
	}
	go func() {
		defer close(s.loop)
		t := time.NewTicker(s.TickEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.Tick()
			}
		}
	}()
}

// Tick gives every job whose turn is due by Now its turn, if this replica claims it. Claims are
// made before Tick returns; the runs go on in the background, and the returned channel is
// closed when all of them have finished (tests wait on it; the loop does not).
func (s *Scheduler) Tick() <-chan struct{} {
	now := s.Now()
	s.mu.Lock()
	jobs := append([]*entry(nil), s.order...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range jobs {
		if s.ctx.Err() != nil {
			break
		}
		claimed, err := s.claim(e, now)
		if err != nil {
			s.log.Error("job schedule check failed", "job", e.job.Name, "err", err)
			continue
		}
		if !claimed {
			continue
		}
		wg.Add(1)
		s.running.Add(1)
		go func() {
			defer wg.Done()
			defer s.running.Done()
			s.turn(e)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// claim takes e's turn if it is due at now. The stored next turn only moves forward, so one
// seen here that is still ahead of now needs no query.
func (s *Scheduler) claim(e *entry, now time.Time) (bool, error) {
	if e.next.IsZero() {
		next, err := s.store.EnsureSchedule(s.ctx, e.job.Name, e.job.Spec, e.sched.Next(now.In(s.loc)))
		if err != nil {
			return false, err
		}
		e.next = next
	}
	if now.Before(e.next) {
		return false, nil
	}
	next := nextTurn(e.sched, e.next, now, s.loc)
	claimed, err := s.store.ClaimScheduledRun(s.ctx, e.job.Name, now, next)
	if err != nil {
		return false, err
	}
	if claimed {
		e.next = next
		return true, nil
	}
	// Another replica took this turn: learn the turn it set.
	e.next, err = s.store.NextScheduledRun(s.ctx, e.job.Name)
	return false, err
}

// nextTurn is the turn after the one due at prev, claimed at now: the schedule's next time after
// prev, so turns keep their phase however late a tick comes, unless that too has passed (the
// cluster was down): then the next time after now, so missed turns are not run in a burst.
func nextTurn(sched cron.Schedule, prev, now time.Time, loc *time.Location) time.Time {
	next := sched.Next(prev.In(loc))
	if !next.After(now) {
		next = sched.Next(now.In(loc))
	}
	return next.UTC()
}

// RunNow gives a job its turn immediately, with the same overlap rules as a scheduled turn, and
// returns what happened; it leaves the schedule alone. It serves the CLI, the HTTP API and
// tests (and scoring after a sync).
func (s *Scheduler) RunNow(name string) (Outcome, error) {
	s.mu.Lock()
	e, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("scheduler: no job named %q", name)
	}
	s.running.Add(1)
	defer s.running.Done()
	return s.turn(e)
}

func (s *Scheduler) turn(e *entry) (o Outcome, err error) {
	defer func() {
		if s.OnOutcome != nil {
			s.OnOutcome(e.job.Name, o, err)
		}
	}()
	if s.ctx.Err() != nil {
		return SkippedLocal, s.ctx.Err()
	}
	if !e.busy.TryLock() {
		s.log.Info("job skipped: previous run still going", "job", e.job.Name)
		return SkippedLocal, nil
	}
	defer e.busy.Unlock()
	release, ok, err := s.store.TryLock(s.ctx, "job:"+e.job.Name)
	if err != nil {
		s.log.Error("job lock failed", "job", e.job.Name, "err", err)
		return Failed, err
	}
	if !ok {
		s.log.Info("job skipped: running on another replica", "job", e.job.Name)
		return SkippedPeer, nil
	}
	defer release()
	start := time.Now()
	err = s.run(e.job)
	if err != nil {
		s.log.Error("job failed", "job", e.job.Name, "err", err, "duration", time.Since(start))
		return Failed, err
	}
	s.log.Info("job done", "job", e.job.Name, "duration", time.Since(start))
	return Ran, nil
}

// run calls the job, turning a panic into an error so one bad job cannot stop the daemon.
func (s *Scheduler) run(j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Name, r)
		}
	}()
	return j.Run(s.ctx)
}

// Stop stops scheduling, cancels running jobs' context once grace has passed, and waits for
// them to return (a sync commits page by page, so a cancelled one resumes next time).
func (s *Scheduler) Stop(grace time.Duration) error {
	s.mu.Lock()
	loop := s.loop
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	if loop != nil {
		<-loop // no new turns; running jobs go on
	}
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-time.After(grace):
	}
	s.cancel()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
		return errors.New("scheduler: jobs still running after cancellation")
	}
}
