package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
)

// Dispatch handles one interaction payload, however it arrived (HTTP or Socket Mode). The
// part Slack waits for is short: record the decision (and, for Approve, the enrollment).
// Updating the message and answering Preview are queued for the worker pool.
func (s *Service) Dispatch(ctx context.Context, cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		s.log.Debug("ignoring slack interaction", "type", cb.Type)
		return nil
	}
	var errs []error
	for _, a := range cb.ActionCallback.BlockActions {
		var err error
		switch a.ActionID {
		case shortlist.ActionApprove:
			err = s.decide(ctx, cb, a, advocate.Approve)
		case shortlist.ActionSkip:
			err = s.decide(ctx, cb, a, advocate.Skip)
		case shortlist.ActionSnooze:
			err = s.decide(ctx, cb, a, advocate.Snooze)
		case shortlist.ActionPreview:
			err = s.queuePreview(cb, a)
		default:
			s.log.Debug("ignoring unknown slack action", "action_id", a.ActionID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// who names the clicker: their email when Slack tells us (users:read.email), else "slack:U…".
func (s *Service) who(ctx context.Context, userID string) string {
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	if email, err := s.users.Email(lctx, userID); err == nil && email != "" {
		return email
	} else if err != nil {
		s.log.Warn("slack users.info failed; recording the user id", "user", userID, "err", err)
	}
	return "slack:" + userID
}

func (s *Service) decide(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction, kind advocate.DecisionKind) error {
	week, customerID, err := shortlist.ParseActionValue(a.Value)
	if err != nil {
		return err
	}
	now := s.o.Now().UTC()
	d := store.Decision{CustomerID: customerID, Kind: string(kind), DecidedBy: s.who(ctx, cb.User.ID), DecidedAt: now, Week: week}
	if kind == advocate.Snooze {
		until := s.o.Policy.SnoozeUntil(now, 0)
		d.Until = &until
	}
	rec, created, err := s.o.Store.RecordSlackDecision(ctx, d)
	if err != nil {
		return err
	}
	if created && s.o.Metrics != nil {
		s.o.Metrics.Decisions.WithLabelValues(rec.Kind, "slack").Inc()
	}
	// Enroll whenever the decision in force is an approval, not only when this press created
	// it: a crash between the two writes is repaired by pressing again (Enroll is idempotent).
	if rec.Kind == string(advocate.Approve) {
		if err := s.enroll(ctx, week, customerID); err != nil {
			return err
		}
	}
	s.log.Info("slack decision", "customer", customerID, "week", week, "kind", rec.Kind, "by", rec.DecidedBy, "new", created)

	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	if channel == "" {
		channel, ts = cb.Channel.ID, cb.Message.Timestamp
	}
	if !created && (rec.Kind != d.Kind || rec.DecidedBy != d.DecidedBy) {
		note := fmt.Sprintf("%s was already %s by %s; your press changed nothing. Use `advocate %s` to change it.",
			customerID, pastTense(rec.Kind), s.users.mentionBy(ctx, rec.DecidedBy), d.Kind)
		s.queueEphemeral(cb, note)
	}
	s.queueUpdate(channel, ts, cb.Message.Blocks)
	return nil
}

// enroll starts the onboarding sequence for the contact the shortlist named.
func (s *Service) enroll(ctx context.Context, week, customerID string) error {
	email, err := ContactFor(ctx, s.o.Store, week, customerID)
	if err != nil {
		return err
	}
	_, _, err = s.o.Store.Enroll(ctx, customerID, email, s.o.Sequence)
	return err
}

// ContactFor is the email an approval of customerID enrolls: the person the week's stored
// shortlist named, else (not on that list, e.g. approved from the CLI) the contact the
// shortlist would pick now.
func ContactFor(ctx context.Context, st *store.Store, week, customerID string) (string, error) {
	if sl, err := st.GetShortlist(ctx, week); err == nil {
		for _, e := range sl.Entries {
			if e.CustomerID == customerID && e.ContactEmail != "" {
				return e.ContactEmail, nil
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	contacts, err := st.Contacts(ctx, customerID)
	if err != nil {
		return "", err
	}
	c, ok := advocate.PickContact(contacts[customerID])
	if !ok {
		return "", fmt.Errorf("approve %s: no contact we may email (all opted out or without an address)", customerID)
	}
	return c.Email, nil
}

func pastTense(kind string) string {
	switch kind {
	case "approve":
		return "approved"
	case "skip":
		return "skipped"
	case "snooze":
		return "snoozed"
	}
	return kind
}

// mentionBy names whoever a decision records: a Slack user id as a mention, an email as a
// mention when Slack knows it.
func (d *Directory) mentionBy(ctx context.Context, by string) string {
	if id, ok := strings.CutPrefix(by, "slack:"); ok {
		return "<@" + id + ">"
	}
	if !strings.Contains(by, "@") {
		return shortlist.EscapeMrkdwn(by)
	}
	return d.Mention(ctx, by)
}

// queueUpdate re-renders a shortlist message from the store: every candidate on it with a
// decision made since it was posted shows who decided instead of buttons. Deriving the whole
// message from the store (not from the click) makes a repeated or reordered update harmless.
func (s *Service) queueUpdate(channel, ts string, fallback slack.Blocks) {
	if channel == "" || ts == "" {
		return
	}
	ok := s.work.submit(channel+"/"+ts, func(ctx context.Context) {
		if err := s.updateMessage(ctx, channel, ts, fallback); err != nil {
			s.log.Warn("slack message update failed; the next press on it will retry", "channel", channel, "ts", ts, "err", err)
		}
	})
	if !ok {
		s.log.Warn("slack message update dropped (shutting down or queue full)", "channel", channel, "ts", ts)
	}
}

func (s *Service) updateMessage(ctx context.Context, channel, ts string, fallback slack.Blocks) error {
	blocks, text := fallback.BlockSet, ""
	if m, err := s.o.Store.FindShortlistMessage(ctx, channel, ts); err == nil {
		var stored slack.Blocks
		if err := json.Unmarshal([]byte(m.Blocks), &stored); err != nil {
			return fmt.Errorf("stored blocks: %w", err)
		}
		blocks, text = stored.BlockSet, m.Text
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var ids []string
	for _, b := range blocks {
		if _, id := actionsCustomer(b); id != "" {
			ids = append(ids, id)
		}
	}
	decided, err := s.o.Store.DecisionsOf(ctx, ids)
	if err != nil {
		return err
	}
	out := make([]slack.Block, 0, len(blocks))
	for _, b := range blocks {
		// Only a decision taken for this message's week replaces the buttons; an old skip
		// that has run out must not hide a candidate listed again.
		if week, id := actionsCustomer(b); id != "" {
			if d, ok := decided[id]; ok && d.Week == week {
				b = slack.NewContextBlock(blockID(b), slack.NewTextBlockObject(slack.MarkdownType, s.decidedText(ctx, d), false, false))
			}
		}
		out = append(out, b)
	}
	opts := []slack.MsgOption{slack.MsgOptionBlocks(out...)}
	if text != "" {
		opts = append(opts, slack.MsgOptionText(text, false))
	}
	return s.retry(ctx, "chat.update", func() error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// actionsCustomer returns the week and customer a candidate's button row is about, or "".
func actionsCustomer(b slack.Block) (week, customerID string) {
	ab, ok := b.(*slack.ActionBlock)
	if !ok || ab.Elements == nil {
		return "", ""
	}
	for _, el := range ab.Elements.ElementSet {
		if btn, ok := el.(*slack.ButtonBlockElement); ok && strings.HasPrefix(btn.ActionID, "advocate_") {
			if w, id, err := shortlist.ParseActionValue(btn.Value); err == nil {
				return w, id
			}
		}
	}
	return "", ""
}

func blockID(b slack.Block) string {
	if ab, ok := b.(*slack.ActionBlock); ok {
		return ab.BlockID
	}
	return ""
}

func (s *Service) decidedText(ctx context.Context, d store.Decision) string {
	icon := map[string]string{"approve": ":white_check_mark:", "skip": ":fast_forward:", "snooze": ":zzz:"}[d.Kind]
	text := fmt.Sprintf("%s *%s* by %s · %s", icon, strings.ToUpper(pastTense(d.Kind)[:1])+pastTense(d.Kind)[1:],
		s.users.mentionBy(ctx, d.DecidedBy), d.DecidedAt.In(s.o.Location).Format("Mon 2 Jan 15:04 MST"))
	if d.Kind == "snooze" && d.Until != nil {
		text += " · back after " + d.Until.In(s.o.Location).Format("2 Jan 2006")
	}
	if d.Kind == "approve" {
		text += " · onboarding emails start with the next drip run"
	}
	return text
}

// queueEphemeral tells only the clicker something, through the action's response_url.
func (s *Service) queueEphemeral(cb slack.InteractionCallback, text string) {
	s.respond(cb, &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text})
}

func (s *Service) respond(cb slack.InteractionCallback, msg *slack.WebhookMessage) {
	key := cb.Container.ChannelID + "/" + cb.Container.MessageTs
	ok := s.work.submit(key, func(ctx context.Context) {
		var err error
		if cb.ResponseURL != "" {
			err = s.retry(ctx, "response_url", func() error {
				return slack.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, s.o.HTTPClient, msg)
			})
		} else {
			opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
			if msg.Blocks != nil {
				opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
			}
			err = s.retry(ctx, "chat.postEphemeral", func() error {
				_, err := s.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, opts...)
				return err
			})
		}
		if err != nil {
			s.log.Warn("slack reply failed", "err", err)
		}
	})
	if !ok {
		s.log.Warn("slack reply dropped (shutting down or queue full)")
	}
}

// queuePreview answers Preview with the invitation the customer would get, shown only to the
// CSM who pressed it (an ephemeral reply through response_url). An ephemeral message rather
// than a views.open modal: a modal's trigger_id expires 3 s after the press, which a queued
// render could miss, and a reply in the conversation stays next to the candidate.
func (s *Service) queuePreview(cb slack.InteractionCallback, a *slack.BlockAction) error {
	week, customerID, err := shortlist.ParseActionValue(a.Value)
	if err != nil {
		return err
	}
	key := cb.Container.ChannelID + "/" + cb.Container.MessageTs
	ok := s.work.submit(key, func(ctx context.Context) {
		msg, err := s.previewMessage(ctx, week, customerID)
		if err != nil {
			s.log.Warn("invite preview failed", "customer", customerID, "err", err)
			msg = &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: "Could not render the invitation: " + err.Error()}
		}
		if cb.ResponseURL == "" {
			s.log.Warn("invite preview: no response_url to answer on", "customer", customerID)
			return
		}
		if err := s.retry(ctx, "response_url", func() error {
			return slack.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, s.o.HTTPClient, msg)
		}); err != nil {
			s.log.Warn("invite preview reply failed", "err", err)
		}
	})
	if !ok {
		s.log.Warn("invite preview dropped (shutting down or queue full)")
	}
	return nil
}

func (s *Service) previewMessage(ctx context.Context, week, customerID string) (*slack.WebhookMessage, error) {
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
	head := fmt.Sprintf("*Preview* · to %s\n*Subject:* %s", shortlist.EscapeMrkdwn(entry.Contact.Email), shortlist.EscapeMrkdwn(c.Subject))
	body := "```" + strings.ReplaceAll(advocate.Clip(c.Text, 2900), "```", "'''") + "```"
	blocks := slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head, false, false), nil, nil),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, body, false, false), nil, nil),
	}}
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: "Invitation preview: " + c.Subject, Blocks: &blocks}, nil
}

// InvitePreview renders the invitation with email.RenderInviteContent from the config's
// sender and program URL. The drip may supply a richer PreviewFunc (its first step).
func InvitePreview(from, programURL string, now func() time.Time) PreviewFunc {
	return func(ctx context.Context, e shortlist.Entry) (email.InviteContent, error) {
		return email.RenderInviteContent(email.InviteData{
			From: from, ProgramURL: programURL,
			CustomerName: advocate.FirstNonBlank(e.Customer.Name, e.Customer.Domain, e.Customer.ID),
			ContactName:  e.Contact.Name, ContactEmail: e.Contact.Email,
			CSMEmail: e.Customer.Owner, Highlights: e.Reasons,
			MessageID: "preview-" + e.Customer.ID + "@advocate.invalid",
			Date:      now(),
		})
	}
}
