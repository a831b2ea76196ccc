package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/slack"
)

// Dispatch handles one interaction payload, however it arrived (HTTP or Socket Mode). The
// part Slack waits for is short: the decision (decide.Decide: record, enroll, queue the
// message update). Previews are queued. Bad input (a malformed button, an unknown customer, a
// week that does not exist) is a slack.Rejection: the clicker is told, nothing is recorded.
func (s *Service) Dispatch(ctx context.Context, cb slackapi.InteractionCallback) error {
	if cb.Type != slackapi.InteractionTypeBlockActions {
		s.log.Debug("ignoring slack interaction", "type", cb.Type)
		return nil
	}
	var errs []error
	for _, a := range cb.ActionCallback.BlockActions {
		var err error
		if kind, ok := slack.ActionKind(a.ActionID); ok {
			err = s.decide(ctx, cb, a, kind)
		} else if a.ActionID == slack.ActionPreview {
			err = s.queuePreview(cb, a)
		} else {
			s.log.Debug("ignoring unknown slack action", "action_id", a.ActionID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) decide(ctx context.Context, cb slackapi.InteractionCallback, a *slackapi.BlockAction, kind advocate.DecisionKind) error {
	week, customerID, err := slack.ParseActionValue(a.Value)
	if err != nil {
		return slack.Reject("Nothing was recorded: this button does not say which customer and week it is for. Use `advocate "+string(kind)+" CUSTOMER` instead.", err)
	}
	if s.o.Decider == nil {
		return errors.New("review: no decider configured")
	}
	by := s.o.Slack.Users().Who(ctx, cb.User.ID)
	res, err := s.o.Decider.Decide(ctx, decide.Request{Customer: customerID, Kind: kind, By: by, Via: decide.ViaSlack, Week: week})
	if errors.Is(err, decide.ErrInvalid) || errors.Is(err, decide.ErrNotFound) {
		return slack.Reject("Nothing was recorded: "+slack.Escape(err.Error())+".", err)
	}
	if err != nil {
		return err
	}
	if d := res.Decision; !res.Created && (d.Kind != string(kind) || d.DecidedBy != by) {
		s.o.Slack.ReplyText(cb, fmt.Sprintf("%s was already %s by %s; your press changed nothing. Use `advocate %s` to change it.",
			slack.Escape(res.Customer.Label()), advocate.DecisionKind(d.Kind).PastTense(), s.o.Slack.Users().MentionBy(ctx, d.DecidedBy), kind))
	}
	return nil
}

// queuePreview answers Preview with the invitation the customer would get, shown only to the
// CSM who pressed it (an ephemeral reply through response_url). An ephemeral message rather
// than a views.open modal: a modal's trigger_id expires 3 s after the press, which a queued
// render could miss, and a reply in the conversation stays next to the candidate.
func (s *Service) queuePreview(cb slackapi.InteractionCallback, a *slackapi.BlockAction) error {
	week, customerID, err := slack.ParseActionValue(a.Value)
	if err != nil {
		return slack.Reject("This button does not say which customer and week it is for, so there is nothing to preview.", err)
	}
	s.o.Slack.Go(slack.MessageKey(cb), func(ctx context.Context) {
		msg, err := s.previewMessage(ctx, week, customerID)
		if err != nil {
			s.log.Warn("invite preview failed", "customer", customerID, "err", err)
			msg = &slackapi.WebhookMessage{Text: "Could not render the invitation: " + slack.Escape(err.Error())}
		}
		if err := s.o.Slack.Respond(ctx, cb, msg); err != nil {
			s.log.Warn("invite preview reply failed", "customer", customerID, "err", err)
		}
	})
	return nil
}

func (s *Service) previewMessage(ctx context.Context, week, customerID string) (*slackapi.WebhookMessage, error) {
	if s.o.Preview == nil {
		return nil, errors.New("previews are not configured (set email.from and email.program_url)")
	}
	sl, err := shortlist.Stored(ctx, s.o.Store, week)
	if err != nil {
		return nil, err
	}
	var entry *shortlist.Entry
	for i := range sl.Entries {
		if sl.Entries[i].Customer.ID == customerID {
			entry = &sl.Entries[i]
		}
	}
	if entry == nil {
		return nil, fmt.Errorf("%s is not on the %s shortlist", customerID, week)
	}
	c, err := s.o.Preview(ctx, *entry)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("*Preview* · to %s\n*Subject:* %s", slack.Escape(entry.Contact.Email), slack.Escape(c.Subject))
	body := "```" + strings.ReplaceAll(advocate.Clip(c.Text, 2900), "```", "'''") + "```"
	blocks := slackapi.Blocks{BlockSet: []slackapi.Block{
		slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, head, false, false), nil, nil),
		slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, body, false, false), nil, nil),
	}}
	return &slackapi.WebhookMessage{ResponseType: slackapi.ResponseTypeEphemeral, Text: "Invitation preview: " + c.Subject, Blocks: &blocks}, nil
}

// InvitePreview renders the invitation with email.RenderInviteContent from the config's
// sender and program URL, with the customer-safe highlights its attributes allow (the scoring
// reasons stay in Slack). The drip supplies the richer PreviewFunc serve uses (its first step,
// current signals, email.templates_dir).
func InvitePreview(from, programURL string, now func() time.Time) PreviewFunc {
	return func(ctx context.Context, e shortlist.Entry) (email.InviteContent, error) {
		t := now()
		return email.RenderInviteContent(email.InviteData{
			From: from, ProgramURL: programURL,
			CustomerName: advocate.FirstNonBlank(e.Customer.Name, e.Customer.Domain, e.Customer.ID),
			ContactName:  e.Contact.Name, ContactEmail: e.Contact.Email,
			CSMEmail: e.Customer.Owner, Highlights: email.Highlights(e.Customer, nil, t),
			Plan: e.Customer.Attributes["plan"], Industry: e.Customer.Attributes["industry"],
			MessageID: "preview-" + e.Customer.ID + "@advocate.invalid",
			Date:      t,
		})
	}
}
