// Package dubfake is Dub as an httptest handler, for tests only: the conformance kit and any
// test that needs a Dub to talk to import it. Production code never does (internal/archtest).
package dubfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// Fake plays Dub's partner API as documented: Bearer workspace key; POST /partners upserts by
// email (an existing partner comes back, its tenantId updated); GET /partners?email=|tenantId=
// and GET /partners/links?partnerId= answer bare arrays; GET /partners without either lists
// every partner (page, pageSize ≤ 100, sortBy=createdAt, sortOrder; createdAt is when it
// joined); GET /customers (page, pageSize ≤ 100,
// includeExpandedFields adds partner) and GET /commissions (pageSize, startingAfter,
// sortBy/sortOrder) too. Errors are {"error":{code,message,doc_url}}.
type Fake struct{ affiliatestest.Book }

// Key is the workspace API key the fake accepts.
const Key = "dub_test_key"

// New is a Dub workspace holding no partners.
func New() *Fake { return &Fake{Book: affiliatestest.Book{Prefix: "pn_"}} }

// Settings are valid credentials for the fake; the caller adds BaseURL.
func Settings() affiliates.Settings { return affiliates.Settings{APIKey: Key} }

// IsCreate tells Dub's create (upsert) request apart.
func IsCreate(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/partners" }

// IsOutcomeList tells Dub's outcome listings apart: customers, commissions, and the partner
// listing (GET /partners without a lookup filter).
func IsOutcomeList(r *http.Request) bool {
	return r.URL.Path == "/customers" || r.URL.Path == "/commissions" || isPartnerListing(r)
}

func isPartnerListing(r *http.Request) bool {
	q := r.URL.Query()
	return r.Method == http.MethodGet && r.URL.Path == "/partners" && q.Get("email") == "" && q.Get("tenantId") == ""
}

// Link is the referral link the fake gave email's partner, "" when there is none.
func (f *Fake) Link(email string) string {
	if rec := f.Find(email); rec != nil {
		return link(rec.ID)
	}
	return ""
}

func link(id string) string { return "https://dub.sh/" + id }

func errorJSON(w http.ResponseWriter, status int, code, msg string) {
	affiliatestest.WriteJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "doc_url": "https://dub.co/docs/api-reference/errors#" + code}})
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+Key {
		errorJSON(w, http.StatusUnauthorized, "unauthorized", "Unauthorized: Invalid API key.")
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/partners":
		f.upsert(w, r)
	case isPartnerListing(r):
		f.listing(w, q)
	case r.Method == http.MethodGet && r.URL.Path == "/partners":
		affiliatestest.WriteJSON(w, http.StatusOK, f.partners(q.Get("email"), q.Get("tenantId")))
	case r.Method == http.MethodGet && r.URL.Path == "/partners/links":
		affiliatestest.WriteJSON(w, http.StatusOK, []any{map[string]any{"shortLink": link(q.Get("partnerId"))}})
	case r.Method == http.MethodGet && r.URL.Path == "/customers":
		page, size := affiliatestest.Atoi(q.Get("page"), 1), affiliatestest.Atoi(q.Get("pageSize"), 100)
		all := f.customers(q.Get("includeExpandedFields") == "true")
		if q.Get("sortOrder") != "asc" {
			slices.Reverse(all) // Dub's default is newest first
		}
		affiliatestest.WriteJSON(w, http.StatusOK, affiliatestest.Window(all, (page-1)*size, size))
	case r.Method == http.MethodGet && r.URL.Path == "/commissions":
		f.commissions(w, q)
	default:
		errorJSON(w, http.StatusNotFound, "not_found", "The requested resource was not found.")
	}
}

func (f *Fake) upsert(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Name, TenantID, GroupID string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Email == "" {
		errorJSON(w, http.StatusUnprocessableEntity, "unprocessable_entity", "email: Required")
		return
	}
	first, last, _ := strings.Cut(in.Name, " ")
	rec, _ := f.Create(affiliatestest.Record{Email: in.Email, FirstName: first, LastName: last})
	if in.TenantID != "" { // the upsert sets our id on an existing partner too
		f.SetExternalID(rec.ID, in.TenantID)
		rec.ExternalID = in.TenantID
	}
	affiliatestest.WriteJSON(w, http.StatusCreated, f.partnerJSON(rec))
}

// listing answers GET /partners without a filter: every partner, by page; Dub's default order
// is newest first.
func (f *Fake) listing(w http.ResponseWriter, q url.Values) {
	recs := f.Records()
	if q.Get("sortBy") != "createdAt" || q.Get("sortOrder") != "asc" {
		slices.Reverse(recs)
	}
	page, size := affiliatestest.Atoi(q.Get("page"), 1), min(affiliatestest.Atoi(q.Get("pageSize"), 100), 100)
	out := []any{}
	for _, r := range affiliatestest.Window(recs, (page-1)*size, size) {
		out = append(out, f.partnerJSON(r))
	}
	affiliatestest.WriteJSON(w, http.StatusOK, out)
}

func (f *Fake) partnerJSON(r affiliatestest.Record) map[string]any {
	return map[string]any{"id": r.ID, "email": r.Email, "name": r.FirstName + " " + r.LastName, "tenantId": r.ExternalID, "status": "approved",
		"createdAt": r.CreatedAt.Format(time.RFC3339Nano),
		"links":     []any{map[string]any{"shortLink": link(r.ID), "key": r.ID, "clicks": 0}}}
}

func (f *Fake) partners(email, tenant string) []any {
	rec := f.FindBy(func(r *affiliatestest.Record) bool {
		return (email != "" && strings.EqualFold(r.Email, email)) || (tenant != "" && r.ExternalID == tenant)
	})
	if rec == nil {
		return []any{}
	}
	return []any{f.partnerJSON(*rec)}
}

func (f *Fake) customers(expand bool) []any {
	refs, _ := f.Seeds()
	out := []any{map[string]any{"id": "cus_direct", "email": "direct@buyer.io", "createdAt": "2026-09-01T00:00:00Z", "sales": 3}} // no partner
	for _, r := range refs {
		c := map[string]any{"id": r.ID, "email": r.CustomerEmail, "createdAt": r.CreatedAt.Format(time.RFC3339Nano), "sales": 0}
		if r.Converted {
			c["sales"] = 1
		}
		if expand {
			rec := f.Find(r.AffiliateEmail)
			c["partner"] = map[string]any{"id": rec.ID, "email": rec.Email}
		}
		out = append(out, c)
	}
	return out
}

var dubStatus = map[string]string{
	affiliates.CommissionPending: "pending", affiliates.CommissionDue: "processed",
	affiliates.CommissionPaid: "paid", affiliates.CommissionVoided: "refunded",
}

func (f *Fake) commissions(w http.ResponseWriter, q map[string][]string) {
	_, coms := f.Seeds()
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if get("sortBy") != "createdAt" || get("sortOrder") != "asc" {
		slices.Reverse(coms) // Dub's default is newest first
	}
	start := 0
	if after := get("startingAfter"); after != "" {
		start = slices.IndexFunc(coms, func(c affiliatestest.SeedCommission) bool { return c.ID == after }) + 1
	}
	var out []any
	for _, c := range affiliatestest.Window(coms, start, affiliatestest.Atoi(get("pageSize"), 100)) {
		rec := f.Find(c.AffiliateEmail)
		out = append(out, map[string]any{"id": c.ID, "amount": c.AmountMinor * 5, "earnings": c.AmountMinor, "currency": strings.ToLower(c.Currency),
			"status": dubStatus[c.Status], "createdAt": c.CreatedAt.Format(time.RFC3339Nano), "type": "sale",
			"partner": map[string]any{"id": rec.ID, "email": rec.Email}})
	}
	affiliatestest.WriteJSON(w, http.StatusOK, append([]any{}, out...))
}
