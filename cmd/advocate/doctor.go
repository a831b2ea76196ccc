package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/doctor"
	"github.com/advocate-hq/advocate/internal/server"
	"github.com/advocate-hq/advocate/internal/store"
)

// doctorCommand is `advocate doctor [--json]`.
func (a *app) doctorCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "doctor",
		Short: "check config, database, credentials, Slack, SMTP and more",
		Long: `Doctor checks everything a scheduled run needs, each with a verdict and a hint to fix it: the
config; the database (reachable, migrations current); each connector's credentials with the
cheapest authenticated call its vendor offers; Slack (auth.test and access to the channel); SMTP
(connect, EHLO, STARTTLS/TLS as configured, AUTH; nothing is sent); OpenAI when configured; the
affiliate platform; server.public_url (https, not localhost); the model-input coverage; and the
unsubscribe secret. Nothing is written: doctor neither migrates nor sends. It exits 1 when any
check fails.`,
		Example: `  advocate doctor
  advocate doctor --json | jq '.checks[] | select(.ok | not)'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdDoctor(c.Context(), a, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, `print as JSON: {"checks":[{"name","ok","detail"}],"ok"}`)
	return c
}

// errChecksFailed is doctor's exit 1: the report above already says what failed.
var errChecksFailed = errors.New("some checks failed (see above)")

func cmdDoctor(ctx context.Context, a *app, asJSON bool) error {
	o := doctor.Options{ConfigPath: a.resolvedConfigPath(), Log: a.log, Now: a.now}
	o.Config, o.ConfigErr = a.loadConfig()
	// Open without migrating: pending migrations are one of the findings, not something a
	// check should change.
	var st *store.Store
	if o.Config != nil || a.dsn != "" {
		st, o.StoreErr = store.Open(ctx, a.databaseURL(o.Config))
	} else {
		o.StoreErr = errors.New("not opened: the config did not load")
	}
	if st != nil {
		defer st.Close()
		o.Store = st
	}
	rep := doctor.Run(ctx, o)
	var err error
	if asJSON {
		err = rep.WriteJSON(a.stdout)
	} else {
		err = rep.WriteText(a.stdout)
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return errChecksFailed
	}
	return nil
}

// healthcheckCommand is `advocate healthcheck`: the container's HEALTHCHECK (distroless images
// have no curl), asking the local serve's /healthz.
func (a *app) healthcheckCommand() *cobra.Command {
	var url string
	c := &cobra.Command{
		Use:   "healthcheck",
		Short: "ask a running serve whether it is healthy (for container health checks)",
		Long: `Healthcheck asks the advocate serve on this machine for /healthz (on server.listen from the config,
or --url) and exits 0 when it answers 200, 1 otherwise. The Docker image's HEALTHCHECK runs it.`,
		Example: `  advocate healthcheck
  advocate healthcheck --url http://127.0.0.1:9090/healthz`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if url == "" {
				listen := config.Default().Server.Listen
				if cfg, err := a.loadConfig(); err == nil {
					listen = cfg.Server.Listen
				}
				var err error
				if url, err = server.ProbeURL(listen); err != nil {
					return err
				}
			}
			if err := server.Probe(c.Context(), url); err != nil {
				return fmt.Errorf("unhealthy: %w", err)
			}
			fmt.Fprintln(a.stdout, "healthy")
			return nil
		},
	}
	c.Flags().StringVar(&url, "url", "", "the `URL` to ask (default: /healthz on server.listen)")
	return c
}
