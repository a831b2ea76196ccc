package drip

// What a step's templates see: the sender, the links, the customer's facts.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/store"
)

// inviteData gathers what a step's templates see. step is the index in the sequence.
func (d *Drip) inviteData(ctx context.Context, e store.Enrollment, f facts, step int, st config.DripStep, dryRun bool, others *customerNames) (email.InviteData, error) {
	c := f.customer
	data := email.InviteData{
		From:           d.cfg.Email.From,
		ReplyTo:        d.cfg.Email.ReplyTo,
		ProgramURL:     d.cfg.Email.ProgramURL,
		UnsubscribeURL: d.signer.URL(d.publicURL(), e.ContactEmail),
		CustomerName:   advocate.FirstNonBlank(c.Name, c.Domain),
		ContactName:    f.contact.Name,
		ContactEmail:   e.ContactEmail,
		CSMName:        c.Attributes["owner_name"],
		CSMEmail:       c.Owner,
		Highlights:     f.highlights,
		Plan:           c.Attributes["plan"],
		Industry:       c.Attributes["industry"],
		MessageID:      d.messageID(e.ID, step),
		Date:           d.now(),
	}
	if data.CSMName == "" && c.Owner != "" {
		data.CSMName = email.NameFromAddress(c.Owner)
	}
	if st.From == "csm" {
		data.SendAsCSM()
	}
	if st.Template == "invite" { // the LLM paragraph is for the invitation only
		p, err := d.personal(ctx, f, dryRun, others)
		if err != nil {
			return data, err
		}
		data.Personal = p.Text
	}
	// Last, so a caller that may show an email without its link (a preview) has the rest.
	var err error
	data.ReferralURL, err = d.referralURL(ctx, e, c)
	return data, err
}

// ErrAwaitingAffiliate means an affiliate platform is configured but the platform's affiliate
// for the enrollment's contact is not recorded yet (the platform was down at approval, or the
// create is still being retried): the email waits rather than go out with a missing or made-up
// link.
var ErrAwaitingAffiliate = errors.New("waiting for the affiliate platform's referral link")

// referralURL is the link an email carries (DESIGN: the one the affiliate platform returned
// for that person). With a platform configured, it is the stored affiliate's link, or
// ErrAwaitingAffiliate; without one, the customer's referral_url attribute if a source
// provides it, else "" (the templates then show the program URL only).
func (d *Drip) referralURL(ctx context.Context, e store.Enrollment, c advocate.Customer) (string, error) {
	a := d.cfg.Affiliates
	if !a.Configured() {
		return c.Attributes["referral_url"], nil
	}
	aff, err := d.st.AffiliateByEmail(ctx, strings.ToLower(a.Platform), e.ContactEmail)
	if errors.Is(err, store.ErrNotFound) || (err == nil && aff.Link() == "") {
		return "", ErrAwaitingAffiliate
	}
	if err != nil {
		return "", err
	}
	return aff.Link(), nil
}

func (d *Drip) publicURL() string {
	if u := d.cfg.Server.PublicURL; u != "" {
		return u
	}
	// Previews and dry runs without a public URL: a link to the local server.
	host := d.cfg.Server.Listen
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	return "http://" + host
}

// messageID is a new, unique Message-ID for one step of one enrollment; the outbox row keeps
// it, so every resend of that row carries the same one.
func (d *Drip) messageID(enrollment int64, step int) string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("drip.%d.%d.%s@%s", enrollment, step, hex.EncodeToString(b), d.idDomain)
}
