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
	"github.com/advocate-hq/advocate/internal/store"
)

// Result is what one connector's run did.
type Result struct {
	Connector string               `json:"connector"`
	Status    string               `json:"status"` // ok | failed | push-only (nothing to pull)
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
}

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
	fail := func(err error) Result {
		res.Status, res.Error, res.Duration = "failed", err.Error(), time.Since(start)
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
	runID, cursor, err := s.Store.BeginSyncRun(ctx, cs.Name)
	if err != nil {
		return fail(err)
	}
	k := &sink{store: s.Store, name: cs.Name, runID: runID, res: &res, progress: s.Progress}
	syncErr := conn.Sync(ctx, cursor, k)
	if syncErr != nil {
		syncErr = fmt.Errorf("sync %s: %w", cs.Name, syncErr)
	}
	// Record the outcome even when ctx was cancelled mid-run, so status shows it.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Store.FinishSyncRun(finishCtx, runID, cs.Name, len(res.Problems), syncErr); err != nil {
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
		"customers_created", res.Created, "problems", len(res.Problems), "unmatched", res.Unmatched, "duration", res.Duration)
	return res
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
	r.Problems = append(r.Problems, pr.Problems...)
	if k.progress != nil {
		k.progress(*r)
	}
	return nil
}
