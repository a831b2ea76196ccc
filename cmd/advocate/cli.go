package main

// The command tree: cobra gives every command its help page (arguments, its own flags, an
// example), "did you mean" for typos, and completion scripts for bash, zsh, fish and
// PowerShell. What each command does stays in its own function; this file only wires them.

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/advocate-hq/advocate/internal/version"
)

// Command groups, in the order the root help lists them.
const (
	groupStart = "start"
	groupDaily = "daily"
	groupOps   = "ops"
)

// newRoot builds the whole command tree for one run of a (a fresh tree per run: flag values live
// in closures, and tests run many command lines in one process).
func (a *app) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "advocate",
		Short: "turn your happiest customers into affiliates",
		Long: `advocate — turn your happiest customers into affiliates

Advocate ranks customers as affiliate candidates from CS signals (health, NPS, usage, tickets,
LTV), gives each CSM a weekly shortlist in Slack, makes approved customers affiliates and sends
them an onboarding email sequence.

Start with "advocate demo", then "advocate init" to write your own config.`,
		Example: `  advocate demo
  advocate init && advocate sync && advocate score && advocate shortlist
  advocate --config /etc/advocate/advocate.yaml status`,
		Version:       version.Get().String(),
		Args:          unknownSubcommand,
		SilenceErrors: true, // run prints the one-line error and picks the exit code
		SilenceUsage:  true,
		RunE:          func(c *cobra.Command, _ []string) error { return c.Help() },
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			a.applyEnv(c)
			return a.setupLog(c.Name())
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true // ours below has help text and an example
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c.HasParent() {
			return usageErr("%s: %v (see %s --help)", commandName(c), err, c.CommandPath())
		}
		return usageErr("%v (see %s --help)", err, c.CommandPath())
	})
	// Go's flag package, which the CLI used before, took "--v" for -v; keep that working.
	root.SetGlobalNormalizationFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "v" {
			name = "verbose"
		}
		return pflag.NormalizedName(name)
	})

	root.Flags().Bool("version", false, "print the version, commit and build date") // cobra prints it
	g := root.PersistentFlags()
	g.StringVar(&a.configPath, "config", "", "read the config from `FILE` (env ADVOCATE_CONFIG, default advocate.yaml)")
	g.StringVar(&a.dsn, "db", "", "the database: a `DSN` postgres://… or an SQLite path (env ADVOCATE_DATABASE_URL,\ndefault: database.url from the config, else advocate.db next to it)")
	g.BoolVarP(&a.verbose, "verbose", "v", false, "debug logging (commands other than serve log only warnings and errors otherwise)")
	g.StringVar(&a.logFormat, "log-format", "", "`FORMAT` of log lines: text or json (env ADVOCATE_LOG_FORMAT; default json for serve\nwhen stderr is not a terminal, else text)")

	root.AddGroup(
		&cobra.Group{ID: groupStart, Title: "Getting started:"},
		&cobra.Group{ID: groupDaily, Title: "Candidates and decisions:"},
		&cobra.Group{ID: groupOps, Title: "Running it:"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add(groupStart, a.demoCommand(), a.initCommand(), a.migrateCommand(), a.doctorCommand())
	add(groupDaily, a.syncCommand(), a.scoreCommand(), a.insightsCommand(), a.shortlistCommand(), a.explainCommand(),
		a.decideCommand("approve"), a.decideCommand("skip"), a.decideCommand("snooze"), a.exportCommand(),
		a.programCommand(), a.tuneCommand())
	add(groupOps, a.dripCommand(), a.serveCommand(), a.statusCommand(), a.userCommand(), a.healthcheckCommand(), a.versionCommand(), completionCommand())
	root.SetHelpCommand(helpCommand())
	root.SetHelpCommandGroupID(groupOps)
	root.InitDefaultHelpCmd() // now, not at Execute, so dispatch's Find sees it
	return root
}

// applyEnv fills the global flags the command line left unset from the environment. The
// flags' defaults stay empty so help never prints a DSN (with its password) from the env.
func (a *app) applyEnv(c *cobra.Command) {
	for flag, env := range map[string]string{"config": "ADVOCATE_CONFIG", "db": "ADVOCATE_DATABASE_URL", "log-format": "ADVOCATE_LOG_FORMAT"} {
		if c.Flags().Changed(flag) {
			continue
		}
		v := os.Getenv(env)
		switch flag {
		case "config":
			a.configPath = v
		case "db":
			a.dsn = v
		case "log-format":
			a.logFormat = v
		}
	}
}

// dispatch runs one command line (without the program name).
func (a *app) dispatch(ctx context.Context, args []string) error {
	root := a.newRoot()
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	args = singleDashLongFlags(root, args)
	// A mistyped command is reported as such even when a flag follows it that the parent
	// command lacks ("shortlsit --json"): cobra would complain about the flag instead.
	completing := len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
	if c, rest, err := root.Find(args); err == nil && !completing && c.HasAvailableSubCommands() {
		if name := firstPositional(c, rest); name != "" {
			return unknownCommandErr(c, name)
		}
	}
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// firstPositional is the first argument of args that is neither a flag of c nor a flag's value.
func firstPositional(c *cobra.Command, args []string) string {
	c.InitDefaultHelpFlag() // merges the parents' persistent flags into c.Flags()
	fs := c.Flags()
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			if i+1 < len(args) {
				return args[i+1]
			}
			return ""
		case len(arg) < 2 || arg[0] != '-':
			return arg
		case strings.Contains(arg, "="):
			continue
		}
		var f *pflag.Flag
		if name, ok := strings.CutPrefix(arg, "--"); ok {
			f = fs.Lookup(name)
		} else if len(arg) == 2 {
			f = fs.ShorthandLookup(arg[1:])
		}
		if f != nil && f.NoOptDefVal == "" { // the flag takes the next argument as its value
			i++
		}
	}
	return ""
}

// singleDashLongFlags rewrites "-json" and "-top=5" to "--json" and "--top=5" when the name is
// a long flag of some command: Go's flag package, which the CLI used before, accepted both
// forms, and scripts written then keep working.
func singleDashLongFlags(root *cobra.Command, args []string) []string {
	long := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	long["help"], long["version"] = true, true
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if len(arg) > 2 && arg[0] == '-' && arg[1] != '-' {
			name, _, _ := strings.Cut(arg[1:], "=")
			if len(name) > 1 && long[name] {
				arg = "-" + arg
			}
		}
		out = append(out, arg)
	}
	return out
}

// unknownSubcommand is the Args check of commands that only group subcommands (and of the
// root): an argument that names no subcommand is a usage error with the nearest names.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknownCommandErr(c, args[0])
}

func unknownCommandErr(c *cobra.Command, name string) error {
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only on its own error path
	}
	hint := ""
	if s := c.SuggestionsFor(name); len(s) > 0 {
		hint = fmt.Sprintf("did you mean %q? ", s[0])
		if len(s) > 1 {
			hint = fmt.Sprintf("did you mean one of %s? ", strings.Join(quoteAll(s), ", "))
		}
	}
	return usageErr("unknown command %q for %q (%ssee %s --help)", name, c.CommandPath(), hint, c.CommandPath())
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

// noArgs is the Args check of commands that take no positional arguments.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q (see %s --help)", c.CommandPath(), args[0], c.CommandPath())
	}
	return nil
}

// oneCustomer is the Args check of commands that act on exactly one CUSTOMER.
func oneCustomer(c *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErr("%s needs exactly one CUSTOMER (an id or a domain), got %d", commandName(c), len(args))
	}
	return nil
}

// exactlyOne is the Args check of commands that take one positional argument called name.
func exactlyOne(name string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageErr("%s needs exactly one %s, got %d", commandName(c), name, len(args))
		}
		return nil
	}
}

// commandName is the command path without the program name ("drip resume").
func commandName(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
}

// helpCommand is `advocate help [COMMAND...]`: the command's help on stdout, exit 0; an unknown
// command is a usage error with the nearest names (cobra's own prints the root usage and exits 0).
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND...]",
		Short: "help about any command",
		Long:  "Help prints a command's description, arguments, flags and examples.",
		Example: `  advocate help score
  advocate help drip preview`,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil || cmd == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return usageErr("%v", err)
			}
			if len(rest) > 0 {
				return unknownCommandErr(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// completionCommand prints a shell completion script.
func completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion SHELL",
		Short: "print the shell completion script (bash, zsh, fish or powershell)",
		Long: `Completion prints a script that makes your shell complete advocate's commands, flags and
connector names. Load it once per session, or install it where your shell looks.`,
		Example: `  advocate completion bash > /etc/bash_completion.d/advocate
  source <(advocate completion bash)                       # bash, this session only
  advocate completion zsh > "${fpath[1]}/_advocate"        # zsh (needs compinit)
  advocate completion fish > ~/.config/fish/completions/advocate.fish`,
		ValidArgs: []cobra.Completion{"bash", "zsh", "fish", "powershell"},
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("completion needs exactly one SHELL: bash, zsh, fish or powershell")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			w, root := c.OutOrStdout(), c.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return usageErr("completion: unknown shell %q (bash, zsh, fish or powershell)", args[0])
		},
	}
}

// versionCommand is `advocate version [--json]`; `advocate --version` prints the same line.
func (a *app) versionCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "print the version, commit and build date",
		Long: `Version prints which build of Advocate this is: the version, the commit and the build date
(set by "make build"; a plain "go build" reports what the Go toolchain recorded).`,
		Example: `  advocate version
  advocate version --json
  advocate --version`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(a.stdout, version.Get())
			}
			_, err := fmt.Fprintln(a.stdout, version.Get().String())
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}
