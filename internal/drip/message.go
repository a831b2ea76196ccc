package drip

// What a step's templates see: the sender, the links, the customer's facts.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
		ReferralURL:    c.Attributes["referral_url"],
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
	return data, nil
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
