// Package decide is what a CSM's decision does, whoever makes it and however: the Slack
// buttons, the CLI (`advocate approve|skip|snooze`) and the web UI all call Decide, and
// nothing else records a decision.
//
// A decision is, in this order: recorded (once per press: a repeated Slack click is the same
// decision), enrolled into the onboarding sequence when it is an approval (idempotent), made
// an affiliate on the configured platform (a hook, when one is configured), shown on the
// week's posted Slack message when the customer was on it, and counted in the metrics.
package decide

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
)

// Where a decision came from: the metrics' via label and the decisions.via column.
const (
	ViaSlack = "slack"
	ViaCLI   = "cli"
	ViaWeb   = "web"
)

// DefaultSequence is the drip sequence an approval enrolls into when none is configured.
const DefaultSequence = "default"

// Errors that are the requester's mistake: nothing was recorded. Callers answer them as such
// (a Slack rejection, a CLI error line, a 4xx); every other error is ours.
var (
	ErrInvalid  = errors.New("invalid decision")
	ErrNotFound = errors.New("no such customer")
)

// MessageUpdater shows a recorded decision on the Slack message(s) week's shortlist was
// posted as. The Slack adapter (slack.Updater) satisfies it. It returns how many messages it
// is updating: 0 when the customer was on none.
type MessageUpdater interface {
	ShowDecision(ctx context.Context, week, customerID string) (int, error)
}

// Affiliates makes an approved customer's contact an affiliate on the configured affiliate
// platform. Calls must be idempotent: an approval pressed again calls it again.
type Affiliates interface {
	CreateAffiliate(ctx context.Context, c advocate.Customer, contactEmail string) error
}

// Options configure a Service. Store is required; the rest is optional.
type Options struct {
	Store  *store.Store
	Policy advocate.Policy // Snooze length
	// PolicyOf, when set, is asked for the policy at every decision instead (a daemon's config
	// reload changes the snooze length without a restart).
	PolicyOf func() advocate.Policy
	Sequence string         // what an approval enrolls into; "" = DefaultSequence
	Location *time.Location // "this week" is taken here; nil = UTC
	// Messages updates the posted Slack message; nil when Slack is not configured.
	Messages MessageUpdater
	// Affiliates creates the affiliate on approval; nil until an affiliate platform is
	// configured (the step is then skipped).
	Affiliates Affiliates
	Metrics    *metrics.Metrics // nil: not counted
	Log        *slog.Logger
	Now        func() time.Time
}

// Service carries out decisions. Make it with New.
type Service struct {
	o   Options
	log *slog.Logger
}

// New checks o and fills its defaults.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("decide: no store")
	}
	o.Policy = o.Policy.WithDefaults()
	o.Sequence = cmp.Or(o.Sequence, DefaultSequence)
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o, log: cmp.Or(o.Log, slog.Default()).With("component", "decide")}, nil
}

// Request is one decision as a caller received it.
type Request struct {
	Customer   string                // the customer's id or domain
	Kind       advocate.DecisionKind // approve | skip | snooze
	By         string                // who decided: an email, or "slack:U…"
	Via        string                // ViaSlack | ViaCLI | ViaWeb
	Week       string                // the shortlist week it is about, "2026-W47"; "" = this week
	SnoozeDays int                   // snooze only; <= 0 = the policy's length
}

// Result is what Decide did.
type Result struct {
	Customer advocate.Customer
	// Decision is the decision in force for the customer and week afterwards. For a Slack
	// press that was not the first (Created false) it is the earlier one, possibly by someone
	// else and of another kind.
	Decision store.Decision
	Created  bool
	// Enrollment is the onboarding enrollment of an approval; EnrollmentCreated is false
	// when it already existed.
	Enrollment        *store.Enrollment
	EnrollmentCreated bool
	// Messages is how many posted Slack messages are being updated to show the decision.
	Messages int
}

// Decide records r and does what it implies (see the package comment). A decision that is
// recorded but whose enrollment or affiliate step fails returns an error: repeating the same
// request is safe and finishes the job.
func (s *Service) Decide(ctx context.Context, r Request) (Result, error) {
	var res Result
	d, err := s.check(r)
	if err != nil {
		return res, err
	}
	if res.Customer, err = s.o.Store.FindCustomer(ctx, r.Customer); errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("%w: %q is neither a customer id nor a domain we know", ErrNotFound, r.Customer)
	} else if err != nil {
		return res, fmt.Errorf("decide %s of %s: %w", r.Kind, r.Customer, err)
	}
	d.CustomerID = res.Customer.ID
	if res.Decision, res.Created, err = s.record(ctx, d); err != nil {
		return res, err
	}
	// Enroll (and make an affiliate) whenever the decision in force is an approval, not only
	// when this request created it: a crash between the writes is repaired by asking again.
	if res.Decision.Kind == string(advocate.Approve) {
		if err := s.approve(ctx, &res); err != nil {
			return res, err
		}
	}
	res.Messages = s.showOnSlack(ctx, d.Week, res.Customer.ID)
	s.log.Info("decision", "customer", res.Customer.ID, "week", d.Week, "kind", res.Decision.Kind, "by", res.Decision.DecidedBy,
		"via", d.Via, "new", res.Created, "slack_messages", res.Messages)
	return res, nil
}

// check validates a request and turns it into the decision to record (without customer).
func (s *Service) check(r Request) (store.Decision, error) {
	kind, err := advocate.ParseDecisionKind(string(r.Kind))
	if err != nil {
		return store.Decision{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch r.Via {
	case ViaSlack, ViaCLI, ViaWeb:
	default:
		return store.Decision{}, fmt.Errorf("%w: unknown channel %q (want slack, cli or web)", ErrInvalid, r.Via)
	}
	now := s.o.Now().UTC()
	week := r.Week
	if week == "" {
		week = advocate.Week(now.In(s.o.Location))
	} else if _, err := advocate.ParseWeek(week); err != nil {
		return store.Decision{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	d := store.Decision{Kind: string(kind), DecidedBy: r.By, DecidedAt: now, Week: week, Via: r.Via}
	if kind == advocate.Snooze {
		policy := s.o.Policy
		if s.o.PolicyOf != nil {
			policy = s.o.PolicyOf()
		}
		until := policy.SnoozeUntil(now, r.SnoozeDays)
		d.Until = &until
	}
	return d, nil
}

// record is the one way a decision is stored. A Slack press is a click: the first per
// customer and week wins, so a double click or a second CSM changes nothing (created=false).
// The CLI and the web are deliberate, named acts and may overrule: they append, and the
// newest decision is the one in force. It is counted here, once, the moment it is committed,
// so a later step failing (and the request repeated) cannot lose or double the count.
func (s *Service) record(ctx context.Context, d store.Decision) (store.Decision, bool, error) {
	rec, created := d, true
	var err error
	if d.Via == ViaSlack {
		rec, created, err = s.o.Store.RecordSlackDecision(ctx, d)
	} else {
		rec, err = s.o.Store.RecordDecision(ctx, d)
	}
	if err != nil {
		return rec, false, err
	}
	if created && s.o.Metrics != nil {
		s.o.Metrics.Decisions.WithLabelValues(rec.Kind, d.Via).Inc()
	}
	return rec, created, nil
}

// approve enrolls the approved customer's contact and, when a platform is configured, makes
// them an affiliate.
func (s *Service) approve(ctx context.Context, res *Result) error {
	id := res.Customer.ID
	email, err := s.contactFor(ctx, res.Decision.Week, id)
	if err != nil {
		return fmt.Errorf("approved %s, but not enrolled: %w", id, err)
	}
	e, created, err := s.o.Store.Enroll(ctx, id, email, s.o.Sequence)
	if err != nil {
		return fmt.Errorf("approved %s, but not enrolled: %w", id, err)
	}
	res.Enrollment, res.EnrollmentCreated = &e, created
	// Create the affiliate (internal/affiliates, when `affiliates:` is configured). Without a
	// platform, Affiliates is nil and approved customers get the program URL only (DESIGN:
	// never a made-up referral link); with one, the drip holds emails until the link is stored.
	if s.o.Affiliates != nil {
		if err := s.o.Affiliates.CreateAffiliate(ctx, res.Customer, email); err != nil {
			return fmt.Errorf("approved and enrolled %s, but the affiliate was not created: %w", id, err)
		}
	}
	return nil
}

// contactFor is the email an approval enrolls: the person the week's stored shortlist named,
// else (not on that list, e.g. approved from the CLI) the person to ask now.
func (s *Service) contactFor(ctx context.Context, week, customerID string) (string, error) {
	if sl, err := s.o.Store.GetShortlist(ctx, week); err == nil {
		for _, e := range sl.Entries {
			if e.CustomerID == customerID && e.ContactEmail != "" {
				return e.ContactEmail, nil
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	contacts, err := s.o.Store.Contacts(ctx, customerID)
	if err != nil {
		return "", err
	}
	c, ok := advocate.PickContact(contacts[customerID])
	if !ok {
		return "", errors.New("no contact we may email (all opted out or without an address)")
	}
	return c.Email, nil
}

// showOnSlack updates the week's posted message. It never fails the decision: the decision is
// committed, and the message catches up with the next decision on it.
func (s *Service) showOnSlack(ctx context.Context, week, customerID string) int {
	if s.o.Messages == nil {
		return 0
	}
	n, err := s.o.Messages.ShowDecision(ctx, week, customerID)
	if err != nil {
		s.log.Warn("slack message not updated", "customer", customerID, "week", week, "err", err)
	}
	return n
}
