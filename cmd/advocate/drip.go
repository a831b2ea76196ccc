package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/store"
)

// dripCommand sends the onboarding emails that are due now; its subcommands preview one, stop
// a customer's sequence, resume a paused one, and show where every enrollment stands.
func (a *app) dripCommand() *cobra.Command {
	var dry, asJSON bool
	c := &cobra.Command{
		Use:   "drip",
		Short: "send the onboarding emails that are due now",
		Long: `Drip plans the onboarding steps that are due for every active enrollment and sends the emails
due now (each is an outbox row before it is an SMTP conversation, and consent is checked just
before sending). --dry-run shows what is due and changes nothing. "advocate serve" runs this on
its own schedule.`,
		Example: `  advocate drip --dry-run
  advocate drip
  advocate drip preview globex.com case_study --html page.html`,
		Args: unknownSubcommand,
		RunE: func(c *cobra.Command, _ []string) error { return cmdDrip(c.Context(), a, dry, asJSON) },
	}
	c.Flags().BoolVar(&dry, "dry-run", false, "show what is due without enqueueing or sending anything")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.AddCommand(a.dripPreviewCommand(), a.dripStopCommand(), a.dripResumeCommand(), a.dripStatusCommand())
	return c
}

func cmdDrip(ctx context.Context, a *app, dry, asJSON bool) error {
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if dry {
		return dripDryRun(ctx, a, d, asJSON)
	}
	r, err := d.Run(ctx)
	if errors.Is(err, drip.ErrCannotSend) {
		return err
	}
	ps, sent := r.Plan, r.Sent
	if asJSON {
		if err := writeJSON(a.stdout, map[string]any{"enqueued": ps.Enqueued, "ended": ps.Ended, "paused": ps.Paused, "sent": sent.Sent,
			"retrying": sent.Retried, "failed": sent.Failed, "not_sent": sent.Cancelled, "held": sent.Held + sent.Released,
			"awaiting_affiliate": ps.AwaitingAffiliate}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "drip: %d step(s) planned, %d enrollment(s) ended, %d paused (health); sent %d, retrying %d, failed %d, not sent (consent or ended) %d\n",
			ps.Enqueued, ps.Ended, ps.Paused, sent.Sent, sent.Retried, sent.Failed, sent.Cancelled)
		if ps.AwaitingAffiliate > 0 {
			fmt.Fprintf(a.stdout, "drip: %d email(s) wait for the affiliate platform to issue a referral link (approve again once it is reachable)\n", ps.AwaitingAffiliate)
		}
		printPlanned(a, ps.Planned)
	}
	return err
}

// dripDryRun prints what `advocate drip` would do now, changing nothing.
func dripDryRun(ctx context.Context, a *app, d *drip.Drip, asJSON bool) error {
	ps, err := d.Plan(ctx, true)
	if err != nil {
		return err
	}
	due, err := d.Due(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, map[string]any{"dry_run": true, "would_enqueue": nonNilP(ps.Planned), "would_end": ps.Ended,
			"would_pause": ps.Paused, "due_in_outbox": len(due)})
	}
	fmt.Fprintf(a.stdout, "dry run: %d step(s) due to be written, %d enrollment(s) would end, %d would be paused (health), %d email(s) already due in the outbox\n",
		len(ps.Planned), ps.Ended, ps.Paused, len(due))
	printPlanned(a, ps.Planned)
	return nil
}

func nonNilP(p []drip.Planned) []drip.Planned {
	if p == nil {
		return []drip.Planned{}
	}
	return p
}

func printPlanned(a *app, planned []drip.Planned) {
	if len(planned) == 0 {
		return
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CUSTOMER\tTO\tSEQUENCE\tSTEP\tDUE\tSUBJECT")
	for _, p := range planned {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(p.Customer), cell(p.To), p.Sequence, p.Step, due(a.now(), p.DueAt), advocate.Clip(p.Subject, 70))
	}
	tw.Flush()
}

func (a *app) dripPreviewCommand() *cobra.Command {
	var (
		html   string
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "preview CUSTOMER [STEP]",
		Short: "show the email a customer's contact gets at a step",
		Long: `Preview renders the email the customer's contact gets at STEP of their onboarding sequence
(the next one when STEP is left out), exactly as it would be sent, without sending anything.
STEP is a step name such as case_study, or its number (1 is the first).`,
		Example: `  advocate drip preview globex.com
  advocate drip preview globex.com case_study --html page.html
  advocate drip preview globex.com 2 --json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErr("drip preview needs CUSTOMER and optionally STEP (a step name such as case_study, or its number)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			step := ""
			if len(args) == 2 {
				step = args[1]
			}
			return cmdDripPreview(c.Context(), a, args[0], step, html, asJSON)
		},
	}
	c.Flags().StringVar(&html, "html", "", "write the email as a standalone HTML page to `FILE`, to open in a browser (\"-\" for stdout)")
	c.Flags().BoolVar(&asJSON, "json", false, "print subject, text and HTML as JSON")
	return c
}

func cmdDripPreview(ctx context.Context, a *app, customer, step, html string, asJSON bool) error {
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := d.Preview(ctx, customer, step)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, p)
	}
	if html != "" {
		return writePreviewPage(a, p, html)
	}
	fmt.Fprintf(a.stdout, "Sequence: %s, step %s (day %d)\nFrom: %s\n", p.Sequence, p.Step, p.Day, p.From)
	if p.ReplyTo != "" {
		fmt.Fprintf(a.stdout, "Reply-To: %s\n", p.ReplyTo)
	}
	fmt.Fprintf(a.stdout, "To: %s\nSubject: %s\n\n%s", p.To, p.Subject, p.Text)
	return nil
}

// writePreviewPage writes the preview page to path ("-" = stdout).
func writePreviewPage(a *app, p drip.Preview, path string) error {
	if path == "-" {
		return p.WriteHTML(a.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("drip preview: %w", err)
	}
	if err := p.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("drip preview: %w", err)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%s to %s: %q); open it in a browser\n", path, p.Step, p.To, p.Subject)
	return nil
}

func (a *app) dripStopCommand() *cobra.Command {
	var (
		joined bool
		reason string
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "stop CUSTOMER",
		Short: "end a customer's onboarding sequence",
		Long: `Stop ends the customer's active or paused enrollments and cancels their unsent emails. With
--joined the advocate joined the program: the enrollment completes and the CSM is told.`,
		Example: `  advocate drip stop globex.com --reason "asked us to stop"
  advocate drip stop globex.com --joined`,
		Args: oneCustomer,
		RunE: func(c *cobra.Command, args []string) error {
			return a.withDripCustomer(c.Context(), args[0], func(d *drip.Drip, customer string) error {
				why := reason
				if why == "" && !joined {
					why = "stopped from the CLI"
				}
				n, err := d.Stop(c.Context(), customer, joined, why)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"customer": customer, "ended": n, "joined": joined})
				}
				if n == 0 {
					fmt.Fprintf(a.stdout, "%s has no active or paused enrollment\n", customer)
					return nil
				}
				fmt.Fprintf(a.stdout, "ended %d enrollment(s) of %s; unsent emails cancelled\n", n, customer)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&joined, "joined", false, "the advocate joined the program (completes the enrollment and tells the CSM)")
	c.Flags().StringVar(&reason, "reason", "", "why, for the record")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) dripResumeCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "resume CUSTOMER",
		Short: "resume an enrollment paused by the health check",
		Long: `Resume restarts the customer's enrollments that the health check paused; the emails that are
due go out with the next drip run.`,
		Example: `  advocate drip resume globex.com
  advocate drip resume globex.com --json`,
		Args: oneCustomer,
		RunE: func(c *cobra.Command, args []string) error {
			return a.withDripCustomer(c.Context(), args[0], func(d *drip.Drip, customer string) error {
				n, err := d.Resume(c.Context(), customer)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"customer": customer, "resumed": n})
				}
				fmt.Fprintf(a.stdout, "resumed %d enrollment(s) of %s; due emails go out with the next drip run\n", n, customer)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// withDripCustomer runs a subcommand that acts on one CUSTOMER on the drip.
func (a *app) withDripCustomer(ctx context.Context, customer string, run func(d *drip.Drip, customer string) error) error {
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(d, customer)
}

func (a *app) dripStatusCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "where every enrollment stands, and the outbox",
		Long:  `Status lists every onboarding enrollment with its sequence, status and age, and counts the outbox's emails by state.`,
		Example: `  advocate drip status
  advocate drip status --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return cmdDripStatus(c.Context(), a, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func cmdDripStatus(ctx context.Context, a *app, asJSON bool) error {
	_, st, err := a.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := st.Enrollments(ctx, "")
	if err != nil {
		return err
	}
	counts, err := st.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if es == nil {
			es = []store.Enrollment{}
		}
		return writeJSON(a.stdout, map[string]any{"enrollments": es, "outbox": counts})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCUSTOMER\tCONTACT\tSEQUENCE\tSTATUS\tREASON\tSINCE")
	for _, e := range es {
		seq := e.DripSequence
		if seq == "" {
			seq = e.Sequence
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, cell(e.CustomerID), cell(e.ContactEmail), seq, e.Status, advocate.Clip(e.StopReason, 40),
			ago(a.now(), e.CreatedAt))
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "outbox: %d pending, %d sending, %d sent, %d failed, %d not sent\n",
		counts["pending"], counts["sending"], counts["sent"], counts["failed"], counts["cancelled"])
	return nil
}

// openDrip loads the config, opens the store and builds the drip on them.
func (a *app) openDrip(ctx context.Context) (*drip.Drip, *store.Store, error) {
	cfg, st, err := a.configAndStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := drip.FromConfig(ctx, cfg, st, drip.Runtime{Now: a.now, Log: a.log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return d, st, nil
}
