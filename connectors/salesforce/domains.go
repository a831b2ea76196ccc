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

// placeByContacts gives each customer in page that has no domain the one its contacts share,
// and drops the customers (and their signals) that get none, counting both in page.Matching.
func (c *Connector) placeByContacts(ctx context.Context, st *state, page *connectors.Page) error {
	var ids []string
	for _, cu := range page.Customers {
		if cu.Domain == "" {
			ids = append(ids, cu.ExternalID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	emails, err := c.contactEmails(ctx, ids)
	if err != nil {
		return err
	}
	if st.Unmatched == nil {
		st.Unmatched = map[string]bool{}
	}
	skipped := map[string]bool{}
	for i, cu := range page.Customers {
		if cu.Domain != "" {
			continue
		}
		if d, ok := connectors.DomainFromContacts(emails[cu.ExternalID]); ok {
			page.Customers[i].Domain = d
			page.Matching.ByContactDomain++
			delete(st.Unmatched, cu.ExternalID)
			continue
		}
		skipped[cu.ExternalID] = true
		if !st.Unmatched[cu.ExternalID] { // counted once per run, however often it is read
			page.Matching.Unmatched++
			st.Unmatched[cu.ExternalID] = true
			c.log.Info("account skipped: no Website and no contact with a work email", "account", cu.ExternalID, "name", cu.Name)
		}
	}
	page.Customers = slices.DeleteFunc(page.Customers, func(cu connectors.Customer) bool { return skipped[cu.ExternalID] })
	page.Signals = slices.DeleteFunc(page.Signals, func(s connectors.Signal) bool { return skipped[s.Customer.ExternalID] })
	return nil
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
