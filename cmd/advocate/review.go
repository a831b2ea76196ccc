package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	decidepkg "github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/review"
	"github.com/advocate-hq/advocate/internal/service"
	"github.com/advocate-hq/advocate/internal/store"
)

// postShortlist is `shortlist --post`: build the week's list and send what of it Slack has
// not received yet. Running it twice in a week sends nothing the second time.
func postShortlist(ctx context.Context, a *app, cfg *config.Config, st *store.Store, p advocate.Policy, week string, asJSON bool) error {
	if cfg.Slack.BotToken == "" {
		return errors.New("shortlist --post: slack.bot_token is not set in " + a.resolvedConfigPath())
	}
	o, err := review.OptionsFromConfig(cfg, st, a.log, nil, a.now)
	if err != nil {
		return err
	}
	o.Policy = p
	o.Slack = service.Slack(cfg, a.log)
	defer o.Slack.Close(context.WithoutCancel(ctx))
	svc, err := review.New(o)
	if err != nil {
		return err
	}
	res, err := svc.Post(ctx, week)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, res)
	}
	switch {
	case res.Sent > 0 && res.AlreadySent > 0:
		fmt.Fprintf(a.stdout, "posted the rest of the %s shortlist: %d of %d messages (%d were sent before)\n", week, res.Sent, res.Messages, res.AlreadySent)
	case res.Sent > 0:
		fmt.Fprintf(a.stdout, "posted the %s shortlist: %d candidates in %d messages\n", week, res.Candidates, res.Sent)
	default:
		fmt.Fprintf(a.stdout, "the %s shortlist was already posted; nothing sent\n", week)
	}
	return nil
}

// printDecision is the CLI's account of what a decision did.
func printDecision(a *app, res decidepkg.Result) {
	d := res.Decision
	fmt.Fprintf(a.stdout, "%s: %s", d.Kind, res.Customer.Label())
	if d.Until != nil {
		fmt.Fprintf(a.stdout, " until %s", d.Until.Format("2006-01-02"))
	}
	fmt.Fprintln(a.stdout)
	if e := res.Enrollment; e != nil && res.EnrollmentCreated {
		fmt.Fprintf(a.stdout, "enrolled %s in the %q onboarding sequence\n", e.ContactEmail, e.Sequence)
	} else if e != nil {
		fmt.Fprintf(a.stdout, "%s was already enrolled in %q (%s)\n", e.ContactEmail, e.Sequence, e.Status)
	}
	if res.Messages > 0 {
		fmt.Fprintf(a.stdout, "updating the %s shortlist message in Slack\n", d.Week)
	}
}

// decisionJSON is approve/skip/snooze --json: the decision in force, whether this command made
// it, the onboarding enrollment of an approval and how many Slack messages are being updated.
func decisionJSON(res decidepkg.Result) any {
	return struct {
		Customer          advocate.Customer `json:"customer"`
		Decision          store.Decision    `json:"decision"`
		Created           bool              `json:"created"`
		Enrollment        *store.Enrollment `json:"enrollment"`
		EnrollmentCreated bool              `json:"enrollment_created"`
		SlackMessages     int               `json:"slack_messages_updated"`
	}{res.Customer, res.Decision, res.Created, res.Enrollment, res.EnrollmentCreated, res.Messages}
}
