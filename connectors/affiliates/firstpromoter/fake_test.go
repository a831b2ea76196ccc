package firstpromoter

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// fake plays FirstPromoter's API v2 as documented: Bearer key plus ACCOUNT-ID; integer ids;
// POST /api/v2/company/promoters → 201 with promoter_campaigns[].ref_link; GET
// /promoters/{v}?find_by=email|cust_id (404 when absent); GET /referrals and /commissions with
// page/per_page (≤ 100) answering bare arrays. Commissions carry a unit (cash|credits|…), status
// pending|approved|denied and is_paid. A duplicate answers 422 {message, code,
// errors{email:["has already been taken"]}} (unverified). drip_emails must be false: a test
// fails loudly if the client would let FirstPromoter email the new promoter.
type fake struct{ affiliatestest.Book }

const (
	fakeKey     = "fp-key"
	fakeAccount = "acc_123"
)

func newFake() affiliatestest.Fake {
	return &fake{Book: affiliatestest.Book{Prefix: "9", KeepNonCash: true}}
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	affiliatestest.WriteJSON(w, status, map[string]any{"message": msg, "code": code})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+fakeKey || r.Header.Get("ACCOUNT-ID") != fakeAccount {
		fail(w, http.StatusUnauthorized, "unauthorized", "Unauthorized")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v2/company")
	q := r.URL.Query()
	page, per := affiliatestest.Atoi(q.Get("page"), 1), affiliatestest.Atoi(q.Get("per_page"), 20)
	switch {
	case r.Method == http.MethodPost && path == "/promoters":
		f.create(w, r)
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

func (f *fake) create(w http.ResponseWriter, r *http.Request) {
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

func (f *fake) find(w http.ResponseWriter, v, by string) {
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

func (f *fake) promoterJSON(r affiliatestest.Record) map[string]any {
	n, _ := strconv.Atoi(r.ID)
	return map[string]any{"id": n, "email": r.Email, "cust_id": r.ExternalID, "state": "accepted",
		"profile": map[string]any{"first_name": r.FirstName, "last_name": r.LastName},
		"promoter_campaigns": []any{map[string]any{"campaign_id": 1, "state": "accepted", "ref_token": "t" + r.ID,
			"ref_link": "https://acme.io/?fpr=t" + r.ID}}}
}

func (f *fake) owner(email string) map[string]any {
	rec := f.Find(email)
	n, _ := strconv.Atoi(rec.ID)
	return map[string]any{"id": 1, "campaign_id": 1, "promoter_id": n, "promoter": map[string]any{"id": n, "email": rec.Email}}
}

func (f *fake) referrals() []any {
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

func (f *fake) commissions() []any {
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
