package hubspot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/advocate-hq/advocate/connectors"
)

// Companies without a domain. domain is optional on a HubSpot company, and a company without
// one would become a customer no other source can meet: the support tool's records for the same
// company would create a second one. So a company without a domain takes the domain its
// contacts' email addresses share (connectors.DomainFromContacts), read with one contacts
// search (associatedcompanyid IN the batch's ids, 200 contacts a page) per batch of such
// companies; a company whose contacts give none is skipped — with its signals; its contacts
// then name a company the store does not know and are dropped with it. A skipped company is
// read again by the next full pass (full_sync_every) or when it is edited.

// idsPerSearch bounds the values of one IN filter. HubSpot documents IN with a values array
// but we found no primary source for its bound (unverified); 100, the list endpoints' page
// size, keeps one search per list page of companies.
const idsPerSearch = 100

// placeByContacts places the page's companies without a domain by their contacts
// (connectors.PlaceByContacts).
func (c *Connector) placeByContacts(ctx context.Context, page *connectors.Page) error {
	return connectors.PlaceByContacts(ctx, page, c.contactEmails, func(cu connectors.Customer) bool {
		cmp.Or(c.s.Runtime.Log, slog.Default()).Info("hubspot company skipped: no domain and no contact with a work email", "company", cu.ExternalID, "name", cu.Name)
		return true
	})
}

// contactEmails reads the email addresses of the given companies' contacts (by their primary
// company, associatedcompanyid): one search per idsPerSearch companies and 200 contacts.
func (c *Connector) contactEmails(ctx context.Context, companyIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(companyIDs, idsPerSearch) {
		req := searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: "associatedcompanyid", Operator: "IN", Values: chunk}}}},
			Sorts:        []sortSpec{{PropertyName: "hs_object_id", Direction: "ASCENDING"}},
			Properties:   []string{"email", "associatedcompanyid"},
			Limit:        searchLimit,
		}
		for {
			var p page
			err := c.search.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/crm/v3/objects/contacts/search", Body: req}, &p)
			if err != nil {
				return nil, fmt.Errorf("hubspot: search the contacts of %d companies without a domain: %w", len(chunk), err)
			}
			for _, o := range p.Results {
				if company, email := o.get("associatedcompanyid"), o.get("email"); company != "" && email != "" {
					out[company] = append(out[company], email)
				}
			}
			if req.After = p.next(); req.After == "" {
				break
			}
		}
	}
	return out, nil
}
