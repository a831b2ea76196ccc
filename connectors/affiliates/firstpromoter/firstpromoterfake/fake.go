// Package firstpromoterfake is FirstPromoter as an httptest handler, for tests only: the
// conformance kit and any test that needs a FirstPromoter to talk to import it. Production code
// never does (internal/archtest).
package firstpromoterfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// Fake plays FirstPromoter's API v2 as documented: Bearer key plus ACCOUNT-ID; integer ids;
// POST /api/v2/company/promoters → 201 with promoter_campaigns[].ref_link; GET
// /promoters/{v}?find_by=email|cust_id (404 when absent); GET /promoters (created_at: when it
// joined), /referrals and /commissions with
// page/per_page (≤ 100) answering bare arrays. Commissions carry a unit (cash|credits|…), status
// pending|approved|denied and is_paid. A duplicate answers 422 {message, code,
// errors{email:["has already been taken"]}} (unverified). drip_emails must be false: a test
// fails loudly if the client would let FirstPromoter email the new promoter.
type Fake struct{ affiliatestest.Book }

// Key and Account are the API key and ACCOUNT-ID the fake accepts; Campaign is its campaign.
const (
	Key      = "fp-key"
	Account  = "acc_123"
	Campaign = "1"
)

// New is a FirstPromoter holding no promoters.
func New() *Fake { return &Fake{Book: affiliatestest.Book{Prefix: "9", KeepNonCash: true}} }

// Settings are valid credentials for the fake; the caller adds BaseURL.
func Settings() affiliates.Settings {
	return affiliates.Settings{APIKey: Key, AccountID: Account, Campaign: Campaign}
}

// IsCreate tells FirstPromoter's create request apart.
func IsCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v2/company/promoters"
}

// IsOutcomeList tells FirstPromoter's outcome listings apart.
func IsOutcomeList(r *http.Request) bool {
	return r.URL.Path == "/api/v2/company/referrals" || r.URL.Path == "/api/v2/company/commissions" ||
		(r.Method == http.MethodGet && r.URL.Path == "/api/v2/company/promoters")
}

// Link is the referral link the fake gave email's promoter, "" when there is none.
func (f *Fake) Link(email string) string {
	if rec := f.Find(email); rec != nil {
		return link(rec.ID)
	}
	return ""
}

func link(id string) string { return "https://acme.io/?fpr=t" + id }

func fail(w http.ResponseWriter, status int, code, msg string) {
	affiliatestest.WriteJSON(w, status, map[string]any{"message": msg, "code": code})
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+Key || r.Header.Get("ACCOUNT-ID") != Account {
		fail(w, http.StatusUnauthorized, "unauthorized", "Unauthorized")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v2/company")
	q := r.URL.Query()
	page, per := affiliatestest.Atoi(q.Get("page"), 1), affiliatestest.Atoi(q.Get("per_page"), 20)
	switch {
	case r.Method == http.MethodPost && path == "/promoters":
		f.create(w, r)
	case r.Method == http.MethodGet && path == "/promoters":
		var all []any
		for _, rec := range f.Records() {
			all = append(all, f.promoterJSON(rec))
		}
		affiliatestest.WriteJSON(w, http.StatusOK, append([]any{}, affiliatestest.Window(all, (page-1)*per, per)...))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/promoters/"):
		f.find(w, strings.TrimPrefix(path, "/promoters/"), q.Get("find_by"))
	case r.Method == http.MethodGet && path == "/referrals":
		affiliatestest.WriteJSON(w, http.StatusOK, append([]any{}, affiliatestest.Window(f.referrals(), (page-1)*per, per)...))
	case r.Method == http.MethodGet && path == "/commissions":
		affiliatestest.WriteJSON(w, http.StatusOK, append([]any{}, affiliatestest.Window(f.commissions(), (page-1)*per, per)...))
	default:
		fail(w, http.StatusNotFound, "not_found", "Not found")
	}
}

func (f *Fake) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email      string `json:"email"`
		CustID     string `json:"cust_id"`
		DripEmails *bool  `json:"drip_emails"`
		Profile    struct {
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		} `json:"profile"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Email == "" {
		affiliatestest.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Email can't be blank", "code": "invalid", "errors": map[string]any{"email": []string{"can't be blank"}}})
		return
	}
	if in.DripEmails == nil || *in.DripEmails {
		fail(w, http.StatusBadRequest, "test", "test: drip_emails must be false, Advocate's drip onboards")
		return
	}
	rec, taken := f.Create(affiliatestest.Record{Email: in.Email, FirstName: in.Profile.FirstName, LastName: in.Profile.LastName, ExternalID: in.CustID})
	if taken {
		affiliatestest.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Email has already been taken", "code": "invalid", "errors": map[string]any{"email": []string{"has already been taken"}}})
		return
	}
	affiliatestest.WriteJSON(w, http.StatusCreated, f.promoterJSON(rec))
}

func (f *Fake) find(w http.ResponseWriter, v, by string) {
	rec := f.FindBy(func(r *affiliatestest.Record) bool {
		switch by {
		case "email":
			return strings.EqualFold(r.Email, v)
		case "cust_id":
			return r.ExternalID != "" && r.ExternalID == v
		}
		return r.ID == v
	})
	if rec == nil {
		fail(w, http.StatusNotFound, "not_found", "Promoter not found")
		return
	}
	affiliatestest.WriteJSON(w, http.StatusOK, f.promoterJSON(*rec))
}

func (f *Fake) promoterJSON(r affiliatestest.Record) map[string]any {
	n, _ := strconv.Atoi(r.ID)
	return map[string]any{"id": n, "email": r.Email, "cust_id": r.ExternalID, "state": "accepted", "created_at": r.CreatedAt.Format(time.RFC3339Nano),
		"profile": map[string]any{"first_name": r.FirstName, "last_name": r.LastName},
		"promoter_campaigns": []any{map[string]any{"campaign_id": 1, "state": "accepted", "ref_token": "t" + r.ID,
			"ref_link": link(r.ID)}}}
}

func (f *Fake) owner(email string) map[string]any {
	rec := f.Find(email)
	n, _ := strconv.Atoi(rec.ID)
	return map[string]any{"id": 1, "campaign_id": 1, "promoter_id": n, "promoter": map[string]any{"id": n, "email": rec.Email}}
}

func (f *Fake) referrals() []any {
	refs, _ := f.Seeds()
	var out []any
	for _, r := range refs {
		state, since := "signup", any(nil)
		if r.Converted {
			state, since = "active", r.CreatedAt.Add(time.Hour).Format(time.RFC3339)
		}
		email := r.CustomerEmail
		if r.ID == "ref_4" {
			email += " (moved)"
		}
		out = append(out, map[string]any{"id": r.ID, "email": email, "state": state, "created_at": r.CreatedAt.Format(time.RFC3339Nano),
			"customer_since": since, "promoter_campaign": f.owner(r.AffiliateEmail)})
	}
	return out
}

func (f *Fake) commissions() []any {
	_, coms := f.Seeds()
	var out []any
	for _, c := range coms {
		status, paid, unit := "pending", false, "cash"
		switch c.Status {
		case affiliates.CommissionDue:
			status = "approved"
		case affiliates.CommissionPaid:
			status, paid = "approved", true
		case affiliates.CommissionVoided:
			status = "denied"
		}
		if c.NonCash {
			unit = "credits"
		}
		out = append(out, map[string]any{"id": c.ID, "status": status, "is_paid": paid, "amount": c.AmountMinor, "unit": unit,
			"sale_amount": c.AmountMinor * 5, "original_sale_currency": c.Currency, "commission_type": "sale",
			"created_at": c.CreatedAt.Format(time.RFC3339Nano), "promoter_campaign": f.owner(c.AffiliateEmail)})
	}
	return out
}
