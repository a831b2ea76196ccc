package intercom

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/advocate-hq/advocate/connectors"
)

// Companies without a website. website is optional on an Intercom company, and a company
// without a domain would become a customer no other source can meet: the CRM's record for the
// same company would be a second customer. So a company without a website takes the domain its
// contacts' email addresses share (connectors.DomainFromContacts), read from the company's
// attached contacts (GET /companies/{id}/contacts; Intercom's contact search cannot filter on
// a company); one whose contacts give none is skipped with its signals and counted. The calls
// grow with the companies that lack a website, not with conversations or contacts.

// companyContactsPage is the page size asked of GET /companies/{id}/contacts.
const companyContactsPage = 50

// placeByContacts places the page's companies without a website by their contacts
// (connectors.PlaceByContacts), reading each one's attached contacts.
func (c *Connector) placeByContacts(ctx context.Context, page *connectors.Page) error {
	contacts := func(ctx context.Context, ids []string) (map[string][]string, error) {
		out := make(map[string][]string, len(ids))
		for _, id := range ids {
			emails, err := c.companyContactEmails(ctx, id)
			if err != nil {
				return nil, err
			}
			out[id] = emails
		}
		return out, nil
	}
	return connectors.PlaceByContacts(ctx, page, contacts, func(cu connectors.Customer) bool {
		c.log().Info("intercom company skipped: no website and no contact with a work email", "connector", c.s.Name, "company", cu.ExternalID, "name", cu.Name)
		return true
	})
}

// companyContactEmails reads the email addresses of a company's attached contacts, a page of
// companyContactsPage at a time.
func (c *Connector) companyContactEmails(ctx context.Context, id string) ([]string, error) {
	var emails []string
	for pg := 1; ; pg++ {
		var p struct {
			Data []struct {
				Email string `json:"email"`
			} `json:"data"`
			Pages struct {
				TotalPages int `json:"total_pages"`
			} `json:"pages"`
		}
		q := url.Values{"page": {strconv.Itoa(pg)}, "per_page": {strconv.Itoa(companyContactsPage)}}
		err := c.api.JSON(ctx, connectors.Request{Path: "/companies/" + url.PathEscape(id) + "/contacts", Query: q}, &p)
		if err != nil {
			return nil, fmt.Errorf("intercom: list the contacts of company %s (it has no website): %w", id, err)
		}
		for _, ct := range p.Data {
			emails = append(emails, ct.Email)
		}
		if pg >= p.Pages.TotalPages || len(p.Data) == 0 {
			return emails, nil
		}
	}
}
