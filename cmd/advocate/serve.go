package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/advocate-hq/advocate/internal/service"
)

// cmdServe runs the daemon (internal/service) until SIGINT/SIGTERM, then stops it in order:
// HTTP, queued Slack updates, scheduler, database.
func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve")
	listen := fs.String("listen", "", "address to listen on (default: server.listen from the config)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	_, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	// The scoring model and the shortlist policy reload on SIGHUP or when the file changes; an
	// invalid edit keeps the running config and is logged with file:line.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	svc, err := service.New(ctx, service.Options{ConfigPath: a.resolvedConfigPath(), Store: st, Listen: *listen, Log: a.log, Now: a.now, Reload: hup})
	if err != nil {
		st.Close()
		return err
	}
	if err := svc.Start(ctx); err != nil {
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
	if err := svc.Stop(ctx); err != nil {
		a.log.Warn("shutdown", "err", err)
	}
	a.log.Info("stopped")
	return runErr
}
