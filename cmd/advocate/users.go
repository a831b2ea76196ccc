package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/web"
)

// userCommand is `advocate user add|list|remove`: the dashboard's users (internal/web keeps
// the rules: address shape, roles, password length, bcrypt).
func (a *app) userCommand() *cobra.Command {
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
	var role string
	var addJSON, listJSON, removeJSON bool
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "add a dashboard user (password from standard input)",
		Long: `Add creates a dashboard user with the role given; the password (at least 12 characters) is read
from standard input: typed twice at a prompt on a terminal, or the first line of what is piped.
Roles: admin (everything, users included), marketing (scoring and program pages, the model
preview), csm (the shortlist and decisions).`,
		Example: `  advocate user add dana@acme.io --role marketing
  printf '%s\n' "$PASSWORD" | advocate user add ops@acme.io --role admin`,
		Args: exactlyOne("EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, st *store.Store) error {
				pw, err := a.password(args[0])
				if err != nil {
					return err
				}
				u, err := web.AddUser(ctx, st, args[0], role, pw)
				if err != nil {
					return err
				}
				if addJSON {
					return writeJSON(a.stdout, u)
				}
				fmt.Fprintf(a.stdout, "added %s (%s)\n", u.Email, u.Role)
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "csm", "admin, marketing or csm")
	add.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]cobra.Completion{"admin", "marketing", "csm"}, cobra.ShellCompDirectiveNoFileComp))
	add.Flags().BoolVar(&addJSON, "json", false, "print the user added as JSON")
	list := &cobra.Command{
		Use:   "list",
		Short: "list dashboard users and their roles",
		Long:  "List prints every dashboard user with their role and when they were added.",
		Example: `  advocate user list
  advocate user list --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, st *store.Store) error {
				us, err := web.ListUsers(ctx, st)
				if err != nil {
					return err
				}
				if listJSON {
					return writeJSON(a.stdout, map[string]any{"users": us})
				}
				if len(us) == 0 {
					fmt.Fprintln(a.stdout, "no dashboard users yet: add one with `advocate user add EMAIL --role admin`")
					return nil
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tROLE\tADDED")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Role, ago(a.now(), u.CreatedAt))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print as JSON")
	remove := &cobra.Command{
		Use:     "remove EMAIL",
		Short:   "remove a dashboard user and end their sessions",
		Long:    "Remove deletes a dashboard user; their open sessions end at once.",
		Example: `  advocate user remove dana@acme.io`,
		Args:    exactlyOne("EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, st *store.Store) error {
				if err := web.RemoveUser(ctx, st, args[0]); err != nil {
					return err
				}
				if removeJSON {
					return writeJSON(a.stdout, map[string]any{"removed": args[0]})
				}
				fmt.Fprintf(a.stdout, "removed %s\n", args[0])
				return nil
			})
		},
	}
	remove.Flags().BoolVar(&removeJSON, "json", false, "print the result as JSON")
	c.AddCommand(add, list, remove)
	return c
}

// password is where `user add` reads the password: at a terminal a prompt without echo, typed
// twice; otherwise the first line of standard input.
func (a *app) password(email string) (io.Reader, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return a.stdin, nil
	}
	read := func(prompt string) ([]byte, error) {
		fmt.Fprint(a.stderr, prompt)
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		return pw, err
	}
	first, err := read("Password for " + email + ": ")
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	again, err := read("Again: ")
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	if !bytes.Equal(first, again) {
		return nil, errors.New("the two passwords differ; nothing was changed")
	}
	return bytes.NewReader(append(first, '\n')), nil
}

// withStore opens (and migrates) the database for a command that needs no more of the config:
// with --db or ADVOCATE_DATABASE_URL the config file is not read, as for migrate.
func (a *app) withStore(ctx context.Context, f func(context.Context, *store.Store) error) error {
	var cfg *config.Config
	if a.dsn == "" {
		var err error
		if cfg, err = a.loadConfig(); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(ctx, st)
}
