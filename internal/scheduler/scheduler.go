// Package scheduler runs Advocate's periodic jobs on cron schedules: each connector's sync,
// scoring, the weekly shortlist, health alerts and drip ticks (`advocate serve` registers
// them). A job never overlaps itself: in one process a run still going makes the next tick
// skip, and across replicas sharing one Postgres a cluster lock (an advisory lock) makes each
// run happen once. A panicking job fails its turn without stopping the daemon; Stop waits for
// running jobs and cancels them after a grace period.
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

// Scheduler owns the cron loop.
type Scheduler struct {
	cron   *cron.Cron
	locker Locker
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	jobs    map[string]*entry
	running sync.WaitGroup
	// OnOutcome, if set, is told about every turn (metrics, tests).
	OnOutcome func(job string, o Outcome, err error)
}

type entry struct {
	job  Job
	busy sync.Mutex
}

// New makes a scheduler whose specs are read in loc.
func New(loc *time.Location, locker Locker, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cron:   cron.New(cron.WithLocation(loc), cron.WithParser(cron.NewParser(cron.Minute|cron.Hour|cron.Dom|cron.Month|cron.Dow|cron.Descriptor))),
		locker: locker, log: log, ctx: ctx, cancel: cancel, jobs: map[string]*entry{},
	}
}

// Add registers a job. A bad spec is an error naming the job.
func (s *Scheduler) Add(j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		return fmt.Errorf("scheduler: job %q added twice", j.Name)
	}
	e := &entry{job: j}
	if _, err := s.cron.AddFunc(j.Spec, func() { s.turn(e) }); err != nil {
		return fmt.Errorf("scheduler: job %q: bad schedule %q: %w", j.Name, j.Spec, err)
	}
	s.jobs[j.Name] = e
	return nil
}

// Start begins running jobs on their schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// RunNow gives a job its turn immediately, with the same overlap rules as a scheduled tick,
// and returns what happened. It serves the CLI, the HTTP API and tests.
func (s *Scheduler) RunNow(name string) (Outcome, error) {
	s.mu.Lock()
	e, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("scheduler: no job named %q", name)
	}
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
	s.running.Add(1)
	defer s.running.Done()
	if s.locker != nil {
		release, ok, err := s.locker.TryLock(s.ctx, "job:"+e.job.Name)
		if err != nil {
			s.log.Error("job lock failed", "job", e.job.Name, "err", err)
			return Failed, err
		}
		if !ok {
			s.log.Info("job skipped: running on another replica", "job", e.job.Name)
			return SkippedPeer, nil
		}
		defer release()
	}
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
	stopped := s.cron.Stop() // no new ticks; running jobs go on
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		<-stopped.Done()
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
