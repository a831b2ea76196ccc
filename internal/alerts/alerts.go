// Package alerts tells a Slack channel what needs a human: a connector failing run after run
// (and its recovery), an advocate whose health dropped (their drip is paused), an advocate
// finishing onboarding, an email that can never be delivered.
//
// Alerts are queued in the store (Alert) and sent by Flush: up to DigestOver of them as one
// message listing each, more as one digest grouped by kind, so a bad night produces one
// message, not fifty. Check looks for the conditions and remembers what it already reported,
// so a connector down for a week is alerted once when it goes down and once when it recovers.
package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
)

// Alert kinds raised by this package; other packages may use their own (the drip raises
// KindOnboarded and KindDeliveryFailed).
const (
	KindConnectorFailing   = "connector_failing"
	KindConnectorRecovered = "connector_recovered"
	KindHealthDrop         = "health_drop"
	KindOnboarded          = "onboarding_finished"
	KindDeliveryFailed     = "delivery_failed"
	// Raised by internal/affiliates when approved people's affiliates cannot be created.
	KindAffiliateCreationFailing   = "affiliate_creation_failing"
	KindAffiliateCreationRecovered = "affiliate_creation_recovered"
)

// DigestOver is how many alerts one Flush still lists one by one; more become a digest.
const DigestOver = 5

// maxPerFlush bounds one message; the rest waits for the next Flush.
const maxPerFlush = 200

var titles = map[string]string{
	KindConnectorFailing:   ":rotating_light: Connector failing",
	KindConnectorRecovered: ":white_check_mark: Connector recovered",
	KindHealthDrop:         ":chart_with_downwards_trend: Advocate health dropped",
	KindOnboarded:          ":tada: Onboarding finished",
	KindDeliveryFailed:     ":email: Email undeliverable",

	KindAffiliateCreationFailing:   ":rotating_light: Affiliate platform failing: approved customers wait",
	KindAffiliateCreationRecovered: ":white_check_mark: Affiliate platform recovered",
}

func title(kind string) string {
	if t, ok := titles[kind]; ok {
		return t
	}
	return ":bell: " + strings.ReplaceAll(kind, "_", " ")
}

// Options configure an Alerter.
type Options struct {
	Store   *store.Store
	Slack   *slack.Client    // nil: alerts are logged, not posted; it waits out rate limits
	Users   *slack.Directory // CSM mentions; nil = Slack's directory
	Channel string           // where alerts go; "" = logged only

	ConnectorFailures int // failures in a row before alerting; <= 0 = 3

	Log *slog.Logger
}

// Alerter queues and sends alerts. Its Alert method satisfies the drip's Alerter interface.
type Alerter struct {
	o   Options
	log *slog.Logger
}

// New makes an Alerter.
func New(o Options) (*Alerter, error) {
	if o.Store == nil {
		return nil, errors.New("alerts: no store")
	}
	if o.ConnectorFailures <= 0 {
		o.ConnectorFailures = 3
	}
	if o.Users == nil && o.Slack != nil {
		o.Users = o.Slack.Users()
	}
	log := cmp.Or(o.Log, slog.Default()).With("component", "alerts")
	return &Alerter{o: o, log: log}, nil
}

// Alert queues an alert for the next Flush. text is Slack mrkdwn; escape what came from
// customers (slack.Escape).
func (a *Alerter) Alert(ctx context.Context, kind, text string) error {
	if _, err := a.o.Store.QueueAlert(ctx, kind, text); err != nil {
		return err
	}
	a.log.Info("alert queued", "kind", kind, "text", text)
	return nil
}

// Job runs Check and then Flush: the scheduled alerts job.
func (a *Alerter) Job(ctx context.Context) error {
	return errors.Join(a.Check(ctx), a.Flush(ctx))
}

// Flush sends the queued alerts as one message: each listed when there are at most
// DigestOver, else a digest grouped by kind. Alerts are marked sent only after Slack took the
// message, so a failure keeps them for the next Flush.
func (a *Alerter) Flush(ctx context.Context) error {
	pending, err := a.o.Store.PendingAlerts(ctx, maxPerFlush)
	if err != nil || len(pending) == 0 {
		return err
	}
	ids := make([]int64, len(pending))
	for i, p := range pending {
		ids[i] = p.ID
	}
	if a.o.Slack == nil || a.o.Channel == "" {
		for _, p := range pending {
			a.log.Warn("alert (no Slack channel configured)", "kind", p.Kind, "text", p.Text)
		}
		return a.o.Store.MarkAlertsSent(ctx, ids)
	}
	blocks, text := Render(pending)
	if _, _, err := a.o.Slack.Post(ctx, a.o.Channel, text, blocks); err != nil {
		return fmt.Errorf("alerts: post %d alerts: %w", len(pending), err)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return a.o.Store.MarkAlertsSent(mctx, ids)
}

// Render lays alerts out as one message: each alert a section when there are at most
// DigestOver, else a digest with one section per kind (count, then up to 10 lines).
func Render(list []store.Alert) ([]slackapi.Block, string) {
	md := func(s string) *slackapi.TextBlockObject {
		return slackapi.NewTextBlockObject(slackapi.MarkdownType, advocate.Clip(s, 2900), false, false)
	}
	if len(list) <= DigestOver {
		var blocks []slackapi.Block
		for _, a := range list {
			blocks = append(blocks, slackapi.NewSectionBlock(md("*"+title(a.Kind)+"*\n"+a.Text), nil, nil))
		}
		text := title(list[0].Kind) + ": " + plainLine(list[0].Text)
		if len(list) > 1 {
			text = fmt.Sprintf("Advocate: %d alerts", len(list))
		}
		return blocks, advocate.Clip(text, 300)
	}
	byKind := map[string][]store.Alert{}
	var kinds []string
	for _, a := range list {
		if _, ok := byKind[a.Kind]; !ok {
			kinds = append(kinds, a.Kind)
		}
		byKind[a.Kind] = append(byKind[a.Kind], a)
	}
	slices.Sort(kinds)
	header := fmt.Sprintf("Advocate alerts: %d since the last digest", len(list))
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, header, false, false))}
	for _, k := range kinds {
		items := byKind[k]
		var b strings.Builder
		fmt.Fprintf(&b, "*%s* (%d)", title(k), len(items))
		for i, a := range items {
			if i == 10 {
				fmt.Fprintf(&b, "\n… and %d more", len(items)-10)
				break
			}
			b.WriteString("\n• " + plainLine(a.Text))
		}
		blocks = append(blocks, slackapi.NewSectionBlock(md(b.String()), nil, nil))
		if len(blocks) >= 49 {
			break
		}
	}
	return blocks, header
}

func plainLine(s string) string { return advocate.Clip(strings.Join(strings.Fields(s), " "), 280) }
