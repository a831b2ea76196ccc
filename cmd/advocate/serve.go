package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/advocate-hq/advocate/internal/alerts"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/review"
	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/server"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// cmdServe runs the daemon: the scheduler and the HTTP server, until SIGINT/SIGTERM. Shutdown
// order: stop taking HTTP requests, let running jobs finish (or cancel them after a grace
// period: syncs resume from their last committed page), then close the database.
func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve")
	listen := fs.String("listen", "", "address to listen on (default: server.listen from the config)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	loc, err := time.LoadLocation(cfg.Shortlist.Timezone)
	if err != nil {
		return fmt.Errorf("serve: timezone: %w", err)
	}
	// The scoring model (and the rest of the config jobs read per run) reloads on SIGHUP or when
	// the file changes; an invalid edit keeps the running model and is logged with file:line.
	live, err := ranker.NewLive(a.resolvedConfigPath(), a.log)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go live.Watch(ctx, hup, 5*time.Second)

	m := metrics.New()
	sched := scheduler.New(loc, st, a.log)
	sync := &syncer.Syncer{Store: st, Log: a.log, Metrics: m}
	scheduled := 0
	add := func(j scheduler.Job) error {
		if err := sched.Add(j); err != nil {
			return err
		}
		scheduled++
		return nil
	}
	// Scoring runs after every successful sync (and hourly as a safety net); the cluster lock
	// makes concurrent triggers collapse into one run.
	if err := add(scheduler.Job{Name: "score", Spec: "@hourly", Run: func(ctx context.Context) error {
		cfg, model := live.Current()
		// Nothing new since the last run under the same model: skip (a run over a large base
		// writes a row per customer).
		if last, err := st.LatestScoreRun(ctx); err == nil && last.ModelHash == model.Hash() {
			if changed, err := st.LastDataChange(ctx); err == nil && changed.Before(last.CreatedAt) {
				a.log.Debug("score skipped: no new data since the last run", "run", last.ID)
				return nil
			}
		}
		run, _, err := ranker.Score(ctx, st, model, cfg.Sources(), a.now())
		if err == nil {
			m.ScoreDone(run.Customers, run.Eligible)
			a.log.Info("scored", "customers", run.Customers, "eligible", run.Eligible, "run", run.ID)
		}
		return err
	}}); err != nil {
		return err
	}
	for _, c := range cfg.Connectors {
		if c.Schedule == "" {
			continue
		}
		c := c
		c.Runtime.Log = a.log
		if err := add(scheduler.Job{Name: "sync:" + c.Name, Spec: c.Schedule, Run: func(ctx context.Context) error {
			if r := sync.One(ctx, c); r.Failed() {
				return errors.New(r.Error)
			}
			go sched.RunNow("score")
			return nil
		}}); err != nil {
			return err
		}
	}

	sched.OnOutcome = func(job string, o scheduler.Outcome, err error) {
		m.JobRuns.WithLabelValues(job, string(o)).Inc()
		if err != nil {
			m.Error(job)
		}
	}

	// The weekly shortlist in Slack, and the buttons' answers.
	ro, err := review.OptionsFromConfig(cfg, st, a.log, m, a.now)
	if err != nil {
		return err
	}
	// One Slack client for the shortlist, the buttons, decisions and alerts. Alerts go to Slack
	// when a bot token is set; otherwise they are only logged.
	slackClient := newSlack(a, cfg)
	ro.Slack = slackClient
	var alertSlack *slack.Client
	if cfg.Slack.BotToken != "" {
		alertSlack = slackClient
	}
	// Every decision (Slack buttons here; the CLI and the web call the same service) is
	// recorded, enrolled, shown on the posted message and counted by it.
	if ro.Decider, err = newDecider(a, cfg, st, slackClient, m); err != nil {
		return err
	}
	// The drip: sequences, outbox, unsubscribe links. Its invitation preview (with the stored
	// LLM paragraph) is what Slack's Preview button shows.
	// The alerter is made after the drip: the drip reaches it through this late-bound adapter.
	var alerter *alerts.Alerter
	rt := drip.Runtime{Now: a.now, Log: a.log, Metrics: m,
		Alerter: alerterFunc(func(ctx context.Context, kind, text string) error {
			if alerter == nil {
				return nil
			}
			return alerter.Alert(ctx, kind, text)
		})}
	if alertSlack != nil {
		rt.Mentions = alertSlack.Users()
	}
	d, err := drip.FromConfig(ctx, cfg, st, rt)
	if err != nil {
		return err
	}
	ro.Preview = d.InvitePreview
	rev, err := review.New(ro)
	if err != nil {
		return err
	}
	alerter, err = alerts.New(alerts.Options{Store: st, Slack: alertSlack, Channel: cfg.AlertChannel(),
		ConnectorFailures: cfg.Alerts.ConnectorFailures, Log: a.log})
	if err != nil {
		return err
	}
	if cfg.Shortlist.Schedule != "" {
		if err := add(scheduler.Job{Name: "shortlist", Spec: cfg.Shortlist.Schedule, Run: rev.ShortlistJob}); err != nil {
			return err
		}
	}
	if err := add(scheduler.Job{Name: "alerts", Spec: cfg.Alerts.Schedule, Run: alerter.Job}); err != nil {
		return err
	}
	if err := add(scheduler.Job{Name: "drip", Spec: d.Schedule(), Run: d.Tick}); err != nil {
		return err
	}

	srv := &server.Server{Store: st, Log: a.log, APIToken: cfg.Server.APIToken, PushTokens: map[string]string{}}
	for _, c := range cfg.Connectors {
		if c.Type == "webhook" {
			srv.PushSources = append(srv.PushSources, c.Name)
			if c.Token != "" {
				srv.PushTokens[c.Token] = c.Name
			}
		}
	}
	addr := *listen
	if addr == "" {
		addr = cfg.Server.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/u/", d.UnsubscribeHandler()) // the signed token is the authentication
	if !cfg.Slack.SocketMode {
		mux.Handle("POST /slack/actions", rev.Handler())
	}
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	httpErr := make(chan error, 2)
	go func() { httpErr <- httpSrv.Serve(ln) }()
	if cfg.Slack.SocketMode {
		go func() {
			if err := rev.RunSocketMode(ctx); err != nil {
				httpErr <- fmt.Errorf("slack socket mode: %w", err)
			}
		}()
	}
	sched.Start()
	if a.onListen != nil {
		a.onListen(ln.Addr().String())
	}
	a.log.Info("advocate serving", "listen", ln.Addr().String(), "scheduled_jobs", scheduled, "db", st.Dialect())

	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err := <-httpErr:
		sched.Stop(time.Second)
		return fmt.Errorf("serve: %w", err)
	}
	// Stop taking requests, let queued Slack updates go out, then stop jobs (a sync resumes
	// from its last committed page; claimed emails are handed back), then close the database.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	if err := slackClient.Close(shutdownCtx); err != nil {
		a.log.Warn("slack updates still queued at shutdown", "err", err)
	}
	if err := sched.Stop(20 * time.Second); err != nil {
		a.log.Warn("scheduler shutdown", "err", err)
	}
	a.log.Info("stopped")
	return nil
}

// alerterFunc adapts a function to drip.Alerter.
type alerterFunc func(ctx context.Context, kind, text string) error

func (f alerterFunc) Alert(ctx context.Context, kind, text string) error { return f(ctx, kind, text) }
