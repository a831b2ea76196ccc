package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/advocate-hq/advocate/internal/scheduler"
	"github.com/advocate-hq/advocate/internal/server"
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
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	loc, err := time.LoadLocation(cfg.Shortlist.Timezone)
	if err != nil {
		return fmt.Errorf("serve: timezone: %w", err)
	}
	sched := scheduler.New(loc, st, a.log)
	sync := &syncer.Syncer{Store: st, Log: a.log}
	scheduled := 0
	for _, c := range cfg.Connectors {
		if c.Schedule == "" {
			continue
		}
		c := c
		c.Runtime.Log = a.log
		if err := sched.Add(scheduler.Job{Name: "sync:" + c.Name, Spec: c.Schedule, Run: func(ctx context.Context) error {
			if r := sync.One(ctx, c); r.Failed() {
				return errors.New(r.Error)
			}
			return nil
		}}); err != nil {
			return err
		}
		scheduled++
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
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(ln) }()
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
		return fmt.Errorf("serve: http: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	if err := sched.Stop(20 * time.Second); err != nil {
		a.log.Warn("scheduler shutdown", "err", err)
	}
	a.log.Info("stopped")
	return nil
}
