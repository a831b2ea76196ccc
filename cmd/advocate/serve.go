package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/doctor"
	"github.com/advocate-hq/advocate/internal/service"
)

func (a *app) serveCommand() *cobra.Command {
	var listen string
	c := &cobra.Command{
		Use:   "serve",
		Short: "daemon: syncs, scoring, shortlist, alerts, drip, HTTP",
		Long: `Serve runs the daemon: scheduled connector syncs and scoring, the weekly shortlist, failure
alerts, the drip, and HTTP (API, Slack interactions, unsubscribe, metrics, health). It reloads the
scoring model and shortlist policy on SIGHUP or when the config file changes, and stops cleanly
on SIGTERM. Several replicas may share one Postgres. It logs at INFO (JSON lines when stderr is
not a terminal).`,
		Example: `  advocate serve
  advocate serve --listen :9090 --log-format json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdServe(c.Context(), a, listen) },
	}
	c.Flags().StringVar(&listen, "listen", "", "`ADDR` to listen on (default: server.listen from the config)")
	return c
}

// cmdServe runs the daemon (internal/service) until SIGINT/SIGTERM, then stops it in order:
// HTTP, queued Slack updates, scheduler, database.
func cmdServe(ctx context.Context, a *app, listen string) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 { // set by main (memlimit)
		a.log.Info("memory limit for the Go heap", "MiB", limit>>20)
	}
	// The same checks as `advocate doctor`, logged as warnings: serve starts anyway, and a slow
	// vendor does not hold the start up.
	checkCtx, cancelChecks := context.WithCancel(ctx)
	checked := make(chan struct{})
	// The checks use the store: they end before it closes.
	stopChecks := func() { cancelChecks(); <-checked }
	go func() {
		defer close(checked)
		doctor.Run(checkCtx, doctor.Options{ConfigPath: a.resolvedConfigPath(), Config: cfg, Store: st, Log: a.log, Now: a.now}).Log(a.log)
	}()
	// The scoring model and the shortlist policy reload on SIGHUP or when the file changes; an
	// invalid edit keeps the running config and is logged with file:line.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	svc, err := service.New(ctx, service.Options{ConfigPath: a.resolvedConfigPath(), Store: st, Listen: listen, Log: a.log, Now: a.now, Reload: hup})
	if err != nil {
		stopChecks()
		st.Close()
		return err
	}
	if err := svc.Start(ctx); err != nil {
		stopChecks()
		svc.Stop(ctx)
		return err
	}
	if a.onListen != nil {
		a.onListen(svc.Addr())
	}
	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case runErr = <-svc.Err():
		runErr = fmt.Errorf("serve: %w", runErr)
	}
	stopChecks()
	if err := svc.Stop(ctx); err != nil {
		a.log.Warn("shutdown", "err", err)
	}
	a.log.Info("stopped")
	return runErr
}
