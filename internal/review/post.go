package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
)

// PostResult says what one posting turn did.
type PostResult struct {
	Week        string `json:"week"`
	Candidates  int    `json:"candidates"`
	Messages    int    `json:"messages"`     // planned for the week in total
	Sent        int    `json:"sent"`         // sent by this turn
	AlreadySent int    `json:"already_sent"` // sent by an earlier turn (restart, second replica, CLI)
}

// ShortlistJob is the scheduled job: build this week's shortlist and post it. Run it as often
// as the schedule says; a week that is already posted costs a few reads and sends nothing.
func (s *Service) ShortlistJob(ctx context.Context) error {
	_, err := s.PostWeek(ctx)
	return err
}

// Week is the ISO week of now in the configured time zone.
func (s *Service) Week() string { return advocate.Week(s.o.Now().In(s.o.Location)) }

// PostWeek builds this week's shortlist (shortlist.Make) and posts whatever of it has not
// reached Slack yet. It is idempotent per week.
func (s *Service) PostWeek(ctx context.Context) (PostResult, error) { return s.Post(ctx, s.Week()) }

// Post builds and posts the shortlist of the given ISO week ("2026-W47"), sending only the
// messages of it that have not reached Slack yet.
func (s *Service) Post(ctx context.Context, week string) (PostResult, error) {
	res := PostResult{Week: week}
	if s.o.Channel == "" && !s.o.DM {
		return res, errors.New("post shortlist: no channel configured (shortlist.channel)")
	}
	// Two posters at once (the CLI while serve's job runs) would each plan and send; the lock
	// makes the second one wait for the next turn.
	release, ok, err := s.o.Store.TryLock(ctx, "shortlist-post:"+week)
	if err != nil {
		return res, fmt.Errorf("post shortlist %s: %w", week, err)
	}
	if !ok {
		s.log.Info("shortlist post already running elsewhere", "week", week)
		return res, nil
	}
	defer release()

	now := s.o.Now()
	policy, sources := s.o.Rules()
	sl, frozen, err := shortlist.Make(ctx, s.o.Store, policy.WithDefaults(), sources, now, week)
	if err != nil {
		s.countShortlist("failed")
		return res, fmt.Errorf("post shortlist %s: %w", week, err)
	}
	res.Candidates = len(sl.Entries)
	msgs, err := s.o.Store.ShortlistMessages(ctx, week)
	if err != nil {
		return res, err
	}
	if len(msgs) == 0 {
		if frozen {
			// Posted before messages were recorded (e.g. an older version): leave it alone.
			s.log.Info("shortlist already posted", "week", week)
			return res, nil
		}
		plan, err := s.plan(ctx, sl)
		if err != nil {
			s.countShortlist("failed")
			return res, fmt.Errorf("post shortlist %s: %w", week, err)
		}
		if len(plan) == 0 {
			s.log.Warn("shortlist has nobody to send to", "week", week)
			return res, s.o.Store.MarkShortlistPosted(ctx, week)
		}
		if msgs, err = s.o.Store.PlanShortlistMessages(ctx, week, plan); err != nil {
			return res, err
		}
	}
	res.Messages = len(msgs)
	for _, m := range msgs {
		if m.Sent() {
			res.AlreadySent++
			continue
		}
		if err := s.send(ctx, m); err != nil {
			s.countShortlist("failed")
			return res, fmt.Errorf("post shortlist %s, message %d of %d: %w", week, m.Seq+1, len(msgs), err)
		}
		res.Sent++
	}
	if res.Sent > 0 {
		s.countShortlist("posted")
		s.log.Info("shortlist posted", "week", week, "candidates", res.Candidates, "messages", res.Sent, "resumed_after", res.AlreadySent)
	} else {
		s.countShortlist("skipped")
	}
	return res, nil
}

// plan renders the week's messages: the whole list to the channel, or each CSM's part to
// them directly (DM mode), where CSMs Slack does not know, and unassigned customers, go to the
// channel with their email as the mention.
func (s *Service) plan(ctx context.Context, sl shortlist.Shortlist) ([]store.ShortlistMessage, error) {
	users := s.o.Slack.Users()
	policy, _ := s.o.Rules()
	opts := slack.RenderOptions{SnoozeDays: policy.SnoozeDays(), Mention: func(email string) string { return users.Mention(ctx, email) }}
	var plan []store.ShortlistMessage
	add := func(part shortlist.Shortlist, channel, recipient string) error {
		blocks, err := slack.ShortlistMessages(part, opts)
		if err != nil {
			return err
		}
		text, err := slack.ShortlistFallback(part)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			raw, err := json.Marshal(b)
			if err != nil {
				return fmt.Errorf("encode blocks: %w", err)
			}
			plan = append(plan, store.ShortlistMessage{Channel: channel, Recipient: recipient, Text: text, Blocks: string(raw)})
		}
		return nil
	}
	if !s.o.DM {
		return plan, add(sl, s.o.Channel, "")
	}
	rest := sl
	rest.Entries = nil
	for _, g := range sl.ByOwner() {
		id := ""
		if g.Owner != "" {
			var err error
			if id, err = users.UserID(ctx, g.Owner); err != nil {
				return nil, fmt.Errorf("look up CSM %s: %w", g.Owner, err)
			}
		}
		if id == "" {
			rest.Entries = append(rest.Entries, g.Entries...)
			continue
		}
		part := sl
		part.Entries = g.Entries
		if err := add(part, id, g.Owner); err != nil {
			return nil, err
		}
	}
	switch {
	case len(rest.Entries) > 0 && s.o.Channel == "":
		s.log.Warn("shortlist: CSMs not found in Slack and no channel to fall back to; their candidates are not posted", "candidates", len(rest.Entries))
	case len(rest.Entries) > 0 || (len(sl.Entries) == 0 && s.o.Channel != ""):
		if err := add(rest, s.o.Channel, ""); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// send posts one planned message and records its ts before anything else happens, so a crash
// right after leaves at most this one message to be sent again.
func (s *Service) send(ctx context.Context, m store.ShortlistMessage) error {
	var blocks slackapi.Blocks
	if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil {
		return fmt.Errorf("stored blocks: %w", err)
	}
	channel := m.Channel
	if m.Recipient != "" { // a DM: the planned channel is the CSM's user id
		var err error
		if channel, err = s.o.Slack.OpenDM(ctx, m.Channel); err != nil {
			return err
		}
	}
	postedChannel, ts, err := s.o.Slack.Post(ctx, channel, m.Text, blocks.BlockSet)
	if err != nil {
		return err
	}
	// The message is out; record it even if the caller's context is ending, or a restart
	// would send it again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.o.Store.MarkShortlistMessageSent(rctx, m.ID, postedChannel, ts)
}

func (s *Service) countShortlist(status string) {
	if s.o.Metrics != nil {
		s.o.Metrics.Shortlists.WithLabelValues(status).Inc()
	}
}
