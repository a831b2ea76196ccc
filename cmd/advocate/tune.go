package main

// `advocate tune`: scoring weights fitted to affiliate outcomes and backtested against the
// current ones (internal/tune); --write saves them as a scoring file for `score --what-if`.

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/lookalike"
	"github.com/advocate-hq/advocate/internal/tune"
)

func (a *app) tuneCommand() *cobra.Command {
	var (
		asJSON bool
		write  string
	)
	c := &cobra.Command{
		Use:   "tune",
		Short: "fit weights to affiliate outcomes, backtest vs current",
		Long: `Tune fits scoring weights to real affiliate outcomes (did an affiliate refer within 90 days of
joining?) and backtests them against the current weights out of sample. Nothing is applied:
--write saves the learned weights as a scoring file to preview with "advocate score --what-if".`,
		Example: `  advocate tune
  advocate tune --write learned.yaml && advocate score --what-if learned.yaml
  advocate tune --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdTune(c.Context(), a, write, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	c.Flags().StringVar(&write, "write", "", "save the learned weights as a scoring `FILE` for `advocate score --what-if FILE`\n(only when they beat the current ones reliably)")
	return c
}

func cmdTune(ctx context.Context, a *app, write string, asJSON bool) error {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := tune.FromStore(ctx, st, cfg, a.now())
	if err != nil {
		return err
	}
	look, err := lookalikeReport(ctx, st, cfg, a.now())
	if err != nil {
		return err
	}
	if look.Insights != nil {
		r.Insights = look.Insights
	}
	if asJSON {
		err = writeJSON(a.stdout, r)
	} else {
		err = printTune(a.stdout, r, look)
	}
	if err != nil || write == "" {
		return err
	}
	if !r.Proposed {
		return fmt.Errorf("tune: not writing %s: %s", write, r.Verdict)
	}
	note := fmt.Sprintf("Written by `advocate tune` from %d affiliates (%d referred within %d days).\n"+
		"Out-of-sample AUC: current %.2f, learned %.2f. Nothing is applied: preview with\n"+
		"  advocate score --what-if %s\nand copy the weights into your config if you agree.",
		r.Samples, r.Positives, tune.LabelDays, *r.Current.AUC, *r.Learned.AUC, write)
	data, err := tune.ScoringFile(cfg.Scoring, r.Weights, note)
	if err != nil {
		return err
	}
	if err := os.WriteFile(write, data, 0o644); err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	if !asJSON {
		fmt.Fprintf(a.stdout, "\nWrote %s; preview it with: advocate score --what-if %s\n", write, write)
	}
	return nil
}

func printTune(w io.Writer, r tune.Report, look lookalike.Report) error {
	fmt.Fprintln(w, "Scoring weights fitted to affiliate outcomes")
	fmt.Fprintf(w, "\n%d affiliates labelled, %d of them referred within %d days of joining (%.2f referrals each on average).\n",
		r.Samples, r.Positives, tune.LabelDays, r.ReferralsPer90Days)
	if r.Pending > 0 {
		fmt.Fprintf(w, "%d joined less than %d days ago and are not labelled yet.\n", r.Pending, tune.LabelDays)
	}
	if r.NoJoinDate > 0 {
		fmt.Fprintf(w, "%d customers are marked as partners but were not made affiliates by Advocate, so their join date is unknown: left out.\n", r.NoJoinDate)
	}
	if r.FromCurrentValues > 0 {
		fmt.Fprintf(w, "%d read from current signal values: their signal history does not reach back to the day they joined.\n", r.FromCurrentValues)
	}
	fmt.Fprintf(w, "\n%s.\n", r.Verdict)
	if r.Current.AUC != nil {
		fmt.Fprintf(w, "\nBacktest (stratified 5-fold, out of sample)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "WEIGHTS\tAUC\tPRECISION AT %d\n", r.Current.K)
		fmt.Fprintf(tw, "current\t%.2f\t%.0f%%\n", *r.Current.AUC, 100**r.Current.PrecisionAtK)
		fmt.Fprintf(tw, "learned\t%.2f\t%.0f%%\n", *r.Learned.AUC, 100**r.Learned.PrecisionAtK)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "AUC difference, 90%% bootstrap interval: %+.2f to %+.2f\n", r.AUCDifference.Low, r.AUCDifference.High)
	}
	if len(r.Changes) > 0 {
		fmt.Fprintln(w, "\nProposal (effect: how the odds of referring multiply per standard deviation of the signal's goodness)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SIGNAL\tCURRENT → LEARNED\tEFFECT\tCONFIDENCE")
		for _, c := range r.Changes {
			fmt.Fprintf(tw, "%s\t%g → %g\t×%.2f\t%s\n", c.Signal, c.Current, c.Learned, c.OddsRatioPerSD, c.Confidence)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	printLookalike(w, look)
	_, err := fmt.Fprintln(w, "\nNothing was applied: weights change only when you edit the config.")
	return err
}
