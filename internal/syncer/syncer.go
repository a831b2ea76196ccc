// Package syncer runs connectors into the store: each run is recorded, each page is committed
// with its cursor, and one failing connector never stops the others.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/store"
)

// Result is what one connector's run did.
type Result struct {
	Connector string               `json:"connector"`
	Status    string               `json:"status"` // ok | failed | push-only (nothing to pull) | skipped (Error says why)
	Error     string               `json:"error,omitempty"`
	Pages     int                  `json:"pages"`
	Records   int                  `json:"records"`
	Created   int                  `json:"customers_created"`
	Updated   int                  `json:"customers_updated"`
	Contacts  int                  `json:"contacts"`
	Signals   int                  `json:"signals_new"`
	Unmatched int                  `json:"unmatched"`
	Problems  []connectors.Problem `json:"problems"`
	Duration  time.Duration        `json:"duration_ns"`

	// Matching says how company records without a domain of their own were placed.
	Matching connectors.Matching `json:"company_matching"`
	// APICalls is how many requests the run sent to the vendor, retries included.
	APICalls int `json:"api_calls"`
	// APILimit is the vendor's limit as the run's last response reported it; nil when the
	// vendor reports none.
	APILimit *connectors.Limit `json:"api_limit,omitempty"`
}

// APIBudget reads "12 API calls; 1234/10000 left today", or "" when the run made no call.
func (r Result) APIBudget() string { return connectors.BudgetSummary(r.APICalls, r.APILimit) }

// Failed reports whether the run failed.
func (r Result) Failed() bool { return r.Status == "failed" }

// Progress is told about every committed page, so a terminal can show work as it happens.
type Progress func(r Result)

// Syncer runs connectors against one store.
type Syncer struct {
	Store    *store.Store
	Log      *slog.Logger
	Metrics  *metrics.Metrics // optional
	Progress Progress         // optional
	// Build turns settings into a connector; connectors.New unless a test replaces it.
	Build func(connectors.Settings) (connectors.Connector, error)
	// Scheduled is set when the scheduler runs this syncer: a failing connector is then skipped
	// until its next attempt (RetryDelay). A sync someone asked for always tries.
	Scheduled bool
}

// Select picks the named connectors from all, in config order; no names means all. An unknown
// name is an error that lists the known ones.
func Select(all []connectors.Settings, names []string) ([]connectors.Settings, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []connectors.Settings
	var known []string
	for _, s := range all {
		known = append(known, s.Name)
	}
	for _, n := range names {
		i := slices.IndexFunc(all, func(s connectors.Settings) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("no connector named %q in the config (have: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// Run syncs each connector in turn and returns one result per connector. The error is non-nil
// when at least one failed; the results say which and why.
func (s *Syncer) Run(ctx context.Context, settings []connectors.Settings) ([]Result, error) {
	var results []Result
	var failed []string
	for _, cs := range settings {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		r := s.One(ctx, cs)
		results = append(results, r)
		if r.Failed() {
			failed = append(failed, cs.Name)
		}
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%d of %d connectors failed: %s", len(failed), len(settings), strings.Join(failed, ", "))
	}
	return results, nil
}

// One runs a single connector and records the run.
func (s *Syncer) One(ctx context.Context, cs connectors.Settings) Result {
	start := time.Now()
	res := Result{Connector: cs.Name, Status: "ok", Problems: []connectors.Problem{}}
	log := s.log().With("connector", cs.Name, "type", cs.Type)
	// Each run counts its own API calls: the shared HTTP client reports into this budget.
	budget := &connectors.Budget{}
	cs.Runtime.Budget = budget
	fail := func(err error) Result {
		err = connectors.RedactError(err, cs.Token, cs.APIKey, cs.AccessToken)
		res.Status, res.Error, res.Duration = "failed", err.Error(), time.Since(start)
		res.APICalls, res.APILimit = budget.Calls(), budget.Limit()
		log.Error("sync failed", "err", err, "pages", res.Pages, "records", res.Records)
		s.Metrics.SyncDone(cs.Name, res.Status, res.Records, res.Duration)
		return res
	}
	build := s.Build
	if build == nil {
		build = connectors.New
	}
	conn, err := build(cs)
	if err != nil {
		return fail(err)
	}
	if p, ok := conn.(interface{ PushOnly() bool }); ok && p.PushOnly() {
		res.Status = "push-only"
		return res
	}
	release, skip, err := s.prepare(ctx, cs, log)
	if err != nil {
		return fail(err)
	}
	if skip != "" {
		res.Status, res.Error = "skipped", skip
		log.Info("sync skipped", "why", skip)
		return res
	}
	defer release()
	runID, cursor, err := s.Store.BeginSyncRun(ctx, cs.Name)
	if err != nil {
		return fail(err)
	}
	k := &sink{store: s.Store, name: cs.Name, runID: runID, res: &res, progress: s.Progress}
	syncErr := conn.Sync(ctx, cursor, k)
	if syncErr != nil {
		// Vendors quote credentials back (Stripe echoes the masked key): keep them out of
		// sync_state.last_error, status and the logs.
		syncErr = connectors.RedactError(fmt.Errorf("sync %s: %w", cs.Name, syncErr), cs.Token, cs.APIKey, cs.AccessToken)
	}
	// Record the outcome even when ctx was cancelled mid-run, so status shows it.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	res.APICalls, res.APILimit = budget.Calls(), budget.Limit()
	if err := s.Store.RecordSyncBudget(finishCtx, runID, res.APICalls, res.APILimit); err != nil {
		syncErr = errors.Join(syncErr, err)
	}
	if err := s.Store.FinishSyncRunBackoff(finishCtx, runID, cs.Name, len(res.Problems), syncErr, s.backoff(cs, syncErr)); err != nil {
		syncErr = errors.Join(syncErr, err)
	}
	if syncErr != nil {
		return fail(syncErr)
	}
	res.Duration = time.Since(start)
	s.Metrics.SyncDone(cs.Name, res.Status, res.Records, res.Duration)
	for _, p := range res.Problems {
		log.Warn("record skipped", "where", p.Where, "problem", p.Message)
	}
	log.Info("sync done", "pages", res.Pages, "records", res.Records, "new_signals", res.Signals,
		"customers_created", res.Created, "problems", len(res.Problems), "unmatched", res.Unmatched, "duration", res.Duration,
		"api_calls", res.APICalls)
	return res
}

// prepare takes the connector's sync lock (one run per connector across processes sharing a
// Postgres), marks runs a dead process left "running" as interrupted, and, for a scheduled
// sync, checks the connector's backoff. skip, when not empty, says why not to run now.
func (s *Syncer) prepare(ctx context.Context, cs connectors.Settings, log *slog.Logger) (release func(), skip string, err error) {
	release, ok, err := s.Store.TryLock(ctx, lockName(cs.Name))
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "another process is syncing " + cs.Name, nil
	}
	if err := s.interrupted(ctx, cs.Name, log); err != nil {
		release()
		return nil, "", err
	}
	if !s.Scheduled {
		return release, "", nil
	}
	next, err := s.Store.NextSyncAttempt(ctx, cs.Name)
	if err != nil {
		release()
		return nil, "", err
	}
	if next != nil && s.Store.Now().Before(*next) {
		release()
		return nil, "backing off after failures until " + next.Format(time.RFC3339), nil
	}
	return release, "", nil
}

// interrupted marks the connector's runs left "running" as interrupted; the caller holds the
// connector's sync lock, so no live process owns them.
func (s *Syncer) interrupted(ctx context.Context, name string, log *slog.Logger) error {
	n, err := s.Store.InterruptSyncRuns(ctx, name)
	if n > 0 {
		log.Warn("sync runs left running by a stopped process marked interrupted", "runs", n)
	}
	return err
}

// Recover marks, for each connector whose sync lock is free, runs left "running" by a process
// that died as interrupted. `serve` calls it at start, so status tells the truth before the
// next sync of each connector.
func (s *Syncer) Recover(ctx context.Context, settings []connectors.Settings) error {
	var errs []error
	for _, cs := range settings {
		release, ok, err := s.Store.TryLock(ctx, lockName(cs.Name))
		if err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.interrupted(ctx, cs.Name, s.log().With("connector", cs.Name)))
		release()
	}
	return errors.Join(errs...)
}

func lockName(connector string) string { return "sync:" + connector }

// backoff is the connector's wait after a failed run: RetryDelay over its schedule's period,
// honouring the vendor's Retry-After when syncErr carries one. Nil after a success.
func (s *Syncer) backoff(cs connectors.Settings, syncErr error) store.Backoff {
	if syncErr == nil {
		return nil
	}
	var period time.Duration
	if cs.Schedule != "" {
		period, _ = scheduler.Period(cs.Schedule, s.Store.Now())
	}
	retryAfter, _ := connectors.RetryAfter(syncErr)
	return func(failures int) time.Duration { return RetryDelay(failures, period, retryAfter) }
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// sink commits pages for one run and keeps the run's totals.
type sink struct {
	store    *store.Store
	name     string
	runID    int64
	res      *Result
	progress Progress
}

func (k *sink) Commit(ctx context.Context, page connectors.Page) error {
	pr, err := k.store.CommitPage(ctx, k.name, k.runID, page)
	if err != nil {
		return err
	}
	r := k.res
	r.Pages++
	r.Records += pr.Records
	r.Created += pr.CustomersCreated
	r.Updated += pr.CustomersUpdated
	r.Contacts += pr.Contacts
	r.Signals += pr.Signals
	r.Unmatched += pr.Unmatched
	r.Matching.Add(page.Matching)
	r.Problems = append(r.Problems, pr.Problems...)
	if k.progress != nil {
		k.progress(*r)
	}
	return nil
}
