// Package partnerstackfake is PartnerStack as an httptest handler, for tests only: the
// conformance kit and any test that needs a PartnerStack to talk to import it. Production code
// never does (internal/archtest).
package partnerstackfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// Fake plays PartnerStack's Vendor API v2 as documented: Basic public:secret; bodies
// {data, message, status}; lists data.items + data.has_more with starting_after (an item key)
// and limit ≤ 250; epoch-millisecond times. POST /api/v2/partnerships creates (partner_key
// unique); GET /api/v2/partnerships/{key|partner_key|email} reads one (which identifiers it
// accepts is our assumption, see the package doc); GET /api/v2/links/partnership/{email};
// GET /api/v2/partnerships lists every partnership (created_at: when it joined);
// GET /api/v2/customers; GET /api/v2/rewards hides scheduled rewards unless status=scheduled.
// A duplicate answers 409 {"message":"Partnership already exists","status":409} (unverified).
type Fake struct{ affiliatestest.Book }

// Public and Secret are the key pair the fake accepts.
const (
	Public = "pk_test"
	Secret = "sk_test"
)

// New is a PartnerStack holding no partnerships.
func New() *Fake { return &Fake{Book: affiliatestest.Book{Prefix: "part_"}} }

// Settings are valid credentials for the fake; the caller adds BaseURL.
func Settings() affiliates.Settings { return affiliates.Settings{APIKey: Secret, PublicKey: Public} }

// IsCreate tells PartnerStack's create request apart.
func IsCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v2/partnerships"
}

// IsOutcomeList tells PartnerStack's outcome listings apart.
func IsOutcomeList(r *http.Request) bool {
	return r.URL.Path == "/api/v2/customers" || r.URL.Path == "/api/v2/rewards" || r.URL.Path == "/api/v2/partnerships" && r.Method == http.MethodGet
}

// Link is the referral link the fake gives email's partnership, "" when there is none.
func (f *Fake) Link(email string) string {
	if rec := f.Find(email); rec != nil {
		return link(rec.ID)
	}
	return ""
}

func link(key string) string { return "https://acme.partnerlinks.io/" + key }

func reply(w http.ResponseWriter, status int, data any, msg string) {
	affiliatestest.WriteJSON(w, status, map[string]any{"data": data, "message": msg, "status": status})
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != Public || p != Secret {
		affiliatestest.WriteJSON(w, http.StatusUnauthorized, map[string]any{"message": "Invalid credentials", "status": 401})
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/api/v2/partnerships":
		f.create(w, r)
	case r.Method == http.MethodGet && path == "/api/v2/partnerships":
		var all []any
		for _, rec := range f.Records() {
			all = append(all, f.partnershipJSON(rec))
		}
		f.list(w, r.URL.Query(), all)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v2/partnerships/"):
		if rec := f.byIdentifier(strings.TrimPrefix(path, "/api/v2/partnerships/")); rec != nil {
			reply(w, http.StatusOK, f.partnershipJSON(*rec), "Partnership retrieved.")
			return
		}
		affiliatestest.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Partnership not found", "status": 404})
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v2/links/partnership/"):
		rec := f.Find(strings.TrimPrefix(path, "/api/v2/links/partnership/"))
		if rec == nil {
			affiliatestest.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Partnership not found", "status": 404})
			return
		}
		reply(w, http.StatusOK, map[string]any{"key": "lnk_" + rec.ID, "dest": "https://acme.io", "url": link(rec.ID)}, "")
	case r.Method == http.MethodGet && path == "/api/v2/customers":
		f.list(w, r.URL.Query(), f.customers())
	case r.Method == http.MethodGet && path == "/api/v2/rewards":
		f.list(w, r.URL.Query(), f.rewards(r.URL.Query().Get("status")))
	default:
		affiliatestest.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Not found", "status": 404})
	}
}

func (f *Fake) byIdentifier(id string) *affiliatestest.Record {
	return f.FindBy(func(r *affiliatestest.Record) bool {
		return r.ID == id || strings.EqualFold(r.Email, id) || (r.ExternalID != "" && r.ExternalID == id)
	})
}

func (f *Fake) create(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in["email"] == "" {
		affiliatestest.WriteJSON(w, http.StatusBadRequest, map[string]any{"message": "email is required", "status": 400})
		return
	}
	rec, taken := f.Create(affiliatestest.Record{Email: in["email"], FirstName: in["first_name"], LastName: in["last_name"], ExternalID: in["partner_key"]})
	if taken {
		affiliatestest.WriteJSON(w, http.StatusConflict, map[string]any{"message": "Partnership already exists", "status": 409})
		return
	}
	reply(w, http.StatusOK, f.partnershipJSON(rec), "Partnership created.")
}

func (f *Fake) partnershipJSON(r affiliatestest.Record) map[string]any {
	return map[string]any{"key": r.ID, "email": r.Email, "partner_key": r.ExternalID, "first_name": r.FirstName, "last_name": r.LastName,
		"claimed": false, "group": map[string]any{"slug": "default"}, "created_at": r.CreatedAt.UnixMilli()}
}

func (f *Fake) customers() []any {
	refs, _ := f.Seeds()
	out := []any{map[string]any{"key": "cust_test", "email": "t@test.io", "test": true, "partnership_key": "gstest", "created_at": 1}}
	for _, r := range refs {
		var provider any
		if r.Converted {
			provider = "cus_" + r.ID
		}
		out = append(out, map[string]any{"key": r.ID, "email": r.CustomerEmail, "provider_key": provider, "customer_key": nil, "test": false,
			"partnership_key": f.Find(r.AffiliateEmail).ID, "created_at": r.CreatedAt.UnixMilli(), "updated_at": r.CreatedAt.UnixMilli()})
	}
	return out
}

// psStatus maps a seed status to PartnerStack's; due alternates between approved and the
// scheduled status the default list hides, so the hidden ones must be fetched.
func psStatus(status string, i int) string {
	switch status {
	case affiliates.CommissionDue:
		if i%2 == 0 {
			return "scheduled"
		}
		return "approved"
	case affiliates.CommissionPaid:
		return "paid"
	case affiliates.CommissionVoided:
		return "declined"
	}
	return "hold"
}

func (f *Fake) rewards(status string) []any {
	_, coms := f.Seeds()
	var out []any
	for i, c := range coms {
		st := psStatus(c.Status, i)
		if (status == "scheduled") != (st == "scheduled") {
			continue
		}
		email := f.Find(c.AffiliateEmail).Email
		out = append(out, map[string]any{"key": c.ID, "amount": c.AmountMinor, "currency": c.Currency, "created_at": c.CreatedAt.UnixMilli(),
			"reward_status": st, "partnership": map[string]any{"email": email}, "customer": nil})
	}
	return out
}

func (f *Fake) list(w http.ResponseWriter, q url.Values, items []any) {
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			affiliatestest.WriteJSON(w, http.StatusBadRequest, map[string]any{"message": "limit must be 1-250", "status": 400})
			return
		}
		limit = n
	}
	start := 0
	if after := q.Get("starting_after"); after != "" {
		start = slices.IndexFunc(items, func(it any) bool { return it.(map[string]any)["key"] == after }) + 1
	}
	page := affiliatestest.Window(items, start, limit)
	reply(w, http.StatusOK, map[string]any{"items": append([]any{}, page...), "has_more": start+len(page) < len(items)}, "")
}
