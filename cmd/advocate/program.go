package main

// `advocate program`: the affiliate program's KPIs over the last N days and the recruitment
// funnel (internal/programdata reads the store's rows, internal/program computes them).

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/programdata"
)

func cmdProgram(ctx context.Context, a *app, args []string) error {
	fs := a.flags("program")
	days := fs.Int("days", 90, "window in days")
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *days < 1 {
		return usageErr("program --days must be at least 1, got %d", *days)
	}
	_, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := programdata.Report(ctx, st, a.now(), *days)
	if err != nil {
		return err
	}
	if *asJSON {
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
	_, err := fmt.Fprintf(w, "\nFunnel (all time): shortlisted %d → approved %d → invited %d → joined %d → first referral %d\n",
		f.Shortlisted, f.Approved, f.Invited, f.Joined, f.FirstReferral)
	return err
}
