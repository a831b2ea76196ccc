package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/store"
)

// cmdDrip sends the onboarding emails that are due now; its subcommands preview one, stop a
// customer's sequence, and show where every enrollment stands.
//
//	advocate drip [--dry-run] [--json]
//	advocate drip preview CUSTOMER [STEP] [--html FILE] [--json]
//	advocate drip stop CUSTOMER [--joined] [--reason TEXT]
//	advocate drip status [--json]
//	advocate drip resume CUSTOMER
func cmdDrip(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "preview":
			return cmdDripPreview(ctx, a, args[1:])
		case "stop":
			return cmdDripStop(ctx, a, args[1:])
		case "status":
			return cmdDripStatus(ctx, a, args[1:])
		case "resume":
			return cmdDripResume(ctx, a, args[1:])
		}
	}
	fs := a.flags("drip")
	dry := fs.Bool("dry-run", false, "show what is due without enqueueing or sending anything")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("drip: unknown argument %q (drip [--dry-run] | preview CUSTOMER [STEP] | stop CUSTOMER | resume CUSTOMER | status)", pos[0])
	}
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *dry {
		return dripDryRun(ctx, a, d, *asJSON)
	}
	r, err := d.Run(ctx)
	if errors.Is(err, drip.ErrCannotSend) {
		return err
	}
	ps, sent := r.Plan, r.Sent
	if *asJSON {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Customer, p.To, p.Sequence, p.Step, p.DueAt.Format(time.RFC3339), p.Subject)
	}
	tw.Flush()
}

func cmdDripPreview(ctx context.Context, a *app, args []string) error {
	fs := a.flags("drip preview")
	html := fs.String("html", "", "write the email as a standalone HTML page to `FILE`, to open in a browser (\"-\" for stdout)")
	asJSON := fs.Bool("json", false, "print subject, text and HTML as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageErr("drip preview needs CUSTOMER and optionally STEP (a step name such as case_study, or its number)")
	}
	step := ""
	if len(pos) == 2 {
		step = pos[1]
	}
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := d.Preview(ctx, pos[0], step)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, p)
	}
	if *html != "" {
		return writePreviewPage(a, p, *html)
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

func cmdDripStop(ctx context.Context, a *app, args []string) error {
	fs := a.flags("drip stop")
	joined := fs.Bool("joined", false, "the advocate joined the program (completes the enrollment and tells the CSM)")
	reason := fs.String("reason", "", "why, for the record")
	return a.withDripCustomer(ctx, fs, args, "drip stop", func(d *drip.Drip, customer string) error {
		why := *reason
		if why == "" && !*joined {
			why = "stopped from the CLI"
		}
		n, err := d.Stop(ctx, customer, *joined, why)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(a.stdout, "%s has no active or paused enrollment\n", customer)
			return nil
		}
		fmt.Fprintf(a.stdout, "ended %d enrollment(s) of %s; unsent emails cancelled\n", n, customer)
		return nil
	})
}

func cmdDripResume(ctx context.Context, a *app, args []string) error {
	fs := a.flags("drip resume")
	return a.withDripCustomer(ctx, fs, args, "drip resume", func(d *drip.Drip, customer string) error {
		n, err := d.Resume(ctx, customer)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "resumed %d enrollment(s) of %s; due emails go out with the next drip run\n", n, customer)
		return nil
	})
}

// withDripCustomer parses a subcommand that takes exactly one CUSTOMER and runs it on the drip.
func (a *app) withDripCustomer(ctx context.Context, fs *flag.FlagSet, args []string, name string, run func(d *drip.Drip, customer string) error) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("%s needs exactly one CUSTOMER (an id or a domain)", name)
	}
	d, st, err := a.openDrip(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(d, pos[0])
}

func cmdDripStatus(ctx context.Context, a *app, args []string) error {
	fs := a.flags("drip status")
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
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
	if *asJSON {
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.CustomerID, e.ContactEmail, seq, e.Status, e.StopReason, e.CreatedAt.Format("2006-01-02"))
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
