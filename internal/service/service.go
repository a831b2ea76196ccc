// Package service is the service graph `advocate serve` runs: it wires the store, the live
// config, the scheduler and its jobs (sync, score, weekly shortlist, alerts, drip), the Slack
// adapter, the decide service and the HTTP server together, starts them, and stops them in
// order. It is also the one place the CLI gets its shared adapters from (Slack, Decider), so
// `advocate approve` and a Slack button are wired the same way.
//
// Shutdown order (Stop): stop taking HTTP requests, send the queued Slack message updates
// (they read the store), stop the scheduler (running jobs finish or are cancelled after a
// grace period: a sync resumes from its last committed page, claimed emails are handed back),
// then close the database.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/affiliates/webhook"
	"github.com/advocate-hq/advocate/internal/alerts"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/coverage"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/review"
	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/server"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/syncer"
	"github.com/advocate-hq/advocate/internal/web"
)

// Options is what the command line hands the service graph.
type Options struct {
	ConfigPath string       // the file reloaded on SIGHUP or change
	Store      *store.Store // opened by the caller; Stop closes it last
	Listen     string       // overrides server.listen when not empty
	Log        *slog.Logger // nil = slog.Default()
	Now        func() time.Time
	Reload     <-chan os.Signal // SIGHUP; nil = file changes only
	// Poll is how often the config file is checked for changes; 0 = 5 s.
	Poll time.Duration
}

// AffiliateRetryJob is the scheduler's name for the affiliate-create retry job.
const AffiliateRetryJob = "affiliates:retry"

// Graceful-shutdown budgets.
const (
	httpGrace   = 15 * time.Second // in-flight requests and queued Slack updates
	jobsGrace   = 20 * time.Second // running jobs before they are cancelled
	defaultPoll = 5 * time.Second
)

// Service is the running daemon.
type Service struct {
	o       Options
	log     *slog.Logger
	live    *Live
	metrics *metrics.Metrics
	sched   *scheduler.Scheduler
	slack   *slack.Client
	review  *review.Service
	decide  *decide.Service
	drip    *drip.Drip
	alerter *alerts.Alerter
	mux     *http.ServeMux
	jobs    int

	covMu   sync.Mutex
	covLast []string // coverage warnings last logged

	hotMu sync.Mutex
	hot   *ranker.Hot // the scoring table kept between runs; nil until the first

	http   *http.Server
	ln     net.Listener
	errs   chan error
	cancel context.CancelFunc
}

// New builds the whole graph from the config at o.ConfigPath. Nothing runs until Start.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("service: no store")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	live, err := NewLive(o.ConfigPath, o.Log)
	if err != nil {
		return nil, err
	}
	cfg, _ := live.Current()
	loc, err := time.LoadLocation(cfg.Shortlist.Timezone)
	if err != nil {
		return nil, fmt.Errorf("serve: timezone: %w", err)
	}
	s := &Service{o: o, log: o.Log, live: live, metrics: metrics.New(), errs: make(chan error, 2)}
	s.metrics.WatchProgram(program.Gauges(o.Store, o.Now), o.Now)
	s.metrics.WatchStore(o.Store.Gauges, o.Now)
	s.sched = scheduler.New(loc, o.Store, o.Log)
	s.sched.OnOutcome = s.countJob
	s.slack = Slack(cfg, o.Log)
	// The model-input coverage is checked with the data's counts by the doctor checks `serve`
	// runs at start, and again after each scoring: a check without data would warn about
	// inputs that open sources (long CSV, push) do bring.
	if err := s.build(ctx, cfg, loc); err != nil {
		s.slack.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// build wires the jobs and the HTTP routes.
func (s *Service) build(ctx context.Context, cfg *config.Config, loc *time.Location) error {
	if err := s.addScoring(); err != nil {
		return err
	}
	if err := s.addSyncs(ctx, cfg); err != nil {
		return err
	}
	// The alerter is made after the drip: the drip reaches it through this late-bound adapter.
	rt := drip.Runtime{Now: s.o.Now, Log: s.log, Metrics: s.metrics, Alerter: alertFunc(s.alert)}
	if cfg.Slack.BotToken != "" {
		rt.Mentions = s.slack.Users()
	}
	d, err := drip.FromConfig(ctx, cfg, s.o.Store, rt)
	if err != nil {
		return err
	}
	s.drip = d
	if err := s.buildReview(cfg); err != nil {
		return err
	}
	var alertSlack *slack.Client
	if cfg.Slack.BotToken != "" {
		alertSlack = s.slack
	}
	if s.alerter, err = alerts.New(alerts.Options{Store: s.o.Store, Slack: alertSlack, Channel: cfg.AlertChannel(),
		ConnectorFailures: cfg.Alerts.ConnectorFailures, Log: s.log}); err != nil {
		return err
	}
	if cfg.Shortlist.Schedule != "" {
		// The weekly program digest follows the week's shortlist into its channel.
		digest := &program.Digest{Store: s.o.Store, Slack: s.slack, Channel: cfg.Shortlist.Channel,
			Configured: cfg.Affiliates.Configured(), Log: s.log, Now: s.o.Now}
		run := func(ctx context.Context) error {
			if err := s.review.ShortlistJob(ctx); err != nil {
				return err
			}
			_, err := digest.Post(ctx, s.review.Week())
			return err
		}
		if err := s.add(scheduler.Job{Name: "shortlist", Spec: cfg.Shortlist.Schedule, Run: run}); err != nil {
			return err
		}
	}
	if err := s.add(scheduler.Job{Name: "alerts", Spec: cfg.Alerts.Schedule, Run: s.alerter.Job}); err != nil {
		return err
	}
	if err := s.add(scheduler.Job{Name: "drip", Spec: d.Schedule(), Run: d.Tick}); err != nil {
		return err
	}
	if err := s.addAffiliateRetry(cfg); err != nil {
		return err
	}
	// Affiliate webhooks only nudge the outcome sync: the sync stays the source of truth.
	hooks, err := webhook.FromConfig(cfg, s.o.Store, webhook.Coalesce(s.syncOutcomesNow), s.metrics, s.log)
	if err != nil {
		return err
	}
	s.mux = s.routes(cfg, hooks)
	return nil
}

// syncOutcomesNow runs the affiliate outcome sync now (the webhooks' nudge). If a sync is
// already running (a scheduled turn here, or on another replica), this nudge is skipped and the
// next turn on affiliates.schedule picks the change up.
func (s *Service) syncOutcomesNow() {
	if o, err := s.sched.RunNow("sync:" + affiliates.SyncName); err != nil || o != scheduler.Ran {
		s.log.Info("outcome sync after a webhook did not run here", "outcome", o, "err", err)
	}
}

// addAffiliateRetry schedules, when an affiliate platform is configured, the job that makes the
// affiliates approvals could not (platform down) every minute — the shortest backoff; each
// person is asked again only when their backoff is over — and alerts the CSM channel through
// the alerter.
func (s *Service) addAffiliateRetry(cfg *config.Config) error {
	en, err := affiliates.FromConfig(cfg, s.o.Store, s.log)
	if err != nil || en == nil {
		return err
	}
	r := affiliates.NewRetrier(en, s.alerter, s.o.Now)
	return s.add(scheduler.Job{Name: AffiliateRetryJob, Spec: affiliates.RetrySchedule, Run: r.Run})
}

// buildReview wires the weekly shortlist and the buttons' answers; both read the shortlist
// policy and the current-value rule from the live config, so a reload reaches them.
func (s *Service) buildReview(cfg *config.Config) error {
	ro, err := review.OptionsFromConfig(cfg, s.o.Store, s.log, s.metrics, s.o.Now)
	if err != nil {
		return err
	}
	ro.Slack = s.slack
	ro.Rules = func() (advocate.Policy, advocate.Sources) {
		c, _ := s.live.Current()
		return c.Policy(), c.Sources()
	}
	policyOf := func() advocate.Policy {
		c, _ := s.live.Current()
		return c.Policy()
	}
	if s.decide, err = Decider(cfg, s.o.Store, s.slack, s.metrics, s.log, s.o.Now, policyOf); err != nil {
		return err
	}
	ro.Decider = s.decide
	// The invitation preview (with the stored LLM paragraph) is what Slack's Preview shows.
	ro.Preview = s.drip.InvitePreview
	s.review, err = review.New(ro)
	return err
}

func (s *Service) add(j scheduler.Job) error {
	if err := s.sched.Add(j); err != nil {
		return err
	}
	s.jobs++
	return nil
}

func (s *Service) countJob(job string, o scheduler.Outcome, err error) {
	s.metrics.JobRuns.WithLabelValues(job, string(o)).Inc()
	if err != nil {
		s.metrics.Error(job)
	}
}

// alert is the drip's Alerter until the alerter exists (it is built after the drip).
func (s *Service) alert(ctx context.Context, kind, text string) error {
	if s.alerter == nil {
		return nil
	}
	return s.alerter.Alert(ctx, kind, text)
}

// addScoring schedules scoring: after every successful sync (RunNow) and hourly as a safety
// net; the cluster lock makes concurrent triggers collapse into one run. It reads the live
// model and current-value rule at each run.
func (s *Service) addScoring() error {
	return s.add(scheduler.Job{Name: "score", Spec: "@hourly", Run: s.score})
}

// score re-scores everyone from the hot table (ranker.Hot): the first run reads the whole
// base, later runs read only the customers a sync changed. A change of the current-value rule
// (sources, precedence, freshness) rebuilds the table; a change of the model only re-scores it.
func (s *Service) score(ctx context.Context) error {
	cfg, model := s.live.Current()
	if fresh, err := s.upToDate(ctx, model.Hash()); err != nil || fresh {
		return err
	}
	s.hotMu.Lock()
	defer s.hotMu.Unlock()
	src, now := cfg.Sources(), s.o.Now()
	if s.hot != nil && !reflect.DeepEqual(s.hot.Sources(), src) {
		s.hot = nil // let the old table go before the new one is read
	}
	if s.hot == nil {
		hot, err := ranker.LoadHot(ctx, s.o.Store, src, now)
		if err != nil {
			return err
		}
		s.hot = hot
	}
	scored, tm, err := s.hot.Rescore(ctx, model, now)
	if err != nil {
		s.hot = nil // a refresh that failed part-way: read everything again next time
		return err
	}
	run := scored.Run
	s.metrics.ScoreDone()
	s.log.Info("scored", "customers", run.Customers, "eligible", run.Eligible, "run", run.ID, "reread", tm.Reread,
		"refresh", tm.Refresh.Round(time.Millisecond), "score", tm.Score.Round(time.Millisecond), "write", tm.Write.Round(time.Millisecond))
	s.warnCoverage(coverage.Check(model, coverage.Sources(cfg), coverage.FromTable(scored.Table)))
	return nil
}

// warnCoverage logs the model-input warnings when they differ from the last ones logged, so
// an hourly run does not repeat the same lines all day.
func (s *Service) warnCoverage(r coverage.Report) {
	s.covMu.Lock()
	defer s.covMu.Unlock()
	if slices.Equal(r.Warnings, s.covLast) {
		return
	}
	s.covLast = r.Warnings
	for _, w := range r.Warnings {
		s.log.Warn("model input coverage: " + w)
	}
}

// upToDate reports whether the latest score run used this model and no data changed since:
// then a run would rewrite a row per customer for nothing.
func (s *Service) upToDate(ctx context.Context, modelHash string) (bool, error) {
	last, err := s.o.Store.LatestScoreRun(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil || last.ModelHash != modelHash {
		return false, err
	}
	changed, err := s.o.Store.LastDataChange(ctx)
	if err != nil || !changed.Before(last.CreatedAt) {
		return false, err
	}
	s.log.Debug("score skipped: no new data since the last run", "run", last.ID)
	return true, nil
}

// addSyncs schedules each connector that has a schedule; a successful sync triggers scoring.
// A failing connector backs off (syncer.RetryDelay). Runs a dead process left "running" are
// marked interrupted first. Connectors are wired at start: changing them needs a restart (Live
// says so on reload).
func (s *Service) addSyncs(ctx context.Context, cfg *config.Config) error {
	sync := &syncer.Syncer{Store: s.o.Store, Log: s.log, Metrics: s.metrics, Scheduled: true,
		Build: affiliates.Builder(cfg, s.o.Store, s.log)}
	// The affiliate-platform outcome sync runs on affiliates.schedule like a connector.
	all := affiliates.WithSync(cfg)
	if err := sync.Recover(ctx, all); err != nil {
		s.log.Warn("could not mark interrupted sync runs", "err", err)
	}
	for _, c := range all {
		if c.Schedule == "" {
			continue
		}
		c.Runtime.Log = s.log
		err := s.add(scheduler.Job{Name: "sync:" + c.Name, Spec: c.Schedule, Run: func(ctx context.Context) error {
			r := sync.One(ctx, c)
			if r.Failed() {
				return errors.New(r.Error)
			}
			if r.Status == "ok" {
				go s.sched.RunNow("score")
			}
			return nil
		}})
		if err != nil {
			return err
		}
	}
	return nil
}

// routes is the HTTP surface: the push API and probes, metrics, unsubscribe links (the signed
// token is the authentication) and Slack interactions (unless they arrive over Socket Mode).
func (s *Service) routes(cfg *config.Config, hooks http.Handler) *http.ServeMux {
	srv := &server.Server{Store: s.o.Store, Log: s.log, APIToken: cfg.Server.APIToken, PushTokens: map[string]string{},
		AffiliateWebhooks: hooks}
	for _, c := range cfg.Connectors {
		if c.Type != "webhook" {
			continue
		}
		srv.PushSources = append(srv.PushSources, c.Name)
		if c.Token != "" {
			srv.PushTokens[c.Token] = c.Name
		}
	}
	mux := http.NewServeMux()
	// The API, probes and signed webhooks authenticate themselves; everything else is the
	// dashboard, which asks for a signed-in user.
	api := srv.Handler()
	mux.Handle(server.RouteHealthz, api)
	mux.Handle(server.RouteReadyz, api)
	mux.Handle(server.RouteSignals, api)
	mux.Handle(server.RouteAffiliateWebhooks, api)
	mux.Handle(server.RouteOpenAPI, api)
	loc, _ := time.LoadLocation(cfg.Shortlist.Timezone) // checked in New
	dash := &web.Server{Store: s.o.Store, Log: s.log, Now: s.o.Now, Decide: s.decide, Drip: s.drip, Location: loc,
		Config: func() *config.Config { c, _ := s.live.Current(); return c }}
	mux.Handle("/", dash.Handler())
	mux.Handle(server.RouteMetrics, s.metrics.Protected(cfg.Server.MetricsToken))
	mux.Handle(server.RouteUnsubscribe, s.drip.UnsubscribeHandler())
	if !cfg.Slack.SocketMode {
		mux.Handle(server.RouteSlackActions, s.review.Handler())
	}
	return mux
}

// Start listens, serves HTTP, connects Socket Mode when configured, watches the config file
// and starts the scheduler. It returns once everything is running; Err reports a component
// that stopped on its own.
func (s *Service) Start(ctx context.Context) error {
	cfg, _ := s.live.Current()
	addr := s.o.Listen
	if addr == "" {
		addr = cfg.Server.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", addr, err)
	}
	s.ln = ln
	ctx, s.cancel = context.WithCancel(ctx)
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errs <- fmt.Errorf("http: %w", err)
		}
	}()
	if cfg.Slack.SocketMode {
		go func() {
			if err := s.review.RunSocketMode(ctx); err != nil && ctx.Err() == nil {
				s.errs <- fmt.Errorf("slack socket mode: %w", err)
			}
		}()
	}
	poll := s.o.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	go s.live.Watch(ctx, s.o.Reload, poll)
	s.sched.Start()
	s.log.Info("advocate serving", "listen", ln.Addr().String(), "scheduled_jobs", s.jobs, "db", s.o.Store.Dialect())
	return nil
}

// Addr is the address the HTTP server listens on (after Start).
func (s *Service) Addr() string { return s.ln.Addr().String() }

// Err delivers the first error of a component that stopped on its own (HTTP, Socket Mode).
func (s *Service) Err() <-chan error { return s.errs }

// Stop shuts down in order: HTTP, queued Slack updates, scheduler, database. It returns the
// first error but always runs every step.
func (s *Service) Stop(ctx context.Context) error {
	httpCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpGrace)
	defer cancel()
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(httpCtx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	if err := s.slack.Close(httpCtx); err != nil {
		errs = append(errs, fmt.Errorf("slack updates still queued at shutdown: %w", err))
	}
	if err := s.sched.Stop(jobsGrace); err != nil {
		errs = append(errs, fmt.Errorf("scheduler shutdown: %w", err))
	}
	if s.cancel != nil {
		s.cancel()
	}
	if err := s.o.Store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	return errors.Join(errs...)
}

// alertFunc adapts a function to drip.Alerter.
type alertFunc func(ctx context.Context, kind, text string) error

func (f alertFunc) Alert(ctx context.Context, kind, text string) error { return f(ctx, kind, text) }

// Slack is the one Slack client of a process. Close it before the store: its Close sends the
// queued message updates, which read the store.
func Slack(cfg *config.Config, log *slog.Logger) *slack.Client {
	return slack.New(slack.Config{BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, APIURL: cfg.Slack.APIURL, Log: log})
}

// Decider wires the one decide service the Slack buttons, the CLI and the web use. With a bot
// token, decisions are shown on the week's posted Slack message through client; m may be nil
// (a CLI process exports no metrics); policyOf, when not nil, is read at each decision (the
// daemon's live config).
func Decider(cfg *config.Config, st *store.Store, client *slack.Client, m *metrics.Metrics, log *slog.Logger, now func() time.Time, policyOf func() advocate.Policy) (*decide.Service, error) {
	loc, err := time.LoadLocation(cfg.Shortlist.Timezone)
	if err != nil {
		return nil, err
	}
	o := decide.Options{Store: st, Policy: cfg.Policy(), PolicyOf: policyOf, Location: loc, Metrics: m, Log: log, Now: now}
	if client != nil && cfg.Slack.BotToken != "" {
		o.Messages = slack.NewUpdater(client, st, loc)
	}
	// With an affiliate platform configured, an approval makes the contact an affiliate there.
	en, err := affiliates.FromConfig(cfg, st, log)
	if err != nil {
		return nil, err
	}
	if en != nil { // not a typed nil in the interface: nil means the step is skipped
		o.Affiliates = en
	}
	return decide.New(o)
}
