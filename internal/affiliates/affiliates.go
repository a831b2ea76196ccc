// Package affiliates is the job that makes an approved customer's contact an affiliate on the
// configured platform (issue 12, "On approval"). The platform clients live in
// connectors/affiliates and know how to talk to each platform; this package decides when, makes
// it happen once per person, and keeps what the platform returned (its affiliate id and
// referral links) in the store, where the drip reads the link every email carries.
//
// Exactly one affiliate per person: creates are serialised per email with a cluster-wide lock
// (store.TryLock), a stored affiliate is never created again, and a crash between the
// platform's create and our write is repaired on retry because FindOrCreate looks the person up
// before creating.
package affiliates

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	_ "github.com/advocate-hq/advocate/connectors/affiliates/all" // every platform
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/store"
)

// DefaultLockWait is how long CreateAffiliate waits for another create of the same person
// (a double click, another replica) before it reports ErrBusy.
const DefaultLockWait = 10 * time.Second

// ErrBusy means another process is creating the same person's affiliate right now; asking
// again shortly finds the affiliate it made.
var ErrBusy = errors.New("another approval is creating this person's affiliate; try again shortly")

// Enroller makes approved contacts affiliates. It implements decide.Affiliates.
type Enroller struct {
	platform platforms.Platform
	st       *store.Store
	log      *slog.Logger
	// LockWait bounds the wait for a busy per-email lock. Default DefaultLockWait.
	LockWait time.Duration
	// Poll is how often a busy lock is tried again. Default 100ms.
	Poll time.Duration
	// secrets are the platform credentials, redacted from recorded errors (retry.go).
	secrets []string
}

// New is an Enroller creating affiliates on p and recording them in st.
func New(p platforms.Platform, st *store.Store, log *slog.Logger) *Enroller {
	if log == nil {
		log = slog.Default()
	}
	return &Enroller{platform: p, st: st, log: log.With("component", "affiliates", "platform", p.Name()), LockWait: DefaultLockWait, Poll: 100 * time.Millisecond}
}

// SettingsOf is the platform client's settings for the config's affiliates section.
func SettingsOf(a config.Affiliates, log *slog.Logger) platforms.Settings {
	return platforms.Settings{Platform: a.Platform, BaseURL: a.BaseURL, APIKey: a.APIKey, PublicKey: a.PublicKey,
		AccountID: a.AccountID, Campaign: a.Campaign, Log: log}
}

// FromConfig builds the Enroller for cfg's affiliates section; nil (and no error) when no
// affiliate platform is configured, so approvals skip the step and emails show the program URL.
func FromConfig(cfg *config.Config, st *store.Store, log *slog.Logger) (*Enroller, error) {
	if cfg == nil || !cfg.Affiliates.Configured() {
		return nil, nil
	}
	p, err := platforms.New(SettingsOf(cfg.Affiliates, log))
	if err != nil {
		return nil, err
	}
	e := New(p, st, log)
	e.secrets = []string{cfg.Affiliates.APIKey, cfg.Affiliates.PublicKey}
	return e, nil
}

// Platform is the platform's registry name, the store's key for its affiliates.
func (e *Enroller) Platform() string { return e.platform.Name() }

// create makes the contact an affiliate (once) and records the platform's id and links.
// Calling it again for the same person is safe and creates nothing. CreateAffiliate (retry.go)
// wraps it with the retry state.
func (e *Enroller) create(ctx context.Context, c advocate.Customer, contactEmail string) error {
	email := strings.ToLower(strings.TrimSpace(contactEmail))
	if email == "" {
		return errors.New("affiliate: the approved contact has no email")
	}
	if done, err := e.stored(ctx, email); err != nil || done {
		return err
	}
	release, err := e.lock(ctx, "affiliate:"+email)
	if err != nil {
		return err
	}
	defer release()
	// Whoever held the lock may just have made and stored this person's affiliate.
	if done, err := e.stored(ctx, email); err != nil || done {
		return err
	}
	person := e.person(ctx, c, email)
	a, err := e.platform.FindOrCreate(ctx, person)
	if err != nil {
		return fmt.Errorf("affiliate for %s on %s: %w", email, e.platform.Name(), err)
	}
	if len(a.Links) == 0 {
		// Stored without a link, an affiliate would leave the enrollment waiting forever; not
		// stored, the next approval or retry asks the platform again.
		return fmt.Errorf("affiliate for %s on %s: the platform returned no referral link yet (affiliate %s)", email, e.platform.Name(), a.ID)
	}
	if a.Email != "" && !strings.EqualFold(strings.TrimSpace(a.Email), email) {
		// Found by our customer id but for someone else (the customer's earlier contact): their
		// link is not this person's, and emails carry only a person's own link.
		return fmt.Errorf("affiliate for %s on %s: the platform's affiliate %s for customer %s is %s, not this contact; resolve it on the platform", email, e.platform.Name(), a.ID, c.ID, a.Email)
	}
	if err := e.st.SaveAffiliate(ctx, store.Affiliate{Platform: e.platform.Name(), Email: email, CustomerID: c.ID, AffiliateID: a.ID, Links: a.Links}); err != nil {
		return err
	}
	e.log.Info("affiliate ready", "customer", c.ID, "email", email, "affiliate", a.ID, "created", a.Created)
	return nil
}

// stored says whether the person's affiliate, with a link, is already recorded.
func (e *Enroller) stored(ctx context.Context, email string) (bool, error) {
	a, err := e.st.AffiliateByEmail(ctx, e.platform.Name(), email)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Link() != "", nil
}

// lock takes the cluster-wide lock called name, waiting up to LockWait while someone else
// holds it.
func (e *Enroller) lock(ctx context.Context, name string) (func(), error) {
	deadline := time.Now().Add(e.LockWait)
	for {
		release, ok, err := e.st.TryLock(ctx, name)
		if err != nil {
			return nil, err
		}
		if ok {
			return release, nil
		}
		if !time.Now().Before(deadline) {
			return nil, ErrBusy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(e.Poll):
		}
	}
}

// person is who the platform enrols: the contact's email and name, and our customer id as the
// external id where the platform stores one.
func (e *Enroller) person(ctx context.Context, c advocate.Customer, email string) platforms.Person {
	p := platforms.Person{Email: email, ExternalID: c.ID}
	contacts, err := e.st.Contacts(ctx, c.ID)
	if err != nil {
		e.log.Warn("affiliate: contact name not read; creating without it", "customer", c.ID, "err", err)
		return p
	}
	for _, ct := range contacts[c.ID] {
		if strings.EqualFold(strings.TrimSpace(ct.Email), email) {
			first, last, _ := strings.Cut(strings.TrimSpace(ct.Name), " ")
			p.FirstName, p.LastName = first, strings.TrimSpace(last)
		}
	}
	return p
}
