// Command advocate finds a SaaS company's happiest customers, puts them in front of their CSM
// in Slack once a week, and runs approved ones through an onboarding email sequence.
//
// main only parses flags, wires packages together and prints; the work is done in the
// packages under internal/, scoring/ and connectors/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	_ "github.com/advocate-hq/advocate/connectors/all" // registers every connector type
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries a specific exit code (2: usage).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return exitError{2, fmt.Errorf(format, args...)}
}

// app is what every command gets: where output goes, which config and database to use, and
// the clock.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	configPath     string
	dsn            string
	verbose        bool
	logFormat      string // text | json; "" = json for serve off a terminal, else text
	now            func() time.Time
	// isTerminal says whether stderr is a terminal (progress output); tests leave it false.
	isTerminal bool
	// onListen, if set, is told the address serve listens on (tests listen on port 0).
	onListen func(addr string)
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, a *app, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"demo", "[--out DIR]", "zero-setup tour on bundled sample data", cmdDemo},
		{"init", "[--force]", "write a commented starter advocate.yaml", cmdInit},
		{"migrate", "", "apply database migrations", cmdMigrate},
		{"sync", "[--json] [NAME...]", "run connectors now (all, or the named ones)", cmdSync},
		{"score", "[--json] [--top N] [--what-if FILE]", "score everyone; --what-if previews another config", cmdScore},
		{"insights", "[--top N] [--json]", "channels, industries, plans the top comes from", cmdInsights},
		{"shortlist", "[--top N] [--json] [--week YYYY-Www] [--post]", "build this week's shortlist; --post sends it to Slack", cmdShortlist},
		{"explain", "CUSTOMER [--json]", "factor-by-factor breakdown for one customer", cmdExplain},
		{"export", "[--format csv|json]", "every customer with attributes, signals and score", cmdExport},
		{"approve", "CUSTOMER [--by EMAIL]", "approve a candidate (as the Slack button does)", decide("approve")},
		{"skip", "CUSTOMER [--by EMAIL]", "skip a candidate for the cooldown period", decide("skip")},
		{"snooze", "CUSTOMER [--by EMAIL] [--days N]", "snooze a candidate", decide("snooze")},
		{"program", "[--days N] [--json]", "affiliate-program KPIs over the last N days and the funnel", cmdProgram},
		{"tune", "[--json] [--write FILE]", "fit weights to affiliate outcomes, backtest vs current", cmdTune},
		{"status", "[--json]", "each connector's last success, last error, staleness", cmdStatus},
		{"drip", "[--dry-run] | preview|stop|resume|status ...", "send the onboarding emails that are due now", cmdDrip},
		{"serve", "[--listen ADDR]", "daemon: syncs, scoring, shortlist, alerts, drip, HTTP", cmdServe},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `advocate — turn your happiest customers into affiliates

Usage: advocate [--config FILE] [--db DSN] [-v] COMMAND [ARGS]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %-38s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, `
Global flags (also accepted after the command):
  --config FILE   config file (env ADVOCATE_CONFIG, default advocate.yaml)
  --db DSN        postgres://… or an SQLite path (env ADVOCATE_DATABASE_URL,
                  default: database.url from the config, else advocate.db next to it)
  -v              debug logging

Start with "advocate demo", then "advocate init" to write your own config.
`)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, now: time.Now, isTerminal: isTerminal(stderr)}
	err := a.dispatch(ctx, args)
	if err == nil {
		return 0
	}
	return runErr(stderr, err)
}

// runErr prints the one-line reason for a failed command and returns its exit code.
func runErr(stderr io.Writer, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "advocate: %s\n", oneLine(err))
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// oneLine keeps the CLI's failure message to the first line, except for config errors, whose
// every line names a problem the user must fix.
func oneLine(err error) string {
	var ce config.Errors
	if errors.As(err, &ce) {
		return err.Error()
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (…)"
	}
	return s
}

func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "config file")
	fs.StringVar(&a.dsn, "db", a.dsn, "database DSN or SQLite path")
	fs.BoolVar(&a.verbose, "v", a.verbose, "debug logging")
	fs.StringVar(&a.logFormat, "log-format", a.logFormat, "text or json (default: json for serve when stderr is not a terminal)")
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	a.configPath = os.Getenv("ADVOCATE_CONFIG")
	a.dsn = os.Getenv("ADVOCATE_DATABASE_URL")
	a.logFormat = os.Getenv("ADVOCATE_LOG_FORMAT")
	fs := flag.NewFlagSet("advocate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.globalFlags(fs)
	if err := fs.Parse(args); err != nil {
		usage(a.stderr)
		return usageErr("%v", err)
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		usage(a.stdout)
		return nil
	}
	name := rest[0]
	for _, c := range commands {
		if c.name == name {
			// Flags after the command may set the log format: peek at them first.
			for i, arg := range rest[1:] {
				if v, ok := strings.CutPrefix(arg, "--log-format="); ok {
					a.logFormat = v
				} else if arg == "--log-format" && i+2 < len(rest) {
					a.logFormat = rest[i+2]
				}
			}
			if err := a.setupLog(name); err != nil {
				return err
			}
			return c.run(ctx, a, rest[1:])
		}
	}
	names := make([]string, 0, len(commands))
	for _, c := range commands {
		names = append(names, c.name)
	}
	sort.Strings(names)
	return usageErr("unknown command %q (commands: %s; see advocate help)", name, strings.Join(names, ", "))
}

// setupLog makes the logger: text for people at a terminal, JSON (one object per line) for log
// collectors — the default for the daemon when its stderr is not a terminal.
func (a *app) setupLog(command string) error {
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	format := a.logFormat
	if format == "" {
		format = "text"
		if command == "serve" && !a.isTerminal {
			format = "json"
		}
	}
	switch format {
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return usageErr("--log-format must be text or json, not %q", format)
	}
	return nil
}

// flags returns a flag set for a command that also accepts the global flags. Flags and
// positional arguments may be mixed ("explain acme.io --json").
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("advocate "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.globalFlags(fs)
	return fs
}

// parse parses flags and positional arguments in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, exitError{2, err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// resolvedConfigPath is the config file in use.
func (a *app) resolvedConfigPath() string {
	if a.configPath != "" {
		return a.configPath
	}
	return "advocate.yaml"
}

// loadConfig reads and validates the config file.
func (a *app) loadConfig() (*config.Config, error) {
	path := a.resolvedConfigPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("config file %s not found: run `advocate init` to write a starter config, or `advocate demo` for a tour", path)
	}
	return config.Load(path)
}

// databaseURL applies precedence: --db / ADVOCATE_DATABASE_URL, then the config, then an SQLite
// file next to the config file.
func (a *app) databaseURL(cfg *config.Config) string {
	if a.dsn != "" {
		return a.dsn
	}
	if cfg != nil && cfg.DatabaseURL() != "" {
		return cfg.DatabaseURL()
	}
	return filepath.Join(filepath.Dir(a.resolvedConfigPath()), "advocate.db")
}

// openStore opens and migrates the store.
func (a *app) openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	dsn := a.databaseURL(cfg)
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if n > 0 {
		a.log.Info("database migrated", "dialect", st.Dialect(), "applied", n)
	}
	st.Now = a.now
	return st, nil
}

// configAndStore loads and validates the config, then opens and migrates the store it names:
// what nearly every command starts with.
func (a *app) configAndStore(ctx context.Context) (*config.Config, *store.Store, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// isTerminal reports whether w is a character device (progress output is for people).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
