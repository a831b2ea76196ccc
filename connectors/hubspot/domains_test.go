package hubspot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// domainless returns n companies without a domain, each with two contacts whose primary
// company it is, at emails(i).
func domainless(n int, emails func(i int) [2]string) (objects, objects) {
	var cos, cts objects
	for i := range n {
		id := strconv.Itoa(30000 + i)
		cos = append(cos, fakeObject{ID: id, Props: map[string]string{"name": fmt.Sprintf("Nodomain %d", i),
			"hs_lastmodifieddate": "2026-11-01T10:00:00Z"}})
		for j, e := range emails(i) {
			cts = append(cts, fakeObject{ID: fmt.Sprintf("%d%d", 40000+i, j), Companies: []string{id}, Props: map[string]string{
				"email": e, "associatedcompanyid": id, "lastmodifieddate": "2026-11-01T11:00:00Z"}})
		}
	}
	return cos, cts
}

// Companies without a domain take the one their contacts share, or are skipped; the contacts
// are read with one search per 100 such companies (HubSpot's IN limit), not one per company.
func TestCompaniesWithoutDomainPlacedByContacts(t *testing.T) {
	work := func(i int) [2]string {
		return [2]string{fmt.Sprintf("a@co%d.example", i), fmt.Sprintf("b@co%d.example", i)}
	}
	tests := []struct {
		name         string
		n            int
		emails       func(i int) [2]string
		want         connectors.Matching
		wantSearches int
	}{
		{"WorkMail", 3, work, connectors.Matching{ByContactDomain: 3}, 1},
		{"FreeMailOnly", 2, func(i int) [2]string { return [2]string{"x@gmail.com", fmt.Sprintf("y%d@outlook.com", i)} },
			connectors.Matching{Unmatched: 2}, 1},
		{"TieResolvesNothing", 1, func(int) [2]string { return [2]string{"a@one.example", "b@two.example"} },
			connectors.Matching{Unmatched: 1}, 1},
		{"OneWorkOneFree", 1, func(int) [2]string { return [2]string{"a@solo.example", "b@gmail.com"} },
			connectors.Matching{ByContactDomain: 1}, 1},
		// 250 companies on list pages of 100: 100 + 100 + 50 ids, one search each (200 contacts a page).
		{"ManyCompaniesFewCalls", 250, work, connectors.Matching{ByContactDomain: 250}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f := newFake()
				f.listPage, f.searchPage = 100, 200
				f.data["companies"], f.data["contacts"] = domainless(tt.n, tt.emails)
				srv := connectortest.NewServer(t, f)
				r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, &connectortest.Waits{}))
				if r.Failed() {
					t.Fatalf("sync: %s", r.Error)
				}
				if r.Matching != tt.want {
					t.Errorf("matching = %+v, want %+v", r.Matching, tt.want)
				}
				var byCompany int
				for _, s := range f.searches {
					if strings.HasPrefix(s, "contacts associatedcompanyid IN") {
						byCompany++
					}
				}
				if byCompany != tt.wantSearches {
					t.Errorf("%d contact searches by company, want %d", byCompany, tt.wantSearches)
				}
				custs := connectortest.Customers(t, st)
				if len(custs) != tt.want.ByContactDomain {
					t.Errorf("%d customers, want %d (one per placed company)", len(custs), tt.want.ByContactDomain)
				}
				if slices.ContainsFunc(custs, func(c advocate.Customer) bool { return c.Domain == "" }) {
					t.Errorf("a customer without a domain was stored: %+v", custs)
				}
			})
		})
	}
}
