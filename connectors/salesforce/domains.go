package salesforce

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/connectors"
)

// Accounts without a Website. Website is optional on an Account, and an Account without a
// domain would become a customer no other source can meet: the support tool's records for the
// same company would create a second one. So an Account without a Website takes the domain its
// Contacts' email addresses share (connectors.DomainFromContacts), read with one Contact query
// per batch of such Accounts; an Account whose contacts give none is skipped — with its
// signals — and remembered in the cursor (state.Unmatched). Each run first re-reads the
// remembered Accounts (phaseRecheck): a contact added later does not change the Account's
// SystemModstamp, so the incremental pass alone would never see it.

// idsPerQuery bounds the Ids in one SOQL IN list: 200 quoted 18-character Ids keep the
// URL-encoded GET well under Salesforce's 16,384-byte URI limit.
const idsPerQuery = 200

// placeByContacts places the page's Accounts without a Website by their contacts
// (connectors.PlaceByContacts), and remembers in st the ones it could not place, so the next
// run reads them again; each is counted once per run, however often it is read.
func (c *Connector) placeByContacts(ctx context.Context, st *state, page *connectors.Page) error {
	if st.Unmatched == nil {
		st.Unmatched = map[string]bool{}
	}
	err := connectors.PlaceByContacts(ctx, page, c.contactEmails, func(cu connectors.Customer) bool {
		if st.Unmatched[cu.ExternalID] {
			return false
		}
		st.Unmatched[cu.ExternalID] = true
		c.log.Info("account skipped: no Website and no contact with a work email", "account", cu.ExternalID, "name", cu.Name)
		return true
	})
	for _, cu := range page.Customers { // placed now (or had a Website all along)
		delete(st.Unmatched, cu.ExternalID)
	}
	return err
}

// contactEmails reads the email addresses of the given accounts' contacts: one query per
// idsPerQuery accounts.
func (c *Connector) contactEmails(ctx context.Context, accountIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(accountIDs, idsPerQuery) {
		q := "SELECT AccountId, Email FROM Contact WHERE AccountId IN (" + idList(chunk) + ")"
		err := c.query(ctx, q, func(records []json.RawMessage, _ bool) error {
			for _, raw := range records {
				var ct struct {
					AccountID *string `json:"AccountId"`
					Email     *string `json:"Email"`
				}
				if err := json.Unmarshal(raw, &ct); err != nil {
					return c.malformed(objContact, err)
				}
				if ct.AccountID != nil && ct.Email != nil {
					out[*ct.AccountID] = append(out[*ct.AccountID], *ct.Email)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// syncRecheck re-reads, a batch at a time, the Accounts earlier runs skipped for want of a
// domain, and places them if they now have a Website or contacts that give one.
func (c *Connector) syncRecheck(ctx context.Context, st *state, sink connectors.Sink) error {
	ids := slices.DeleteFunc(slices.Sorted(maps.Keys(st.Unmatched)), func(id string) bool { return id <= st.From })
	if len(ids) == 0 {
		st.Phase, st.From = phaseAccounts, ""
		return nil
	}
	ids = ids[:min(len(ids), idsPerQuery)]
	var records []json.RawMessage
	q := "SELECT " + c.accountFields() + " FROM Account WHERE Id IN (" + idList(ids) + ") ORDER BY Id"
	err := c.query(ctx, q, func(batch []json.RawMessage, _ bool) error {
		records = append(records, batch...)
		return nil
	})
	if err != nil {
		return err
	}
	page, _, err := c.accountPage(records)
	if err != nil {
		return c.malformed(objAccount, err)
	}
	for _, id := range ids { // read again below; a deleted account is not returned and is forgotten
		delete(st.Unmatched, id)
	}
	if err := c.placeByContacts(ctx, st, &page); err != nil {
		return err
	}
	st.From = ids[len(ids)-1]
	page.Cursor = connectors.EncodeCursor(st)
	return sink.Commit(ctx, page)
}

func idList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = soqlString(id)
	}
	return strings.Join(q, ", ")
}
