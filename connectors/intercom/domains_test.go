package intercom

import (
	"fmt"
	"slices"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A company without a website takes the domain its attached contacts share, or is skipped;
// its contacts are read a page of 50 at a time, only for companies without a website.
func TestCompaniesWithoutWebsitePlacedByContacts(t *testing.T) {
	tests := []struct {
		name      string
		emails    []string // the attached contacts of the one company without a website
		wantMatch connectors.Matching
		wantCalls int // GET /companies/{id}/contacts
	}{
		{"WorkMail", []string{"a@wayne.example", "b@wayne.example", "c@gmail.com"}, connectors.Matching{ByContactDomain: 1}, 1},
		{"FreeMailOnly", []string{"a@gmail.com", "b@yahoo.co.uk"}, connectors.Matching{Unmatched: 1}, 1},
		{"NoContacts", nil, connectors.Matching{Unmatched: 1}, 1},
		{"Tie", []string{"a@one.example", "b@two.example"}, connectors.Matching{Unmatched: 1}, 1},
		{"ManyContactsPaged", slices.Repeat([]string{"x@wayne.example"}, 120), connectors.Matching{ByContactDomain: 1}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f := newFake()
				f.conversations = nil
				f.companies = append(f.companies[:0:0], f.companies[0], fakeCompany("c9", "Wayne", "", "", 0, nil, ""))
				for i, e := range tt.emails {
					id := fmt.Sprintf("w%d", i)
					f.contacts[id] = contact(id, e, "c9")
				}
				srv := connectortest.NewServer(t, f)
				r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, &connectortest.Waits{}))
				if r.Failed() {
					t.Fatal(r.Error)
				}
				if r.Matching != tt.wantMatch {
					t.Errorf("matching = %+v, want %+v", r.Matching, tt.wantMatch)
				}
				if f.companyContactLists != tt.wantCalls {
					t.Errorf("%d company contact lists, want %d (only for the company without a website)", f.companyContactLists, tt.wantCalls)
				}
				custs := connectortest.Customers(t, st)
				if slices.ContainsFunc(custs, func(c advocate.Customer) bool { return c.Domain == "" }) {
					t.Errorf("a customer without a domain was stored: %+v", custs)
				}
				wayne := slices.IndexFunc(custs, func(c advocate.Customer) bool { return c.Name == "Wayne" })
				if placed := tt.wantMatch.ByContactDomain == 1; placed != (wayne >= 0) || (placed && custs[wayne].Domain != "wayne.example") {
					t.Errorf("customers = %+v, want Wayne at wayne.example: %v", custs, placed)
				}
			})
		})
	}
}
