// Package demo is `advocate demo`: the whole loop on bundled sample data, with no setup, no
// network and no config file. It writes the sample CSVs, a config that reads them and an SQLite
// database into one folder, then runs the same code the real commands run: sync, score,
// shortlist, and renders the Slack message and the first invitation email to files. The sample
// affiliate program's recorded outcomes go through the real outcome sync, and its KPIs are the
// ones `advocate program` computes.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/examples"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/sampledata"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// Now is the demo's clock: the sample data's reference date (a Monday morning), so the demo
// prints the same shortlist whenever it runs.
var Now = sampledata.RefDate.Add(3 * time.Hour)

// Options says where the demo writes.
type Options struct {
	OutDir string // "" = a new temporary folder
	Stdout io.Writer
	Log    *slog.Logger
	Top    int // shortlist size; 0 = 10
	// Force lets the demo write into an OutDir that already holds an advocate.yaml (it replaces
	// the config, data/ and advocate.db there); without it that is an error, so a user's own
	// config is never overwritten by accident.
	Force bool
	// Clock is the user's clock (nil: time.Now): the follow-up `advocate program` command runs
	// on it, not on the demo's, so the demo prints the --days that shows its figures then.
	Clock func() time.Time
}

// Result names what the demo wrote.
type Result struct {
	OutDir    string
	Config    string
	Database  string
	SlackJSON string
	InviteEML string
	Shortlist shortlist.Shortlist
	Program   program.Report // the program's KPIs over the last ProgramWindow days
	// ProgramCommand is the printed command that shows Program in full.
	ProgramCommand string
}

// Run executes the tour.
func Run(ctx context.Context, o Options) (Result, error) {
	var res Result
	if o.Top <= 0 {
		o.Top = 10
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := setup(&res, o)
	if err != nil {
		return res, err
	}
	st, err := freshStore(ctx, &res)
	if err != nil {
		return res, err
	}
	defer st.Close()
	w := o.Stdout
	if err := syncAndScore(ctx, w, cfg, st, res.Database, o.Log); err != nil {
		return res, err
	}

	week := advocate.Week(Now)
	policy := cfg.Policy()
	policy.Size = o.Top
	sl, _, err := shortlist.Make(ctx, st, policy, cfg.Sources(), Now, week)
	if err != nil {
		return res, err
	}
	res.Shortlist = sl
	fmt.Fprintf(w, "\n3. ")
	shortlist.WriteText(w, sl)
	if err := programSection(ctx, w, st, cfg.Sources(), &res, o.Clock()); err != nil {
		return res, err
	}

	if err := writeRenderings(ctx, &res, sl, cfg, st); err != nil {
		return res, err
	}
	printFiles(w, res, sl)
	return res, nil
}

// setup makes the output folder with the sample data and a config that reads it.
func setup(res *Result, o Options) (*config.Config, error) {
	out := o.OutDir
	if out == "" {
		var err error
		if out, err = os.MkdirTemp("", "advocate-demo-"); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	} else if err := checkOutDir(out, o.Force); err != nil {
		return nil, err
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	res.OutDir = out
	dataDir := filepath.Join(out, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := examples.WriteFiles(dataDir); err != nil {
		return nil, fmt.Errorf("demo: write sample data: %w", err)
	}
	res.Config = filepath.Join(out, "advocate.yaml")
	conns := examples.DemoConnectors(dataDir)
	for i := range conns { // the config lives one level up, next to data/
		conns[i].Path, conns[i].Dir = filepath.Join("data", conns[i].Path), ""
	}
	if err := writeConfig(res.Config, conns, o.Top); err != nil {
		return nil, err
	}
	cfg, err := config.Load(res.Config)
	if err != nil {
		return nil, fmt.Errorf("demo: the generated config does not load: %w", err)
	}
	return cfg, nil
}

// checkOutDir refuses a folder that already holds a config unless force is set.
func checkOutDir(out string, force bool) error {
	path := filepath.Join(out, "advocate.yaml")
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("demo: %s already exists; use --force to replace it (the demo also replaces %s and %s there)",
			path, filepath.Join(out, "data"), filepath.Join(out, "advocate.db"))
	}
	return nil
}

// freshStore opens a new, migrated SQLite database in the output folder, on the demo's clock.
func freshStore(ctx context.Context, res *Result) (*store.Store, error) {
	res.Database = filepath.Join(res.OutDir, "advocate.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(res.Database + suffix) // a re-run into the same folder starts clean
	}
	st, err := store.Open(ctx, res.Database)
	if err != nil {
		return nil, err
	}
	st.Now = func() time.Time { return Now }
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// syncAndScore loads the sample sources and scores everyone, printing steps 1 and 2.
func syncAndScore(ctx context.Context, w io.Writer, cfg *config.Config, st *store.Store, db string, log *slog.Logger) error {
	fmt.Fprintf(w, "Advocate demo — sample data for %d B2B SaaS customers\n\n", sampledata.DemoCustomers)
	fmt.Fprintf(w, "1. Sync: loading %d sources into %s\n", len(cfg.Connectors)+1, db)
	results, err := (&syncer.Syncer{Store: st, Log: log}).Run(ctx, cfg.Connectors)
	for _, r := range results {
		fmt.Fprintf(w, "   %-8s %5d records  (%d new customers, %d contacts, %d signal values)\n", r.Connector, r.Records, r.Created, r.Contacts, r.Signals)
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := syncProgram(ctx, w, st, log); err != nil {
		return err
	}
	model, err := ranker.Model(cfg)
	if err != nil {
		return err
	}
	scored, err := ranker.Score(ctx, st, model, cfg.Sources(), Now)
	if err != nil {
		return err
	}
	run := scored.Run
	fmt.Fprintf(w, "\n2. Score: %d customers scored, %d eligible (weights: %s)\n", run.Customers, run.Eligible, weightSummary(cfg.Scoring.Weights))
	return nil
}

// writeRenderings writes the Slack message and the first candidate's invitation.
func writeRenderings(ctx context.Context, res *Result, sl shortlist.Shortlist, cfg *config.Config, st *store.Store) error {
	slackJSON, err := slack.ShortlistJSON(sl)
	if err != nil {
		return fmt.Errorf("demo: render Slack message: %w", err)
	}
	res.SlackJSON = filepath.Join(res.OutDir, "slack-shortlist.json")
	if err := os.WriteFile(res.SlackJSON, slackJSON, 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(sl.Entries) > 0 {
		res.InviteEML = filepath.Join(res.OutDir, "invite.eml")
		if err := writeInvite(ctx, res.InviteEML, sl.Entries[0], cfg, st); err != nil {
			return err
		}
	}
	return nil
}

// printFiles lists what the demo wrote and what to try next.
func printFiles(w io.Writer, res Result, sl shortlist.Shortlist) {
	fmt.Fprintf(w, "\n5. Files in %s:\n", res.OutDir)
	fmt.Fprintf(w, "   slack-shortlist.json  the Block Kit message CSMs get (paste into https://app.slack.com/block-kit-builder)\n")
	if res.InviteEML != "" {
		fmt.Fprintf(w, "   invite.eml            the invitation %s would receive (open in any mail client)\n", sl.Entries[0].Contact.Name)
	}
	fmt.Fprintf(w, "   advocate.yaml, data/  the config and CSVs the demo used\n")
	fmt.Fprintf(w, "\nExplore further:\n")
	if len(sl.Entries) > 0 {
		fmt.Fprintf(w, "   go run ./cmd/advocate --config %s explain %s\n", res.Config, sl.Entries[0].Customer.Domain)
	}
	fmt.Fprintf(w, "   go run ./cmd/advocate --config %s export --format csv\n", res.Config)
	fmt.Fprintf(w, "   go run ./cmd/advocate init     # your own advocate.yaml\n")
}

func weightSummary(ws map[string]float64) string {
	var parts []string
	for _, k := range []string{"nps", "health_score", "product_events_30d", "tickets_90d"} {
		if v, ok := ws[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %+g", k, v))
		}
	}
	return strings.Join(parts, ", ") + ", …"
}

// writeConfig writes an advocate.yaml that loads the sample files, so the user can go on
// exploring the demo's database with the ordinary commands.
func writeConfig(path string, conns []connectors.Settings, size int) error {
	doc := map[string]any{
		"connectors": conns,
		"shortlist":  map[string]any{"size": size, "channel": "#cs-advocates"},
		"email":      map[string]any{"from": demoFrom, "program_url": demoProgram},
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("demo: config: %w", err)
	}
	header := "# Written by `advocate demo`: the sample data's connectors. Scoring uses the defaults.\n"
	if err := os.WriteFile(path, append([]byte(header), body...), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

const (
	demoFrom    = "Dana from Acme SaaS <dana@acme-saas.io>"
	demoProgram = "https://acme-saas.io/partners"
)

// writeInvite writes the invitation the shortlist's first candidate would receive once
// approved.
func writeInvite(ctx context.Context, path string, e shortlist.Entry, cfg *config.Config, st *store.Store) error {
	d, err := inviteData(ctx, e, cfg, st)
	if err != nil {
		return err
	}
	msg, err := email.RenderInvite(d)
	if err != nil {
		return fmt.Errorf("demo: render invitation: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := email.WriteEML(f, msg); err != nil {
		f.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return f.Close()
}

// inviteData is the invitation for e: the customer-safe highlights, not the scoring reasons the
// CSM reads, sent the way the default sequence sends it (in the CSM's name).
func inviteData(ctx context.Context, e shortlist.Entry, cfg *config.Config, st *store.Store) (email.InviteData, error) {
	highlights, err := email.CurrentHighlights(ctx, cfg.Sources(), st, e.Customer, Now)
	if err != nil {
		return email.InviteData{}, fmt.Errorf("demo: %w", err)
	}
	d := email.InviteData{
		From:           demoFrom,
		ProgramURL:     demoProgram,
		UnsubscribeURL: "https://advocate.acme-saas.io/u/demo-" + e.Customer.ID,
		CustomerName:   advocate.FirstNonBlank(e.Customer.Name, e.Customer.Domain),
		ContactName:    e.Contact.Name,
		ContactEmail:   e.Contact.Email,
		CSMName:        email.NameFromAddress(e.Customer.Owner),
		CSMEmail:       e.Customer.Owner,
		Highlights:     highlights,
		Plan:           e.Customer.Attributes["plan"],
		Industry:       e.Customer.Attributes["industry"],
		MessageID:      "invite-" + e.Customer.ID + "@advocate.acme-saas.io",
		Date:           Now,
	}
	if seqs := cfg.Drip.WithDefaults().Sequences; len(seqs) > 0 && len(seqs[0].Steps) > 0 && seqs[0].Steps[0].From == "csm" {
		d.SendAsCSM()
	}
	return d, nil
}
