package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/version"
)

// commandPaths lists every command a user can type, subcommands included ("drip preview"),
// from the real command tree.
func commandPaths(t *testing.T) []*cobra.Command {
	t.Helper()
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, now: time.Now}
	root := a.newRoot()
	root.InitDefaultHelpCmd()
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			out = append(out, sub)
			walk(sub)
		}
	}
	walk(root)
	return out
}

// Every command explains itself on stdout with exit 0, whichever way help is asked for: its
// usage line with its arguments, its own flags, and an example of it being run.
func TestEveryCommandHasHelp(t *testing.T) {
	cmds := commandPaths(t)
	if len(cmds) < 25 {
		t.Fatalf("walked %d commands, want every command and subcommand (25 or more)", len(cmds))
	}
	for _, c := range cmds {
		path := strings.Fields(commandName(c))
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			usage := "Usage:\n  " + strings.TrimSuffix(c.UseLine(), " [flags]")
			for _, args := range [][]string{
				append(append([]string{}, path...), "--help"),
				append(append([]string{}, path...), "-h"),
				append([]string{"help"}, path...),
			} {
				r := cli(t, args...)
				if r.code != 0 || r.stderr != "" {
					t.Fatalf("%v: exit %d, stderr %q; want exit 0 and help on stdout", args, r.code, r.stderr)
				}
				if !strings.Contains(r.stdout, usage) {
					t.Errorf("%v: no usage line %q in:\n%s", args, usage, r.stdout)
				}
				if !strings.Contains(r.stdout, "Examples:\n  advocate ") {
					t.Errorf("%v: no example in:\n%s", args, r.stdout)
				}
				if c.Long == "" {
					t.Errorf("%s has no description (Long)", commandName(c))
				}
			}
		})
	}
}

// The usage lines name the arguments each command takes, and each command offers only the
// flags that mean something to it.
func TestUsageLinesAndOwnFlags(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want      []string
		wantNot   []string
		wantUsage string
	}{
		{[]string{"sync", "--help"}, []string{"--json"}, []string{"--days"}, "advocate sync [NAME...] [flags]"},
		{[]string{"explain", "--help"}, []string{"--json"}, nil, "advocate explain CUSTOMER [flags]"},
		{[]string{"approve", "--help"}, []string{"--by EMAIL", "--json"}, []string{"--days"}, "advocate approve CUSTOMER [flags]"},
		{[]string{"skip", "--help"}, []string{"--by EMAIL", "--json"}, []string{"--days"}, "advocate skip CUSTOMER [flags]"},
		{[]string{"snooze", "--help"}, []string{"--by EMAIL", "--days", "--json"}, nil, "advocate snooze CUSTOMER [flags]"},
		{[]string{"drip", "preview", "--help"}, []string{"--html FILE", "--json"}, []string{"--dry-run"}, "advocate drip preview CUSTOMER [STEP] [flags]"},
		{[]string{"drip", "resume", "--help"}, []string{"--json"}, []string{"--dry-run"}, "advocate drip resume CUSTOMER [flags]"},
		{[]string{"user", "add", "--help"}, []string{"--role", "admin, marketing or csm"}, nil, "advocate user add EMAIL [flags]"},
		{[]string{"help", "score"}, []string{"--what-if FILE", "--top"}, []string{"--post"}, "advocate score [flags]"},
		// Global flags are listed everywhere, environment variables included.
		{[]string{"status", "--help"}, []string{"--config FILE", "ADVOCATE_CONFIG", "--db DSN", "ADVOCATE_DATABASE_URL", "-v, --verbose"}, nil, "advocate status [flags]"},
	} {
		r := cli(t, tc.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tc.wantUsage) {
			t.Errorf("%v: exit %d, want usage %q in:\n%s", tc.args, r.code, tc.wantUsage, r.stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v does not offer %q:\n%s", tc.args, w, r.stdout)
			}
		}
		for _, w := range tc.wantNot {
			if strings.Contains(r.stdout, w) {
				t.Errorf("%v offers %q, which does not apply to it:\n%s", tc.args, w, r.stdout)
			}
		}
	}
	// A flag of another command is a usage error, not silently ignored.
	if r := cli(t, "approve", "acme.io", "--days", "3"); r.code != 2 || !strings.Contains(r.stderr, "unknown flag: --days") {
		t.Errorf("approve --days: exit %d, stderr %q; want exit 2 naming the flag", r.code, r.stderr)
	}
}

func TestRootHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}, {"-h"}, {"help"}} {
		r := cli(t, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Start with \"advocate demo\"") || !strings.Contains(r.stdout, "drip ") {
			t.Errorf("advocate %v: exit %d, stderr %q, stdout:\n%s", args, r.code, r.stderr, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	want := version.Get().String()
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := cli(t, args...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != want || !strings.Contains(r.stdout, "commit ") || !strings.Contains(r.stdout, "built ") {
			t.Errorf("advocate %v: exit %d, stdout %q; want %q", args, r.code, r.stdout, want)
		}
	}
	var v version.Info
	decode(t, mustOK(t, cli(t, "version", "--json")).stdout, &v)
	if v != version.Get() || v.Version == "" || v.Commit == "" || v.Date == "" {
		t.Errorf("version --json = %+v, want %+v", v, version.Get())
	}
}

// A typo is a usage error (exit 2) in one line that names the nearest command.
func TestUnknownCommandSuggestsNearest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scroe"}, `did you mean one of "score", "serve"?`},
		{[]string{"shortlsit", "--json"}, `did you mean "shortlist"?`},
		{[]string{"drip", "stauts"}, `did you mean "status"?`},
		{[]string{"help", "explian"}, `did you mean "explain"?`},
		{[]string{"user", "ad", "dana@acme.io"}, `did you mean "add"?`},
	} {
		r := cli(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// Usage errors exit 2, failures 1.
func TestExitCodes(t *testing.T) {
	cfg := workdir(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"explain"}, 2},
		{[]string{"explain", "a.io", "b.io"}, 2},
		{[]string{"score", "--top", "many"}, 2},
		{[]string{"status", "extra"}, 2},
		{[]string{"--config", cfg, "export", "--format", "xml"}, 2},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.yaml"), "status"}, 1},
		{[]string{"doctor"}, 1}, // a placeholder until internal/doctor is merged
	} {
		if r := cli(t, tc.args...); r.code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, r.code, tc.code, r.stderr)
		}
	}
}

// Scripts written for the flag package the CLI used before keep working: -json, -format=csv, --v.
func TestSingleDashLongFlagsStillWork(t *testing.T) {
	cfg := workdir(t)
	mustOK(t, cli(t, "-config", cfg, "sync", "-json"))
	if r := mustOK(t, cli(t, "-config="+cfg, "export", "-format=csv")); !strings.HasPrefix(r.stdout, "id,") {
		t.Errorf("export -format=csv printed:\n%.200s", r.stdout)
	}
	if r := mustOK(t, cli(t, "--config", cfg, "--v", "sync")); !strings.Contains(r.stderr, "level=INFO") {
		t.Errorf("--v does not turn on verbose logging: stderr %q", r.stderr)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, tc := range []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_advocate advocate"},
		{"zsh", "#compdef advocate"},
		{"fish", "complete -c advocate"},
		{"powershell", "Register-ArgumentCompleter"},
	} {
		r := cli(t, "completion", tc.shell)
		if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("completion %s: exit %d, want a script containing %q; got %.300s", tc.shell, r.code, tc.want, r.stdout)
		}
	}
	if r := cli(t, "completion", "tcsh"); r.code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", r.code)
	}
	// What the scripts ask for: commands, then connector names from the config for sync.
	if r := mustOK(t, cli(t, "__complete", "sh")); !strings.Contains(r.stdout, "shortlist\t") {
		t.Errorf("completing \"sh\" does not offer shortlist:\n%s", r.stdout)
	}
	cfg := workdir(t)
	r := mustOK(t, cli(t, "__complete", "--config", cfg, "sync", "crm", ""))
	if !strings.Contains(r.stdout, "people\tcsv") || !strings.Contains(r.stdout, "survey\t") || strings.Contains(r.stdout, "crm\t") {
		t.Errorf("completing sync's NAMEs after crm does not offer people and survey only:\n%s", r.stdout)
	}
}

// Commands other than serve log only warnings and errors: what they did is on stdout.
// -v shows the rest.
func TestCLILogsAtWarnUnlessVerbose(t *testing.T) {
	cfg := workdir(t)
	quiet := mustOK(t, cli(t, "--config", cfg, "sync"))
	if strings.Contains(quiet.stderr, "level=INFO") || strings.Contains(quiet.stderr, "sync done") {
		t.Errorf("sync without -v logged INFO lines:\n%s", quiet.stderr)
	}
	if !strings.Contains(quiet.stdout, "CONNECTOR") {
		t.Errorf("sync printed no table:\n%s", quiet.stdout)
	}
	loud := mustOK(t, cli(t, "--config", cfg, "sync", "-v"))
	if !strings.Contains(loud.stderr, "level=INFO") || !strings.Contains(loud.stderr, "sync done") {
		t.Errorf("sync -v did not log its INFO lines:\n%s", loud.stderr)
	}
}

// approve, skip, snooze and drip resume report what they did as one JSON document.
func TestDecisionsReportJSON(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		type decisionDoc struct {
			Customer struct{ Domain string }
			Decision struct {
				Kind      string
				DecidedBy string `json:"decided_by"`
				Until     *time.Time
			}
			Created    bool
			Enrollment *struct {
				ContactEmail string `json:"contact_email"`
			}
			EnrollmentCreated bool `json:"enrollment_created"`
		}
		var d decisionDoc
		decode(t, mustOK(t, cmd("approve", "globex.com", "--by", "maya@vendor.io", "--json")).stdout, &d)
		if d.Customer.Domain != "globex.com" || d.Decision.Kind != "approve" || d.Decision.DecidedBy != "maya@vendor.io" || !d.Created || d.Enrollment == nil || !d.EnrollmentCreated {
			t.Errorf("approve --json = %+v", d)
		}
		d = decisionDoc{}
		decode(t, mustOK(t, cmd("snooze", "northwind.io", "--days", "30", "--json")).stdout, &d)
		if d.Decision.Kind != "snooze" || d.Decision.Until == nil || d.Decision.Until.Sub(fixedNow) != 30*24*time.Hour || d.Enrollment != nil {
			t.Errorf("snooze --days 30 --json = %+v, want until %s", d, fixedNow.Add(30*24*time.Hour))
		}
		d = decisionDoc{}
		decode(t, mustOK(t, cmd("skip", "hooli.com", "--json")).stdout, &d)
		if d.Decision.Kind != "skip" || d.Customer.Domain != "hooli.com" {
			t.Errorf("skip --json = %+v", d)
		}

		cmd("drip") // no SMTP in the fixture: it fails to send, but pauses Globex (health 40)
		var res struct {
			Customer string
			Resumed  int
		}
		decode(t, mustOK(t, cmd("drip", "resume", "globex.com", "--json")).stdout, &res)
		if res.Resumed != 1 || res.Customer != "globex.com" {
			t.Errorf("drip resume --json = %+v", res)
		}
	})
}

func TestHumanTimes(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-20 * time.Second), "just now"},
		{now.Add(-time.Minute), "1 minute ago"},
		{now.Add(-5 * time.Hour), "5 hours ago"},
		{now.Add(-47 * time.Hour), "47 hours ago"},
		{now.Add(-72 * time.Hour), "3 days ago"},
		{now.Add(-20 * 24 * time.Hour), "2 weeks ago"},
		{now.Add(-100 * 24 * time.Hour), "3 months ago"},
		{now.Add(-800 * 24 * time.Hour), "2 years ago"},
		{now.Add(2 * time.Hour), "in 2 hours"},
	} {
		if got := ago(now, tc.t); got != tc.want {
			t.Errorf("ago(%s) = %q, want %q", now.Sub(tc.t), got, tc.want)
		}
	}
	long := "Northwind Traders International Holdings Group (northwind-traders-international.example)"
	if got := cell(long); len([]rune(got)) != cellWidth || !strings.HasSuffix(got, "…") {
		t.Errorf("cell(long) = %q, want %d characters ending in …", got, cellWidth)
	}
}

// ADVOCATE_CONFIG and ADVOCATE_DATABASE_URL stand in for --config and --db, a flag wins over
// its variable, and help never prints the variable's value (a DSN may hold a password).
func TestEnvironmentSetsGlobalFlags(t *testing.T) {
	cfg := workdir(t)
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("ADVOCATE_CONFIG", cfg)
	t.Setenv("ADVOCATE_DATABASE_URL", db)
	mustOK(t, cli(t, "sync"))
	if r := mustOK(t, cli(t, "status", "--json")); !strings.Contains(r.stdout, `"connector": "crm"`) {
		t.Errorf("status with the config from ADVOCATE_CONFIG:\n%s", r.stdout)
	}
	if r := mustOK(t, cli(t, "--db", filepath.Join(t.TempDir(), "other.db"), "export")); strings.Contains(r.stdout, `"domain"`) {
		t.Errorf("--db did not win over ADVOCATE_DATABASE_URL: export of a fresh database lists customers")
	}
	if r := mustOK(t, cli(t, "export")); !strings.Contains(r.stdout, `"domain"`) {
		t.Errorf("export from ADVOCATE_DATABASE_URL's database lists nobody")
	}
	t.Setenv("ADVOCATE_DATABASE_URL", "postgres://advocate:hunter2@127.0.0.1:1/x?sslmode=disable")
	if r := mustOK(t, cli(t, "status", "--help")); strings.Contains(r.stdout, "hunter2") {
		t.Errorf("help prints the DSN from the environment:\n%s", r.stdout)
	}
}
