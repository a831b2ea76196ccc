package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/coverage"
	decidepkg "github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/demo"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/service"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/syncer"
	"github.com/advocate-hq/advocate/scoring"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) initCommand() *cobra.Command {
	var force, asJSON bool
	c := &cobra.Command{
		Use:   "init",
		Short: "write a commented starter advocate.yaml",
		Long: `Init writes a commented starter config to --config (default advocate.yaml). Its csv
connectors read the bundled sample data's columns from data/*.csv; the vendor connectors are
listed, commented out, below them.`,
		Example: `  advocate init
  advocate --config /etc/advocate/advocate.yaml init --force`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdInit(a, force, asJSON) },
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	c.Flags().BoolVar(&asJSON, "json", false, "print the file written as JSON")
	return c
}

func cmdInit(a *app, force, asJSON bool) error {
	path := a.resolvedConfigPath()
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists; use --force to overwrite it", path)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(config.Starter()); err != nil {
		f.Close()
		return fmt.Errorf("init: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if asJSON {
		return writeJSON(a.stdout, map[string]string{"wrote": path})
	}
	fmt.Fprintf(a.stdout, "wrote %s — edit the connectors, then run `advocate sync`\n", path)
	return nil
}

func (a *app) migrateCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "migrate",
		Short: "apply database migrations",
		Long: `Migrate applies the database migrations that are not applied yet (every other command that
opens the database does so too). With --db or ADVOCATE_DATABASE_URL the config is not read.`,
		Example: `  advocate migrate
  advocate --db postgres://advocate@db/advocate?sslmode=disable migrate`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdMigrate(c.Context(), a, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func cmdMigrate(ctx context.Context, a *app, asJSON bool) error {
	var cfg *config.Config
	if a.dsn == "" { // the DSN may come from the config
		var err error
		if cfg, err = a.loadConfig(); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, a.databaseURL(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, map[string]any{"dialect": st.Dialect(), "applied": n})
	}
	fmt.Fprintf(a.stdout, "%s database up to date (%d migrations applied)\n", st.Dialect(), n)
	return nil
}

func (a *app) syncCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "sync [NAME...]",
		Short: "run connectors now (all, or the named ones)",
		Long: `Sync runs the configured connectors now: all of them, or the ones NAMEd (` + "`affiliates`" + ` names the
affiliate platform's outcome sync, which "all" includes). A terminal shows progress; the summary
lists records, new customers and signals, and every malformed row by file:line. One failing
connector does not stop the others; the command then exits 1.`,
		Example: `  advocate sync
  advocate sync sheet surveys
  advocate sync --json | jq '.results[] | {connector, status}'`,
		ValidArgsFunction: a.completeConnectors,
		RunE:              func(c *cobra.Command, names []string) error { return cmdSync(c.Context(), a, names, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON")
	return c
}

// completeConnectors completes connector names from the config (for sync NAME...).
func (a *app) completeConnectors(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	a.applyEnv(c)
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, s := range affiliates.WithSync(cfg) {
		if strings.HasPrefix(s.Name, toComplete) && !slices.Contains(args, s.Name) {
			out = append(out, cobra.CompletionWithDesc(s.Name, s.Type))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func cmdSync(ctx context.Context, a *app, names []string, asJSON bool) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	// `affiliates` (the affiliate-platform outcome sync) is selectable like a connector.
	selected, err := syncer.Select(affiliates.WithSync(cfg), names)
	if err != nil {
		return usageErr("%v", err)
	}
	if len(selected) == 0 {
		return errors.New("no connectors configured: add one under `connectors:` in " + a.resolvedConfigPath())
	}
	for i := range selected {
		// Observations are stamped with the app's clock, the one score and shortlist read.
		if selected[i].Runtime.Now == nil {
			selected[i].Runtime.Now = a.now
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	s := &syncer.Syncer{Store: st, Log: a.log, Build: affiliates.Builder(cfg, st, a.log)}
	if a.isTerminal && !asJSON {
		s.Progress = func(r syncer.Result) {
			fmt.Fprintf(a.stderr, "\r  %s: %d pages, %d records…", r.Connector, r.Pages, r.Records)
		}
	}
	results, runErr := s.Run(ctx, selected)
	if a.isTerminal && !asJSON {
		fmt.Fprint(a.stderr, "\r\033[K")
	}
	if asJSON {
		if err := writeJSON(a.stdout, struct {
			Results []syncer.Result `json:"results"`
		}{results}); err != nil {
			return err
		}
		return runErr
	}
	printSyncResults(a.stdout, results)
	return runErr
}

func printSyncResults(w io.Writer, results []syncer.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tSTATUS\tPAGES\tRECORDS\tNEW CUSTOMERS\tNEW SIGNALS\tSKIPPED ROWS\tTIME")
	for _, r := range results {
		status := r.Status
		if r.Failed() {
			status = "FAILED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Connector, status, r.Pages, r.Records, r.Created, r.Signals,
			len(r.Problems), r.Duration.Round(time.Millisecond))
	}
	tw.Flush()
	printAPIBudgets(w, results)
	for _, r := range results {
		if r.Failed() {
			fmt.Fprintf(w, "\n%s failed: %s\n", r.Connector, r.Error)
		}
		if len(r.Problems) > 0 {
			fmt.Fprintf(w, "\n%s skipped %d malformed rows:\n", r.Connector, len(r.Problems))
			for i, p := range r.Problems {
				if i == 20 {
					fmt.Fprintf(w, "  … and %d more (see --json)\n", len(r.Problems)-20)
					break
				}
				fmt.Fprintf(w, "  %s\n", p)
			}
		}
		if m := r.Matching; m.ByContactDomain > 0 || m.Unmatched > 0 {
			fmt.Fprintf(w, "\n%s: %d companies without a domain matched by their contacts' email domain; %d could not be matched (no domain, no contact with a work email) and were skipped\n",
				r.Connector, m.ByContactDomain, m.Unmatched)
		}
		if r.Unmatched > 0 {
			fmt.Fprintf(w, "\n%s: %d records named a customer no source has introduced yet; they were left out\n", r.Connector, r.Unmatched)
		}
	}
}

// printAPIBudgets lists, for each run that called a vendor API, its calls and the vendor's
// limit left (where the vendor reports it), so a slow or rate-limited sync can be read.
func printAPIBudgets(w io.Writer, results []syncer.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := false
	for _, r := range results {
		b := r.APIBudget()
		if b == "" {
			continue
		}
		if !header {
			fmt.Fprintln(tw, "\nAPI use:")
			header = true
		}
		fmt.Fprintf(tw, "  %s\t%s\n", r.Connector, b)
	}
	tw.Flush()
}

// scoreSummary is one line of `score --json`.
type scoreSummary struct {
	Rank        int      `json:"rank"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Domain      string   `json:"domain"`
	Score       float64  `json:"score"`
	Confidence  float64  `json:"confidence"`
	Eligible    bool     `json:"eligible"`
	FailedGates []string `json:"failed_gates"`
	Reasons     []string `json:"reasons"`
}

// scoreOptions are score's flags; topSet says whether --top was given (its default depends on
// --what-if and the config).
type scoreOptions struct {
	asJSON bool
	top    int
	topSet bool
	whatIf string
}

func (a *app) scoreCommand() *cobra.Command {
	var o scoreOptions
	c := &cobra.Command{
		Use:   "score",
		Short: "score everyone; --what-if previews another config",
		Long: `Score scores every customer with the config's model and stores the run; it prints the top,
each with its reasons, and warns when a gate or weight needs an input no connector provides.

With --what-if FILE it scores the current data under FILE's scoring section as well and shows
who enters and leaves the top, the biggest movers and the rank correlation. Nothing is saved.`,
		Example: `  advocate score
  advocate score --top 50
  advocate score --what-if new.yaml --top 50 --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.topSet = c.Flags().Changed("top")
			return cmdScore(c.Context(), a, o)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.asJSON, "json", false, "print every score as JSON (with --what-if: the comparison)")
	f.IntVar(&o.top, "top", 0, "how many to print (human output; default 20); with --what-if, how many\ntop eligible customers to compare (default shortlist.size)")
	f.StringVar(&o.whatIf, "what-if", "", "preview the ranking under another config `FILE` without saving anything.\nFILE is a full advocate.yaml, but only its scoring: section is used (weights,\ngates, transforms, segments, thresholds); connectors, precedence and\nfreshness come from the current config")
	return c
}

func cmdScore(ctx context.Context, a *app, o scoreOptions) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	model, err := ranker.Model(cfg)
	if err != nil {
		return err
	}
	if o.whatIf != "" {
		n := cfg.Shortlist.Size
		if o.topSet {
			n = o.top
		}
		return scoreWhatIf(ctx, a, cfg, model, o.whatIf, n, o.asJSON)
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	top := o.top
	if !o.topSet {
		top = 20
	}
	start := time.Now()
	scored, err := ranker.Score(ctx, st, model, cfg.Sources(), a.now())
	if err != nil {
		return err
	}
	run, results := scored.Run, scored.Results
	cov := coverage.Check(model, coverage.Sources(cfg), coverage.FromTable(scored.Table))
	customers, err := st.Customers(ctx)
	if err != nil {
		return err
	}
	byID := map[string]advocate.Customer{}
	for _, c := range customers {
		byID[c.ID] = c
	}
	rows := make([]scoreSummary, 0, len(results))
	for _, r := range results {
		c := byID[r.ID]
		rows = append(rows, scoreSummary{Rank: r.Rank, ID: r.ID, Name: c.Name, Domain: c.Domain, Score: r.Score, Confidence: r.Confidence,
			Eligible: r.Eligible, FailedGates: nonNil(r.FailedGates), Reasons: nonNil(r.Reasons)})
	}
	failed := make([][]string, 0, len(rows))
	for _, r := range rows {
		failed = append(failed, r.FailedGates)
	}
	ineligible := scoring.CountFailures(failed, 0)
	if o.asJSON {
		return writeJSON(a.stdout, struct {
			Run        store.ScoreRun        `json:"run"`
			Ineligible scoring.FailureCounts `json:"ineligible"`
			Coverage   coverage.Report       `json:"coverage"`
			Scores     []scoreSummary        `json:"scores"`
		}{run, nonNilCounts(ineligible), cov, rows})
	}
	fmt.Fprintf(a.stdout, "Scored %d customers (%d eligible) in %s — run #%d\n", run.Customers, run.Eligible,
		time.Since(start).Round(time.Millisecond), run.ID)
	for _, w := range cov.Warnings {
		fmt.Fprintf(a.stdout, "Warning: %s\n", w)
	}
	if run.Eligible < cfg.Shortlist.Size {
		fmt.Fprintf(a.stdout, "Warning: %d eligible, fewer than shortlist.size (%d): %s\n", run.Eligible, cfg.Shortlist.Size, ineligible[:min(3, len(ineligible))])
	}
	fmt.Fprintln(a.stdout)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tCUSTOMER\tSCORE\tCONF\tELIGIBLE\tWHY")
	for i, r := range rows {
		if i == top {
			break
		}
		why := strings.Join(r.Reasons, "; ")
		if !r.Eligible {
			why = "not eligible: " + strings.Join(r.FailedGates, "; ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%.0f%%\t%s\t%s\n", r.Rank, cell(advocate.Label(r.Name, r.Domain)), r.Score, r.Confidence*100, yesNo(r.Eligible), why)
	}
	return tw.Flush()
}

func nonNilCounts(c scoring.FailureCounts) scoring.FailureCounts {
	if c == nil {
		return scoring.FailureCounts{}
	}
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type shortlistOptions struct {
	asJSON, post bool
	top          int
	week         string
}

func (a *app) shortlistCommand() *cobra.Command {
	var o shortlistOptions
	c := &cobra.Command{
		Use:   "shortlist",
		Short: "build this week's shortlist; --post sends it to Slack",
		Long: `Shortlist builds the week's shortlist from the latest score run: the top eligible customers,
grouped by CSM, each with the person to ask and the reasons. --post sends it to Slack; a week
already posted is never rebuilt or sent again.`,
		Example: `  advocate shortlist
  advocate shortlist --top 10 --json
  advocate shortlist --week 2026-W47 --post`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdShortlist(c.Context(), a, o) },
	}
	f := c.Flags()
	f.BoolVar(&o.asJSON, "json", false, "print the shortlist as JSON")
	f.IntVar(&o.top, "top", 0, "shortlist size (default: shortlist.size from the config)")
	f.StringVar(&o.week, "week", "", "ISO week to build, e.g. 2026-W47 (default: this week)")
	f.BoolVar(&o.post, "post", false, "send the shortlist to Slack")
	return c
}

func cmdShortlist(ctx context.Context, a *app, o shortlistOptions) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p := cfg.Policy()
	if o.top > 0 {
		p.Size = o.top
	}
	now := a.now()
	w := o.week
	if w == "" {
		w = advocate.Week(now)
	}
	if o.post {
		return postShortlist(ctx, a, cfg, st, p, w, o.asJSON)
	}
	sl, posted, err := shortlist.Make(ctx, st, p, cfg.Sources(), now, w)
	if err != nil {
		return err
	}
	if o.asJSON {
		return writeJSON(a.stdout, sl)
	}
	if posted {
		fmt.Fprintf(a.stdout, "(the shortlist for %s was already posted; showing it as sent)\n", w)
	}
	shortlist.WriteText(a.stdout, sl)
	return nil
}

func (a *app) explainCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "explain CUSTOMER",
		Short: "factor-by-factor breakdown for one customer",
		Long: `Explain shows how one customer's score was made: each signal's value, weight and points and
where the value came from, the gates it failed, the reasons, what changed since the previous run
and the score trend. CUSTOMER is the customer's id or its web domain.`,
		Example: `  advocate explain vantagesystems.com
  advocate explain c_01HF3Z --json`,
		Args: oneCustomer,
		RunE: func(c *cobra.Command, args []string) error { return cmdExplain(c.Context(), a, args[0], asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the explanation as JSON")
	return c
}

func cmdExplain(ctx context.Context, a *app, customer string, asJSON bool) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The model recomputes the breakdown of a customer the stored run kept no detail for.
	model, err := ranker.Model(cfg)
	if err != nil {
		return err
	}
	ex, err := ranker.Explain(ctx, st, cfg.Sources(), model, a.now(), customer)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, ex)
	}
	printExplanation(a.stdout, ex, a.now())
	return nil
}

func printExplanation(w io.Writer, ex ranker.Explanation, now time.Time) {
	c := ex.Customer
	fmt.Fprintf(w, "%s  [%s]  CSM %s\n", advocate.Label(c.Name, c.Domain), c.ID, c.Owner)
	fmt.Fprintf(w, "Score %.1f / 100, rank %d", ex.Score, ex.Rank)
	if ex.Of > 0 {
		fmt.Fprintf(w, " of %d", ex.Of)
	}
	fmt.Fprintf(w, ", confidence %.0f%%, scored %s (%s)\n", ex.Confidence*100, ago(now, ex.ScoredAt), ex.ScoredAt.Local().Format("2006-01-02 15:04"))
	if ex.Eligible {
		fmt.Fprintln(w, "Eligible for the shortlist.")
	} else {
		fmt.Fprintf(w, "Not eligible: %s\n", strings.Join(ex.FailedGates, "; "))
	}
	if ex.Recomputed {
		fmt.Fprintln(w, "\nThe stored run kept no breakdown for this customer (large bases keep one for the top only);")
		fmt.Fprintln(w, "the factors below were recomputed now from the current data.")
		if ex.Note != "" {
			fmt.Fprintf(w, "Note: %s.\n", ex.Note)
		}
	}
	if len(ex.Reasons) > 0 {
		fmt.Fprintln(w, "\nWhy:")
		for _, r := range ex.Reasons {
			fmt.Fprintf(w, "  · %s\n", r)
		}
	}
	fmt.Fprintln(w, "\nFactors:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SIGNAL\tVALUE\tWEIGHT\tPOINTS\tSOURCE\t")
	for _, f := range ex.Contributions {
		val, src := "missing", ""
		if f.Present {
			val = ranker.FormatValue(f.Value)
		}
		if s, ok := ex.Signals[f.Signal]; ok {
			src = s.Source
		}
		fmt.Fprintf(tw, "%s\t%s\t%+g\t%.1f\t%s\t\n", f.Signal, val, f.Weight, f.Points, src)
	}
	tw.Flush()
	if ch := ex.Changes; ch != nil {
		fmt.Fprintf(w, "\nSince %s: score %.1f → %.1f (%+.1f), rank %d → %d\n", ch.Since.Format("2006-01-02"), ch.ScoreBefore, ex.Score,
			ex.Score-ch.ScoreBefore, ch.RankBefore, ex.Rank)
		for i, f := range ch.Factors {
			if i == 5 {
				break
			}
			fmt.Fprintf(w, "  %-20s %s → %s  (%+.1f points)\n", f.Signal, optValue(f.Before), optValue(f.After), f.PointsAfter-f.PointsBefore)
		}
	}
	if len(ex.History) > 1 {
		fmt.Fprintln(w, "\nTrend (newest first):")
		for i, h := range ex.History {
			if i == 8 {
				break
			}
			fmt.Fprintf(w, "  %s  %.1f  (rank %d)\n", h.ScoredAt.Format("2006-01-02 15:04"), h.Score, h.Rank)
		}
	}
}

func (a *app) exportCommand() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "export",
		Short: "every customer with attributes, signals and score",
		Long: `Export writes every customer to stdout with its attributes, latest signals (value, when
observed, which source) and latest score.`,
		Example: `  advocate export > customers.json
  advocate export --format csv > customers.csv`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdExport(c.Context(), a, format) },
	}
	c.Flags().StringVar(&format, "format", "json", "csv or json")
	c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]cobra.Completion{"csv", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func cmdExport(ctx context.Context, a *app, format string) error {
	if format != "json" && format != "csv" {
		return usageErr("export --format must be csv or json, not %q", format)
	}
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := ranker.Export(ctx, st, cfg.Sources(), a.now())
	if err != nil {
		return err
	}
	if format == "csv" {
		return ranker.WriteExportCSV(a.stdout, rows)
	}
	return ranker.WriteExportJSON(a.stdout, rows)
}

// decideHelp is the help of approve, skip and snooze: what the decision does.
var decideHelp = map[string]struct{ short, long, example string }{
	"approve": {"approve a candidate (as the Slack button does)",
		`Approve records that the CSM wants this customer as an affiliate, exactly as the Slack button
does: the contact is made an affiliate on the platform (when one is configured) and enrolled in
the onboarding email sequence, and the week's Slack message shows the decision.`,
		`  advocate approve vantagesystems.com
  advocate approve vantagesystems.com --by maya@vendor.io --json`},
	"skip": {"skip a candidate for the cooldown period",
		`Skip keeps this customer off the shortlist for shortlist.cooldown_weeks weeks,
exactly as the Slack button does.`,
		`  advocate skip hooli.com
  advocate skip hooli.com --by maya@vendor.io`},
	"snooze": {"snooze a candidate for some days",
		`Snooze keeps this customer off the shortlist for --days days (default shortlist.snooze_days),
exactly as the Slack button does; it comes back afterwards if it still qualifies.`,
		`  advocate snooze globex.com
  advocate snooze globex.com --days 30 --json`},
}

func (a *app) decideCommand(kind string) *cobra.Command {
	var (
		by     string
		days   int
		asJSON bool
	)
	h := decideHelp[kind]
	c := &cobra.Command{
		Use:     kind + " CUSTOMER",
		Short:   h.short,
		Long:    h.long + "\n\nCUSTOMER is the customer's id or its web domain.",
		Example: h.example,
		Args:    oneCustomer,
		RunE: func(c *cobra.Command, args []string) error {
			return cmdDecide(c.Context(), a, decidepkg.Request{Customer: args[0], Kind: advocate.DecisionKind(kind), By: by, Via: decidepkg.ViaCLI, SnoozeDays: days}, asJSON)
		},
	}
	c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who decided (the CSM's `EMAIL`)")
	if kind == "snooze" {
		c.Flags().IntVar(&days, "days", 0, "how many days (default: shortlist.snooze_days)")
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the decision as JSON")
	return c
}

func cmdDecide(ctx context.Context, a *app, req decidepkg.Request, asJSON bool) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	client := service.Slack(cfg, a.log)
	defer client.Close(context.WithoutCancel(ctx)) // sends the message update before the store closes
	dec, err := service.Decider(cfg, st, client, nil, a.log, a.now, nil)
	if err != nil {
		return err
	}
	res, err := dec.Decide(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, decisionJSON(res))
	}
	printDecision(a, res)
	return nil
}

// statusRow is one connector in `advocate status`.
type statusRow struct {
	Connector           string     `json:"connector"`
	Type                string     `json:"type"`
	LastSuccessAt       *time.Time `json:"last_success_at"`
	LastError           string     `json:"last_error,omitempty"`
	LastErrorAt         *time.Time `json:"last_error_at,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	// NextAttemptAt: a failing connector backs off; scheduled syncs skip it until then.
	NextAttemptAt *time.Time     `json:"next_attempt_at,omitempty"`
	LastRun       *store.SyncRun `json:"last_run,omitempty"` // its status may be "interrupted"
	// Interrupted counts runs a stopped process left unfinished (marked at the next start).
	Interrupted  *store.Interrupted `json:"interrupted,omitempty"`
	StaleSeconds *int64             `json:"stale_seconds"` // since last success; null: never synced
	Customers    int64              `json:"customers"`     // customers with a signal from it
	SignalValues int64              `json:"signal_values"`
}

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "each connector's last success, last error, staleness",
		Long: `Status shows, for each connector and the affiliate platform's outcome sync, the last success
and how long ago it was, the customers and values it provides, the last run and its API use, and
the last error with the next attempt of a connector that is backing off. With an affiliate
platform configured, it also counts the approved contacts still waiting for their affiliate.`,
		Example: `  advocate status
  advocate status --json | jq '.connectors[] | select(.consecutive_failures > 0)'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdStatus(c.Context(), a, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func cmdStatus(ctx context.Context, a *app, asJSON bool) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The affiliate platform's outcome sync is listed like a connector.
	rows, err := statusRows(ctx, st, affiliates.WithSync(cfg), a.now())
	if err != nil {
		return err
	}
	var waiting *affiliates.Waiting // affiliate creations still to be made; nil: no platform
	if cfg.Affiliates.Configured() {
		w, err := affiliates.WaitingOn(ctx, st, strings.ToLower(cfg.Affiliates.Platform))
		if err != nil {
			return err
		}
		waiting = &w
	}
	if asJSON {
		return writeJSON(a.stdout, struct {
			Connectors []statusRow         `json:"connectors"`
			Affiliates *affiliates.Waiting `json:"affiliate_creations,omitempty"`
		}{rows, waiting})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tTYPE\tLAST SUCCESS\tAGE\tCUSTOMERS\tVALUES\tLAST RUN\tLAST RUN API\tLAST ERROR")
	for _, r := range rows {
		last, age := "never", "-"
		if r.LastSuccessAt != nil {
			last = r.LastSuccessAt.Local().Format("2006-01-02 15:04")
			age = ago(a.now(), *r.LastSuccessAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", cell(r.Connector), r.Type, last, age, r.Customers, r.SignalValues, lastRunText(r),
			lastRunAPIText(r), errorText(r))
	}
	if err := tw.Flush(); err != nil || waiting == nil {
		return err
	}
	_, err = fmt.Fprintln(a.stdout, "\n"+waitingText(*waiting))
	return err
}

// waitingText is status's line on affiliate creations: how many approved contacts wait for
// their referral link, since when creates fail, the next attempt and the last error.
func waitingText(w affiliates.Waiting) string {
	text := fmt.Sprintf("Affiliate creations on %s: %d waiting", w.Platform, w.Pending)
	if w.Failing == 0 {
		return text
	}
	text += fmt.Sprintf(", %d failing since %s", w.Failing, w.FailingSince.Local().Format("2006-01-02 15:04"))
	if w.NextAttemptAt != nil {
		text += ", next attempt " + w.NextAttemptAt.Local().Format("01-02 15:04")
	}
	return text + ": " + advocate.Clip(advocate.FirstLine(w.LastError), 100)
}

// statusRows reads what status shows for each configured connector.
func statusRows(ctx context.Context, st *store.Store, conns []connectors.Settings, now time.Time) ([]statusRow, error) {
	states, err := st.SyncStates(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := st.SourceCounts(ctx)
	if err != nil {
		return nil, err
	}
	interrupted, err := st.InterruptedRuns(ctx)
	if err != nil {
		return nil, err
	}
	var rows []statusRow
	for _, c := range conns {
		s := states[c.Name]
		r := statusRow{Connector: c.Name, Type: c.Type, LastSuccessAt: s.LastSuccessAt, LastError: s.LastError, LastErrorAt: s.LastErrorAt,
			ConsecutiveFailures: s.ConsecutiveFailures, NextAttemptAt: s.NextAttemptAt, Customers: counts[c.Name][0], SignalValues: counts[c.Name][1]}
		if s.LastSuccessAt != nil {
			age := int64(now.Sub(*s.LastSuccessAt).Seconds())
			r.StaleSeconds = &age
		}
		if in, ok := interrupted[c.Name]; ok {
			r.Interrupted = &in
		}
		run, err := st.LastSyncRun(ctx, c.Name)
		switch {
		case err == nil:
			r.LastRun = &run
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// lastRunText is the LAST RUN column: the newest run's status and start, and how many runs were
// interrupted when that is not the newest one.
func lastRunText(r statusRow) string {
	if r.LastRun == nil {
		return "-"
	}
	text := r.LastRun.Status + " " + r.LastRun.StartedAt.Local().Format("01-02 15:04")
	if in := r.Interrupted; in != nil && r.LastRun.Status != store.RunInterrupted {
		text += fmt.Sprintf(" (%d interrupted)", in.Runs)
	}
	return text
}

// lastRunAPIText is the LAST RUN API column: the newest run's API calls and the vendor's limit
// left as that run last saw it.
func lastRunAPIText(r statusRow) string {
	if r.LastRun == nil {
		return "-"
	}
	return cmp.Or(connectors.BudgetSummary(r.LastRun.APICalls, r.LastRun.APILimit), "-")
}

// errorText is the LAST ERROR column: failures in a row, when a backing-off connector is next
// tried, and the error.
func errorText(r statusRow) string {
	if r.ConsecutiveFailures == 0 {
		return ""
	}
	text := fmt.Sprintf("%d failing", r.ConsecutiveFailures)
	if r.NextAttemptAt != nil {
		text += ", next attempt " + r.NextAttemptAt.Local().Format("01-02 15:04")
	}
	return text + ": " + advocate.Clip(advocate.FirstLine(r.LastError), 60)
}

func (a *app) demoCommand() *cobra.Command {
	var (
		out   string
		top   int
		force bool
	)
	c := &cobra.Command{
		Use:   "demo",
		Short: "zero-setup tour on bundled sample data",
		Long: `Demo runs the whole loop on bundled sample data with no setup and no network: 500 sample
customers are loaded from CSV into a new SQLite database, scored, and this week's shortlist is
printed by CSM with reasons; the Slack message (slack-shortlist.json) and the first invitation
email (invite.eml) are written to the folder, with an advocate.yaml to keep exploring with.`,
		Example: `  advocate demo
  advocate demo --out ./tour --top 20
  advocate --config ./tour/advocate.yaml explain DOMAIN`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := demo.Run(c.Context(), demo.Options{OutDir: out, Stdout: a.stdout, Log: a.log, Top: top, Force: force, Clock: a.now})
			return err
		},
	}
	c.Flags().StringVar(&out, "out", "", "`DIR` to write into (default: a new temporary folder)")
	c.Flags().IntVar(&top, "top", 10, "shortlist size")
	c.Flags().BoolVar(&force, "force", false, "replace an advocate.yaml (and data/, advocate.db) already in --out")
	return c
}

func optValue(v *float64) string {
	if v == nil {
		return "missing"
	}
	return ranker.FormatValue(*v)
}
