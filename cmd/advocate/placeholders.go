package main

// Placeholders for two commands built in parallel on other branches: `doctor` (package
// internal/doctor) and `user` (web users, package internal/web). Their help, arguments and
// flags are final so the command tree, completion and the help test already cover them; the
// lead replaces this file with the real wiring when merging those branches.

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// errNotBuilt is what a placeholder command returns.
var errNotBuilt = errors.New("not built yet")

func notBuilt(c *cobra.Command, _ []string) error {
	return fmt.Errorf("%s: %w", commandName(c), errNotBuilt)
}

// doctorCommand is `advocate doctor [--json]`.
func doctorCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "doctor",
		Short: "check config, database, credentials, Slack, SMTP and more",
		Long: `Doctor checks everything a scheduled run needs, each with a verdict and a hint to fix it: the
config; the database (reachable, migrations current); each connector's credentials with the
cheapest authenticated call its vendor offers; Slack (auth.test and access to the channel); SMTP
(connect, EHLO, STARTTLS/TLS as configured, AUTH; nothing is sent); OpenAI when configured; the
affiliate platform; server.public_url (https, not localhost); the model-input coverage; and the
unsubscribe secret. It exits 1 when any check fails.`,
		Example: `  advocate doctor
  advocate doctor --json | jq '.checks[] | select(.ok | not)'`,
		Args: noArgs,
		RunE: notBuilt,
	}
	c.Flags().Bool("json", false, `print as JSON: {"checks":[{"name","ok","detail"}],"ok"}`)
	return c
}

// userCommand is `advocate user add|list|remove`: the dashboard's users.
func userCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "user",
		Short: "manage the dashboard's users",
		Long: `User adds, lists and removes the people who may sign in to the dashboard that "advocate serve"
serves. A password is read from standard input, never from the command line.`,
		Example: `  advocate user add dana@acme.io --role marketing < password.txt
  advocate user list
  advocate user remove dana@acme.io`,
		Args: unknownSubcommand,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "add a dashboard user (password from standard input)",
		Long: `Add creates a dashboard user with the role given; the password is read from standard input
(typed at a prompt on a terminal, or piped). Roles: admin (everything, users included), marketing
(scoring and program pages), csm (the shortlist and decisions).`,
		Example: `  advocate user add dana@acme.io --role marketing
  printf '%s' "$PASSWORD" | advocate user add ops@acme.io --role admin`,
		Args: exactlyOne("EMAIL"),
		RunE: notBuilt,
	}
	add.Flags().String("role", "csm", "admin, marketing or csm")
	add.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]cobra.Completion{"admin", "marketing", "csm"}, cobra.ShellCompDirectiveNoFileComp))
	add.Flags().Bool("json", false, "print the user added as JSON")
	list := &cobra.Command{
		Use:   "list",
		Short: "list dashboard users and their roles",
		Long:  "List prints every dashboard user with their role and when they last signed in.",
		Example: `  advocate user list
  advocate user list --json`,
		Args: noArgs,
		RunE: notBuilt,
	}
	list.Flags().Bool("json", false, "print as JSON")
	remove := &cobra.Command{
		Use:     "remove EMAIL",
		Short:   "remove a dashboard user and end their sessions",
		Long:    "Remove deletes a dashboard user; their open sessions end at once.",
		Example: `  advocate user remove dana@acme.io`,
		Args:    exactlyOne("EMAIL"),
		RunE:    notBuilt,
	}
	remove.Flags().Bool("json", false, "print the result as JSON")
	c.AddCommand(add, list, remove)
	return c
}
