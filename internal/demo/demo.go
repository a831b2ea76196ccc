// Package demo is `advocate demo`: the whole loop on bundled sample data, with no setup, no
// network and no config file. It writes the sample CSVs, a config that reads them and an SQLite
// database into one folder, then runs the same code the real commands run: sync, score,
// shortlist, and renders the Slack message and the first invitation email to files.
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
	"github.com/advocate-hq/advocate/internal/outreach"
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
}

// Result names what the demo wrote.
type Result struct {
	OutDir    string
	Config    string
	Database  string
	SlackJSON string
	InviteEML string
	Shortlist shortlist.Shortlist
}

// Run executes the tour.
func Run(ctx context.Context, o Options) (Result, error) {
	var res Result
	if o.Top <= 0 {
		o.Top = 10
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	out := o.OutDir
	if out == "" {
		var err error
		if out, err = os.MkdirTemp("", "advocate-demo-"); err != nil {
			return res, fmt.Errorf("demo: %w", err)
		}
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	res.OutDir = out
	w := o.Stdout

	// 1. Sample data and a config that reads it.
	dataDir := filepath.Join(out, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	if err := examples.WriteFiles(dataDir); err != nil {
		return res, fmt.Errorf("demo: write sample data: %w", err)
	}
	res.Config = filepath.Join(out, "advocate.yaml")
	conns := examples.DemoConnectors(dataDir)
	for i := range conns { // the config lives one level up, next to data/
		conns[i].Path, conns[i].Dir = filepath.Join("data", conns[i].Path), ""
	}
	if err := writeConfig(res.Config, conns, o.Top); err != nil {
		return res, err
	}
	cfg, err := config.Load(res.Config)
	if err != nil {
		return res, fmt.Errorf("demo: the generated config does not load: %w", err)
	}

	// 2. A fresh SQLite database.
	res.Database = filepath.Join(out, "advocate.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(res.Database + suffix) // a re-run into the same folder starts clean
	}
	st, err := store.Open(ctx, res.Database)
	if err != nil {
		return res, err
	}
	defer st.Close()
	st.Now = func() time.Time { return Now }
	if _, err := st.Migrate(ctx); err != nil {
		return res, err
	}

	// 3. Sync.
	fmt.Fprintf(w, "Advocate demo — sample data for %d B2B SaaS customers\n\n", sampledata.DemoCustomers)
	fmt.Fprintf(w, "1. Sync: loading %d sources into %s\n", len(cfg.Connectors), res.Database)
	results, err := (&syncer.Syncer{Store: st, Log: o.Log}).Run(ctx, cfg.Connectors)
	for _, r := range results {
		fmt.Fprintf(w, "   %-8s %5d records  (%d new customers, %d contacts, %d signal values)\n", r.Connector, r.Records, r.Created, r.Contacts, r.Signals)
	}
	if err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}

	// 4. Score.
	model, err := ranker.Model(cfg)
	if err != nil {
		return res, err
	}
	run, _, err := ranker.Score(ctx, st, model, cfg.Sources(), Now)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(w, "\n2. Score: %d customers scored, %d eligible (weights: %s)\n", run.Customers, run.Eligible, weightSummary(cfg.Scoring.Weights))

	// 5. Shortlist.
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

	// 6. Renderings.
	slackJSON, err := slack.ShortlistJSON(sl)
	if err != nil {
		return res, fmt.Errorf("demo: render Slack message: %w", err)
	}
	res.SlackJSON = filepath.Join(out, "slack-shortlist.json")
	if err := os.WriteFile(res.SlackJSON, slackJSON, 0o644); err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	if len(sl.Entries) > 0 {
		res.InviteEML = filepath.Join(out, "invite.eml")
		if err := writeInvite(res.InviteEML, sl.Entries[0]); err != nil {
			return res, err
		}
	}

	fmt.Fprintf(w, "\n4. Files in %s:\n", out)
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
	return res, nil
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

// writeInvite renders the invitation the shortlist's first candidate would receive once
// approved.
func writeInvite(path string, e shortlist.Entry) error {
	first, _, _ := strings.Cut(e.Contact.Name, " ")
	msg, err := outreach.RenderInvite(outreach.InviteData{
		From:             demoFrom,
		ProgramURL:       demoProgram,
		ReferralURL:      demoProgram + "/join?ref=" + e.Customer.ID,
		UnsubscribeURL:   "https://advocate.acme-saas.io/u/demo-" + e.Customer.ID,
		CustomerName:     e.Customer.Name,
		ContactName:      e.Contact.Name,
		ContactFirstName: first,
		ContactEmail:     e.Contact.Email,
		CSMName:          nameFromEmail(e.Customer.Owner),
		CSMEmail:         e.Customer.Owner,
		Highlights:       e.Reasons,
		MessageID:        "invite-" + e.Customer.ID + "@advocate.acme-saas.io",
		Date:             Now,
	})
	if err != nil {
		return fmt.Errorf("demo: render invitation: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := outreach.WriteEML(f, msg); err != nil {
		f.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return f.Close()
}

// nameFromEmail turns "maya.lopez@acme.io" into "Maya Lopez" for a greeting.
func nameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}
