// Package review is the weekly review job: it posts the week's shortlist to a channel or as
// one DM per CSM, and turns the Approve / Skip / Snooze / Preview buttons into decisions
// (internal/decide) and invitation previews. Everything Slack itself is done through the
// adapter, internal/slack; what a decision does is internal/decide's.
//
// Everything that must not happen twice is anchored in the store: the messages of a week are
// planned (frozen) before the first is sent and each sent one is recorded with its ts, so a
// restarted or crashed poster sends only what is missing; a Slack decision is unique per
// customer and week, so a double click is one decision and one enrollment.
package review

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
)

// PreviewFunc renders the email a shortlisted customer would get, for the Preview button.
type PreviewFunc func(ctx context.Context, e shortlist.Entry) (email.InviteContent, error)

// Decider carries out a decision; *decide.Service is the one implementation.
type Decider interface {
	Decide(ctx context.Context, r decide.Request) (decide.Result, error)
}

// Options configure a Service. Store and Slack are required for posting; Decider and
// SigningSecret for the buttons (SigningSecret over HTTP only).
type Options struct {
	Store         *store.Store
	Slack         *slack.Client
	Decider       Decider
	SigningSecret string

	Channel string           // where the shortlist goes (and what DM mode falls back to)
	DM      bool             // one direct message per CSM instead of one channel post
	Policy  advocate.Policy  // who may be listed, and how long Snooze holds (the button says so)
	Sources advocate.Sources // the current-value rule the caution line reads with
	// Rules, when set, is asked for Policy and Sources at every post instead, so a daemon's
	// config reload reaches the next weekly shortlist without a restart.
	Rules    func() (advocate.Policy, advocate.Sources)
	Location *time.Location // the week of "now" is taken here; nil = UTC

	Preview PreviewFunc // nil: Preview answers that previews are not configured

	Log     *slog.Logger
	Metrics *metrics.Metrics
	Now     func() time.Time
}

// Service posts shortlists and handles the buttons. Create it with New. The Slack client's
// Close (the caller's) waits for the message updates and replies it queued.
type Service struct {
	o   Options
	log *slog.Logger
}

// New checks the options.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("review: no store")
	}
	if o.Slack == nil {
		return nil, errors.New("review: no Slack client")
	}
	o.Log = cmp.Or(o.Log, slog.Default())
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	o.Policy = o.Policy.WithDefaults()
	if o.Rules == nil {
		p, src := o.Policy, o.Sources
		o.Rules = func() (advocate.Policy, advocate.Sources) { return p, src }
	}
	return &Service{o: o, log: o.Log.With("component", "review")}, nil
}

// Handler serves POST /slack/actions, Slack's interactivity Request URL: signed requests
// are dispatched (see slack.Client.Interactions for the answers).
func (s *Service) Handler() http.Handler {
	return s.o.Slack.Interactions(s.o.SigningSecret, s.o.Now, s.Dispatch)
}

// RunSocketMode receives the buttons over Socket Mode until ctx ends.
func (s *Service) RunSocketMode(ctx context.Context) error {
	return s.o.Slack.RunSocketMode(ctx, s.Dispatch)
}
