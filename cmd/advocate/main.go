// Command advocate finds a SaaS company's happiest customers, puts them in front of their CSM
// in Slack once a week, and runs approved ones through an onboarding email sequence.
//
// main only parses flags (the command tree is in cli.go, on cobra), wires packages together
// and prints; the work is done in the packages under internal/, scoring/ and connectors/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/advocate-hq/advocate/connectors/all" // registers every connector type
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/memlimit"
	"github.com/advocate-hq/advocate/internal/store"
)

func main() {
	// Before any work: a container's memory limit becomes the garbage collector's (see memlimit).
	if _, _, err := memlimit.Apply("/sys/fs/cgroup", os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "advocate: warning:", err)
	}
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
	stdin          io.Reader // user add reads the password here
	stdout, stderr io.Writer
	log            *slog.Logger
	// configPath, dsn, verbose and logFormat are the global flags (cli.go binds them).
	configPath string
	dsn        string
	verbose    bool
	logFormat  string // text | json; "" = json for serve off a terminal, else text
	now        func() time.Time
	// isTerminal says whether stderr is a terminal (progress output); tests leave it false.
	isTerminal bool
	// onListen, if set, is told the address serve listens on (tests listen on port 0).
	onListen func(addr string)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr)
}

// runIO is run with standard input given (tests pipe a password in).
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, isTerminal: isTerminal(stderr)}
	err := a.dispatch(ctx, args)
	if err == nil {
		return 0
	}
	return runErr(stderr, err)
}

// runErr prints the one-line reason for a failed command and returns its exit code.
func runErr(stderr io.Writer, err error) int {
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

// setupLog makes the logger: text for people at a terminal, JSON (one object per line) for log
// collectors — the default for the daemon when its stderr is not a terminal.
//
// The daemon logs at INFO; other commands at WARN, since what they did is on stdout already
// (INFO lines there only repeated the table). -v shows everything down to DEBUG.
func (a *app) setupLog(command string) error {
	level := slog.LevelWarn
	if command == "serve" {
		level = slog.LevelInfo
	}
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
