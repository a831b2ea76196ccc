package program

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/store"
)

// Poster posts one Slack message; the Slack adapter (*slack.Client) satisfies it.
type Poster interface {
	Post(ctx context.Context, channel, text string, blocks []slackapi.Block) (postedChannel, ts string, err error)
}

// Digest windows: the week just gone and the KPIs' default window.
const (
	DigestShortDays = 7
	DigestLongDays  = 90
)

// Digest posts the weekly program digest: one Slack message to the shortlist channel, after
// the week's shortlist is posted, with the KPIs of the last 7 and 90 days and the funnel. It
// is for CSMs: internal numbers are fine there.
type Digest struct {
	Store   *store.Store
	Slack   Poster
	Channel string // the shortlist channel; "" = no digest
	// Configured is whether an affiliate platform is configured; without one, the digest is
	// posted only once there is program data (affiliates, referrals or commissions).
	Configured bool
	Log        *slog.Logger
	Now        func() time.Time
}

// digestKey is the alert_state row that records a week's digest as posted ("channel ts"):
// alert_state is where what was last reported to Slack per subject is kept.
func digestKey(week string) string { return "program-digest:" + week }

// Post posts the digest of week once: not before the week's shortlist is posted, never twice
// (a store row keyed by the week, written as soon as Slack took the message; a lock keeps two
// replicas or the CLI from posting at once). posted says whether this call posted it.
func (d *Digest) Post(ctx context.Context, week string) (posted bool, err error) {
	log := cmp.Or(d.Log, slog.Default()).With("component", "program_digest", "week", week)
	if d.Channel == "" || d.Slack == nil {
		return false, nil
	}
	release, ok, err := d.Store.TryLock(ctx, digestKey(week))
	if err != nil || !ok {
		return false, err
	}
	defer release()
	done, err := d.Store.AlertStates(ctx, digestKey(week))
	if err != nil || done[digestKey(week)] != "" {
		return false, err
	}
	sl, err := d.Store.GetShortlist(ctx, week)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sl.PostedAt == nil) {
		return false, nil // the shortlist goes first
	}
	if err != nil {
		return false, fmt.Errorf("program digest %s: %w", week, err)
	}
	in, err := Load(ctx, d.Store)
	if err != nil {
		return false, fmt.Errorf("program digest %s: %w", week, err)
	}
	if !d.Configured && len(in.Affiliates)+len(in.Referrals)+len(in.Commissions) == 0 {
		log.Debug("no affiliate platform and no program data: no digest")
		return false, nil
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	at := now()
	text, blocks := DigestMessage(week, Compute(in, at, DigestShortDays), Compute(in, at, DigestLongDays))
	channel, ts, err := d.Slack.Post(ctx, d.Channel, text, blocks)
	if err != nil {
		return false, fmt.Errorf("program digest %s: %w", week, err)
	}
	// The message is out: record it even if the caller's context is ending, or the next turn
	// would post it again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.Store.SetAlertState(rctx, digestKey(week), channel+" "+ts); err != nil {
		return true, fmt.Errorf("program digest %s posted but not recorded: %w", week, err)
	}
	log.Info("program digest posted", "channel", channel)
	return true, nil
}

// DigestMessage lays the digest out: the two windows side by side, then the funnel. text is
// the notification line.
func DigestMessage(week string, short, long Report) (text string, blocks []slackapi.Block) {
	md := func(s string) *slackapi.TextBlockObject {
		return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
	}
	title := "Affiliate program, week " + week
	f := long.Funnel
	blocks = []slackapi.Block{
		slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, title, false, false)),
		slackapi.NewSectionBlock(nil, []*slackapi.TextBlockObject{md(digestColumn(short)), md(digestColumn(long))}, nil),
		slackapi.NewSectionBlock(md(fmt.Sprintf("*Funnel (all time)*\nshortlisted %d → approved %d → invited %d → joined %d → first referral %d",
			f.Shortlisted, f.Approved, f.Invited, f.Joined, f.FirstReferral)), nil, nil),
	}
	text = fmt.Sprintf("%s: %d of %d affiliates active in %d days, %d referrals, %d conversions",
		title, long.Active, long.Affiliates, long.WindowDays, long.Referrals, long.Conversions)
	return text, blocks
}

// digestColumn is one window's KPIs.
func digestColumn(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Last %d days*\n", r.WindowDays)
	fmt.Fprintf(&b, "Affiliates: %d\nActive: %d (%.0f%%)\n", r.Affiliates, r.Active, r.ActivityRate*100)
	fmt.Fprintf(&b, "Referrals: %d\nConversions: %d\n", r.Referrals, r.Conversions)
	fmt.Fprintf(&b, "Earnings per active: %s", strings.TrimSpace(fmt.Sprintf("%.2f %s", r.EarningsPerActive, r.Currency)))
	return b.String()
}
