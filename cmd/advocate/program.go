package main

// `advocate program`: the affiliate program's KPIs over the last N days and the recruitment
// funnel (internal/program computes them from the store's rows).

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/program"
)

func (a *app) programCommand() *cobra.Command {
	var (
		days   int
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "program",
		Short: "affiliate-program KPIs over the last N days and the funnel",
		Long: `Program reads the referrals and commissions "advocate sync" brought from the affiliate platform
and shows the program's KPIs over the last --days days: affiliates, active ones (a referral that
signed up in the window), activity rate, referrals, conversions, earnings; the recruitment funnel
from shortlisted to first referral; and LTV and churn by acquisition channel.`,
		Example: `  advocate program
  advocate program --days 30 --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdProgram(c.Context(), a, days, asJSON) },
	}
	c.Flags().IntVar(&days, "days", 90, "window in days")
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func cmdProgram(ctx context.Context, a *app, days int, asJSON bool) error {
	if days < 1 {
		return usageErr("program --days must be at least 1, got %d", days)
	}
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := program.FromStore(ctx, st, cfg.Sources(), a.now(), days)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, r)
	}
	return printProgram(a.stdout, r)
}

func printProgram(w io.Writer, r program.Report) error {
	median := "-"
	if r.MedianDaysToFirstReferral != nil {
		median = fmt.Sprintf("%g", *r.MedianDaysToFirstReferral)
	}
	currency := r.Currency
	if r.OtherCurrencyCommissions > 0 {
		noun := "commissions"
		if r.OtherCurrencyCommissions == 1 {
			noun = "commission"
		}
		currency = fmt.Sprintf("%s (%d %s in other currencies left out)", r.Currency, r.OtherCurrencyCommissions, noun)
	}
	fmt.Fprintf(w, "Affiliate program, last %d days\n\n", r.WindowDays)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Affiliates\t%d\t(%d recruited via Advocate, %d others)\n", r.Affiliates, r.RecruitedViaAdvocate.Affiliates, r.Others.Affiliates)
	fmt.Fprintf(tw, "Active\t%d\t(%d via Advocate, %d others)\n", r.Active, r.RecruitedViaAdvocate.Active, r.Others.Active)
	fmt.Fprintf(tw, "Activity rate\t%.0f%%\t\n", r.ActivityRate*100)
	fmt.Fprintf(tw, "Referrals\t%d\t\n", r.Referrals)
	fmt.Fprintf(tw, "Conversions\t%d\t\n", r.Conversions)
	fmt.Fprintf(tw, "Earnings\t%.2f\t%s\n", r.Earnings, currency)
	fmt.Fprintf(tw, "Earnings per active\t%.2f\t\n", r.EarningsPerActive)
	fmt.Fprintf(tw, "Median days to first referral\t%s\t\n", median)
	if err := tw.Flush(); err != nil {
		return err
	}
	f := r.Funnel
	if _, err := fmt.Fprintf(w, "\nFunnel (all time): shortlisted %d → approved %d → invited %d → joined %d → first referral %d\n",
		f.Shortlisted, f.Approved, f.Invited, f.Joined, f.FirstReferral); err != nil {
		return err
	}
	return printChannels(w, r.Channels)
}

// printChannels is the referred-vs-other-channels table.
func printChannels(w io.Writer, chs []program.ChannelKPIs) error {
	if len(chs) == 0 {
		_, err := fmt.Fprintln(w, "\nBy acquisition channel: no customer has billing data (ltv or mrr), so LTV and churn are unknown")
		return err
	}
	fmt.Fprintln(w, "\nBy acquisition channel (customers with billing data, now)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Channel\tCustomers\tWith LTV\tAverage LTV\tMedian LTV\tChurned")
	for _, c := range chs {
		churn := "unknown"
		if c.ChurnRate != nil {
			churn = fmt.Sprintf("%d of %d (%.0f%%)", c.Churned, c.WithChurn, *c.ChurnRate*100)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", c.Channel, c.Customers, c.WithLTV, money(c.AverageLTV), money(c.MedianLTV), churn)
	}
	return tw.Flush()
}

func money(x *float64) string {
	if x == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *x)
}
