package main

// `advocate score --what-if FILE` and `advocate insights`: read-only views of the ranking and
// of what productive affiliates have in common.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/lookalike"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/scoring"
)

// scoreWhatIf scores the current snapshot under the current model and under the scoring
// section of otherPath, and prints the difference. Nothing is saved.
func scoreWhatIf(ctx context.Context, a *app, cfg *config.Config, model *scoring.Model, otherPath string, topN int, asJSON bool) error {
	if topN < 1 {
		return usageErr("score --top must be at least 1, got %d", topN)
	}
	other, err := config.Load(otherPath)
	if err != nil {
		return fmt.Errorf("what-if: %w", err)
	}
	otherModel, err := ranker.Model(other)
	if err != nil {
		return fmt.Errorf("what-if: %w", err)
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := ranker.WhatIf(ctx, st, cfg.Sources(), model, otherModel, topN, a.now())
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, r)
	}
	printWhatIf(a.stdout, r, otherPath)
	return nil
}

func printWhatIf(w io.Writer, r ranker.WhatIfReport, otherPath string) {
	fmt.Fprintf(w, "What if scoring came from %s? %d customers scored under both configs; nothing was saved.\n", otherPath, r.Customers)
	fmt.Fprintln(w, "Ranks and scores read current config → what-if config.")
	fmt.Fprintf(w, "Eligible: %d now, %d under %s.", r.EligibleBefore, r.EligibleAfter, otherPath)
	if r.ModelBefore == r.ModelAfter {
		fmt.Fprint(w, " The two scoring sections are equivalent (same model hash).")
	}
	fmt.Fprintln(w)

	moves := func(title string, ms []ranker.MoveDoc, entering bool) {
		fmt.Fprintf(w, "\n%s the top %d eligible:\n", title, r.TopN)
		if len(ms) == 0 {
			fmt.Fprintln(w, "  nobody")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CUSTOMER\tRANK\tSCORE")
		for _, m := range ms {
			note := ""
			switch {
			case entering && !m.EligibleBefore:
				note = "  (not eligible under the current config)"
			case !entering && !m.EligibleAfter:
				note = "  (would not be eligible)"
			}
			fmt.Fprintf(tw, "  %s\t%d → %d\t%.1f → %.1f%s\n", cell(advocate.Label(m.Name, m.Domain)), m.RankBefore, m.RankAfter, m.ScoreBefore, m.ScoreAfter, note)
		}
		tw.Flush()
	}
	moves("Entering", r.Entering, true)
	moves("Leaving", r.Leaving, false)

	fmt.Fprintln(w, "\nBiggest movers:")
	if len(r.Movers) == 0 {
		fmt.Fprintln(w, "  nobody changes rank")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CUSTOMER\tRANK\tMOVE\tSCORE")
		for _, m := range r.Movers {
			fmt.Fprintf(tw, "  %s\t%d → %d\t%s\t%.1f → %.1f\n", cell(advocate.Label(m.Name, m.Domain)), m.RankBefore, m.RankAfter,
				rankMove(m.RankBefore, m.RankAfter), m.ScoreBefore, m.ScoreAfter)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nRank correlation (Spearman): %.2f over %d customers (1 = same order, -1 = reversed).\n", r.Spearman, r.Common)
}

// rankMove words a rank change: a smaller rank number is a better place.
func rankMove(before, after int) string {
	switch {
	case after < before:
		return fmt.Sprintf("up %d", before-after)
	case after > before:
		return fmt.Sprintf("down %d", after-before)
	}
	return "same"
}

func (a *app) insightsCommand() *cobra.Command {
	var (
		asJSON bool
		top    int
	)
	c := &cobra.Command{
		Use:   "insights",
		Short: "channels, industries, plans the top comes from",
		Long: `Insights reads the latest score run and shows which acquisition channels, industries, plans
and segments the top eligible customers come from, with their lift over the whole base; then
what productive affiliates (those who referred within their first 90 days) have in common.`,
		Example: `  advocate insights
  advocate insights --top 50 --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("top") && top < 1 {
				return usageErr("insights --top must be at least 1, got %d", top)
			}
			return cmdInsights(c.Context(), a, top, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the insights as JSON")
	c.Flags().IntVar(&top, "top", 0, "how many top eligible customers to look at (default shortlist.size)")
	return c
}

// cmdInsights is `advocate insights`; top 0 means shortlist.size.
func cmdInsights(ctx context.Context, a *app, top int, asJSON bool) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	n := cfg.Shortlist.Size
	if top > 0 {
		n = top
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := ranker.Insights(ctx, st, nil, n)
	if err != nil {
		return err
	}
	look, err := lookalikeReport(ctx, st, cfg, a.now())
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, insightsDoc{r, look})
	}
	printInsights(a.stdout, r)
	printLookalike(a.stdout, look)
	return nil
}

// lookalikeReport is what productive affiliates have in common, for insights and tune.
func lookalikeReport(ctx context.Context, st *store.Store, cfg *config.Config, now time.Time) (lookalike.Report, error) {
	in, err := lookalike.Load(ctx, st, cfg.Scoring.ModelConfig().Segments, now)
	if err != nil {
		return lookalike.Report{}, err
	}
	return lookalike.Summarize(in), nil
}

// insightsDoc is `advocate insights --json`: the top's insights, and under "lookalike" what
// productive affiliates have in common.
type insightsDoc struct {
	ranker.InsightsReport
	Lookalike lookalike.Report `json:"lookalike"`
}

// printLookalike prints the "Productive affiliates look like" section: the dimension values
// over-represented among affiliate customers who referred within their first 90 days.
func printLookalike(w io.Writer, r lookalike.Report) {
	fmt.Fprintf(w, "\nProductive affiliates look like (%d of %d affiliate customers referred within %d days of joining; %d customers in all)\n",
		r.Productive, r.Affiliates, r.WindowDays, r.Customers)
	if r.Undecided > 0 || r.Outside > 0 {
		fmt.Fprintf(w, "  Left out: %d affiliate customers still inside their first %d days, %d affiliates who are no customer.\n",
			r.Undecided, r.WindowDays, r.Outside)
	}
	if len(r.Insights) == 0 {
		fmt.Fprintf(w, "  no channel, industry, plan or segment has %d productive and %d affiliate customers and is over-represented\n",
			r.MinProductive, r.MinAffiliates)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ATTRIBUTE\tVALUE\tPRODUCTIVE\tAFFILIATES\tCUSTOMERS\tLIFT VS AFFILIATES\tLIFT VS CUSTOMERS")
	for _, in := range r.Insights {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%.2f×\t%.2f×\n", strings.ReplaceAll(in.Dimension, "_", " "), cell(in.Value),
			in.Productive, in.Affiliates, in.Customers, in.LiftVsAffiliates, in.LiftVsCustomers)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nLift = share among productive affiliate customers / share among all affiliate customers (or all customers),\n"+
		"smoothed by adding one to every count. Values with fewer than %d productive or %d affiliate customers are left out.\n",
		r.MinProductive, r.MinAffiliates)
}

// printInsights prints one small table per attribute: which values are over-represented among
// the top eligible customers compared with everyone scored.
func printInsights(w io.Writer, r ranker.InsightsReport) {
	fmt.Fprintf(w, "Where the top %d eligible customers come from (run #%d, %s, %d customers scored)\n",
		r.Top, r.Run.ID, r.Run.CreatedAt.Format("2006-01-02 15:04"), r.Customers)
	if r.Top == 0 {
		fmt.Fprintln(w, "\nNobody is eligible in the latest run, so there is nothing to compare.")
		return
	}
	for _, key := range r.Keys {
		fmt.Fprintf(w, "\n%s\n", strings.ReplaceAll(key, "_", " "))
		var rows []scoring.Insight
		for _, in := range r.Insights {
			if in.Key == key {
				rows = append(rows, in)
			}
		}
		if len(rows) == 0 {
			fmt.Fprintf(w, "  no value has %d or more customers in the top %d\n", r.MinTop, r.Top)
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  VALUE\tIN TOP\tIN BASE\tSHARE OF TOP\tSHARE OF BASE\tLIFT")
		for _, in := range rows {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%.0f%%\t%.0f%%\t%.2f×\n", cell(in.Value), in.Top, in.Base, in.TopShare*100, in.BaseShare*100, in.Lift)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nLift = share of the top / share of the base: 2× means twice as common among the best candidates.\n"+
		"Values with fewer than %d customers in the top are left out.\n", r.MinTop)
}
