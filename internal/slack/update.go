package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/store"
)

// Ledger is what the Updater reads: the messages a week's shortlist was posted as (with the
// channel and ts Slack stored them under) and the decision in force per customer.
// *store.Store satisfies it.
type Ledger interface {
	ShortlistMessages(ctx context.Context, week string) ([]store.ShortlistMessage, error)
	DecisionsOf(ctx context.Context, ids []string) (map[string]store.Decision, error)
}

// Updater shows decisions on the posted shortlist messages. It is the Slack side of "what a
// decision does", whoever decided: a button, the CLI or the web all end in ShowDecision.
type Updater struct {
	c   *Client
	st  Ledger
	loc *time.Location
}

// NewUpdater makes an Updater posting through c; times are shown in loc (nil = UTC).
func NewUpdater(c *Client, st Ledger, loc *time.Location) *Updater {
	if loc == nil {
		loc = time.UTC
	}
	return &Updater{c: c, st: st, loc: loc}
}

// ShowDecision queues an update of every posted message of week that lists customerID and
// returns how many were queued (0: the customer was not on a posted message that week). The
// update itself runs on the client's workers, after the caller's decision is committed;
// Client.Close waits for it.
func (u *Updater) ShowDecision(ctx context.Context, week, customerID string) (int, error) {
	msgs, err := u.st.ShortlistMessages(ctx, week)
	if err != nil {
		return 0, fmt.Errorf("show decision of %s on the %s shortlist: %w", customerID, week, err)
	}
	n := 0
	for _, m := range msgs {
		if !m.Sent() {
			continue
		}
		blocks, err := decodeBlocks(m.Blocks)
		if err != nil {
			return n, err
		}
		if !listsCustomer(blocks, customerID) {
			continue
		}
		if u.c.Go(m.PostedChannel+"/"+m.TS, func(ctx context.Context) { u.update(ctx, m, blocks) }) {
			n++
		}
	}
	return n, nil
}

// update re-renders a posted message from the store: every candidate on it with a decision
// taken for that week shows who decided instead of buttons. Deriving the whole message from
// the store (not from one decision) makes a repeated or reordered update harmless.
func (u *Updater) update(ctx context.Context, m store.ShortlistMessage, blocks []slackapi.Block) {
	err := func() error {
		var ids []string
		for _, b := range blocks {
			if _, id := ActionsCustomer(b); id != "" {
				ids = append(ids, id)
			}
		}
		decided, err := u.st.DecisionsOf(ctx, ids)
		if err != nil {
			return err
		}
		return u.c.Update(ctx, m.PostedChannel, m.TS, m.Text, ShowDecided(blocks, func(week, customerID string) (string, bool) {
			// Only a decision taken for this message's week replaces the buttons; an old skip
			// that has run out must not hide a candidate listed again.
			d, ok := decided[customerID]
			if !ok || d.Week != week {
				return "", false
			}
			return u.decidedText(ctx, d), true
		}))
	}()
	if err != nil {
		u.c.log.Warn("slack message update failed; the next decision on it will retry", "channel", m.PostedChannel, "ts", m.TS, "err", err)
	}
}

func decodeBlocks(raw string) ([]slackapi.Block, error) {
	var b slackapi.Blocks
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return nil, fmt.Errorf("stored blocks: %w", err)
	}
	return b.BlockSet, nil
}

func listsCustomer(blocks []slackapi.Block, customerID string) bool {
	for _, b := range blocks {
		if _, id := ActionsCustomer(b); id == customerID {
			return true
		}
	}
	return false
}

// ShowDecided returns blocks with each candidate's button row that decided names replaced by
// a context line with decided's text; the other blocks are kept as they are.
func ShowDecided(blocks []slackapi.Block, decided func(week, customerID string) (text string, ok bool)) []slackapi.Block {
	out := make([]slackapi.Block, 0, len(blocks))
	for _, b := range blocks {
		if week, id := ActionsCustomer(b); id != "" {
			if text, ok := decided(week, id); ok {
				b = slackapi.NewContextBlock(b.ID(), mrkdwn(text))
			}
		}
		out = append(out, b)
	}
	return out
}

// ActionsCustomer returns the week and customer a candidate's button row is about, or "".
func ActionsCustomer(b slackapi.Block) (week, customerID string) {
	ab, ok := b.(*slackapi.ActionBlock)
	if !ok || ab.Elements == nil {
		return "", ""
	}
	for _, el := range ab.Elements.ElementSet {
		if btn, ok := el.(*slackapi.ButtonBlockElement); ok && strings.HasPrefix(btn.ActionID, "advocate_") {
			if w, id, err := ParseActionValue(btn.Value); err == nil {
				return w, id
			}
		}
	}
	return "", ""
}

var decidedIcons = map[advocate.DecisionKind]string{advocate.Approve: ":white_check_mark:", advocate.Skip: ":fast_forward:", advocate.Snooze: ":zzz:"}

func (u *Updater) decidedText(ctx context.Context, d store.Decision) string {
	kind := advocate.DecisionKind(d.Kind)
	past := kind.PastTense()
	text := fmt.Sprintf("%s *%s* by %s · %s", decidedIcons[kind], strings.ToUpper(past[:1])+past[1:],
		u.c.users.MentionBy(ctx, d.DecidedBy), d.DecidedAt.In(u.loc).Format("Mon 2 Jan 15:04 MST"))
	if kind == advocate.Snooze && d.Until != nil {
		text += " · back after " + d.Until.In(u.loc).Format("2 Jan 2006")
	}
	if kind == advocate.Approve {
		text += " · onboarding emails start with the next drip run"
	}
	return text
}
