// Package rewardfulfake is Rewardful as an httptest handler, for tests only: the conformance kit
// and any test that needs a Rewardful to talk to import it. Production code never does
// (internal/archtest).
package rewardfulfake

import (
	"net/http"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// Fake plays Rewardful's REST API v1 as documented: Basic auth with the secret as user and an
// empty password; form-encoded POST /v1/affiliates answering the affiliate object with
// links[]; GET /v1/affiliates?email= (0 or 1); GET /v1/affiliates without email (every
// affiliate; created_at is when it joined), GET /v1/referrals (updated_since, expand[]=
// affiliate) and GET /v1/commissions with page/limit (≤ 100) in a {pagination, data} envelope.
// A duplicate email answers 422 {"error","details":["Email has already been taken"]}, the
// shape integrations report. stripe_customer_id is refused so a test notices if we send it.
type Fake struct{ affiliatestest.Book }

// Key is the API secret the fake accepts.
const Key = "rw-secret"

// New is a Rewardful holding no affiliates.
func New() *Fake { return &Fake{Book: affiliatestest.Book{Prefix: "aff-uuid-"}} }

// Settings are valid credentials for the fake; the caller adds BaseURL.
func Settings() affiliates.Settings { return affiliates.Settings{APIKey: Key} }

// IsCreate tells Rewardful's create request apart.
func IsCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/v1/affiliates"
}

// IsOutcomeList tells Rewardful's outcome listings apart: referrals, commissions and the
// affiliate listing (GET /v1/affiliates without email).
func IsOutcomeList(r *http.Request) bool {
	return r.URL.Path == "/v1/referrals" || r.URL.Path == "/v1/commissions" || isAffiliateListing(r)
}

func isAffiliateListing(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/v1/affiliates" && !r.URL.Query().Has("email")
}

// Link is the referral link the fake gave email's affiliate, "" when there is none.
func (f *Fake) Link(email string) string {
	if rec := f.Find(email); rec != nil {
		return link(rec.ID)
	}
	return ""
}

func link(id string) string { return "https://acme.io/?via=" + id }

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != Key || p != "" {
		affiliatestest.WriteJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid API Secret"})
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/affiliates":
		f.create(w, r)
	case isAffiliateListing(r):
		var all []any
		for _, rec := range f.Records() {
			all = append(all, affiliateJSON(rec))
		}
		f.list(w, r, all)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/affiliates":
		var data []any
		if rec := f.Find(r.URL.Query().Get("email")); rec != nil {
			data = append(data, affiliateJSON(*rec))
		}
		affiliatestest.WriteJSON(w, http.StatusOK, map[string]any{"pagination": map[string]any{"next_page": nil}, "data": data})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/referrals":
		f.list(w, r, f.referrals(r))
	case r.Method == http.MethodGet && r.URL.Path == "/v1/commissions":
		f.list(w, r, f.commissions())
	default:
		affiliatestest.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "Not found"})
	}
}

func (f *Fake) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		affiliatestest.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "form body expected"})
		return
	}
	if r.PostForm.Has("stripe_customer_id") {
		affiliatestest.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "test: stripe_customer_id must not be sent"})
		return
	}
	email := r.PostForm.Get("email")
	if email == "" || r.PostForm.Get("first_name") == "" || r.PostForm.Get("last_name") == "" {
		affiliatestest.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "Validation failed", "details": []string{"first_name, last_name and email are required"}})
		return
	}
	rec, taken := f.Create(affiliatestest.Record{Email: email, FirstName: r.PostForm.Get("first_name"), LastName: r.PostForm.Get("last_name")})
	if taken {
		affiliatestest.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "Validation failed", "details": []string{"Email has already been taken"}})
		return
	}
	affiliatestest.WriteJSON(w, http.StatusOK, affiliateJSON(rec))
}

func affiliateJSON(r affiliatestest.Record) map[string]any {
	return map[string]any{
		"id": r.ID, "email": r.Email, "first_name": r.FirstName, "last_name": r.LastName, "state": "active",
		"created_at": r.CreatedAt.Format(time.RFC3339Nano),
		"links":      []map[string]any{{"id": "link-" + r.ID, "url": link(r.ID), "token": r.ID}},
	}
}

func (f *Fake) affiliate(email string) map[string]any {
	rec := f.Find(email)
	return map[string]any{"id": rec.ID, "email": rec.Email}
}

func (f *Fake) referrals(r *http.Request) []any {
	refs, _ := f.Seeds()
	// A visitor (a click) is on the list too and must not come back as a referral.
	refs = append(refs, affiliatestest.SeedReferral{ID: "visitor", AffiliateEmail: "ann@acme.io"})
	var since time.Time
	if s := r.URL.Query().Get("updated_since"); s != "" {
		since, _ = time.Parse(time.RFC3339, s)
	}
	var out []any
	for _, ref := range refs {
		if ref.CreatedAt.Before(since) {
			continue
		}
		state, conv := "lead", any(nil)
		switch {
		case ref.ID == "visitor":
			state = "visitor"
		case ref.Converted:
			state, conv = "conversion", ref.CreatedAt.Add(time.Hour).Format(time.RFC3339)
		}
		out = append(out, map[string]any{
			"id": ref.ID, "conversion_state": state, "created_at": ref.CreatedAt.Format(time.RFC3339Nano),
			"updated_at": ref.CreatedAt.Format(time.RFC3339Nano), "became_conversion_at": conv, "deactivated_at": nil,
			"customer": map[string]any{"email": ref.CustomerEmail}, "affiliate": f.affiliate(ref.AffiliateEmail),
		})
	}
	return out
}

func (f *Fake) commissions() []any {
	_, coms := f.Seeds()
	var out []any
	for _, c := range coms {
		out = append(out, map[string]any{
			"id": c.ID, "amount": c.AmountMinor, "currency": strings.ToUpper(c.Currency), "state": c.Status,
			"created_at": c.CreatedAt.Format(time.RFC3339Nano), "affiliate": f.affiliate(c.AffiliateEmail),
			"sale": map[string]any{"sale_amount_cents": c.AmountMinor * 5, "referral": map[string]any{"id": "ref"}},
		})
	}
	return out
}

func (f *Fake) list(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	page, limit := affiliatestest.Atoi(q.Get("page"), 1), affiliatestest.Atoi(q.Get("limit"), 25)
	if limit < 1 || limit > 100 || page < 1 {
		affiliatestest.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "bad page or limit"})
		return
	}
	var next any
	if page*limit < len(items) {
		next = page + 1
	}
	affiliatestest.WriteJSON(w, http.StatusOK, map[string]any{
		"pagination": map[string]any{"previous_page": nil, "current_page": page, "next_page": next, "count": limit, "total_count": len(items)},
		"data":       affiliatestest.Window(items, (page-1)*limit, limit),
	})
}
