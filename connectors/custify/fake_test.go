package custify

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
)

// fake plays Custify's company listing as documented and as Custify's own API client reads it:
// "Authorization: Bearer <key>"; GET /company/all?page=P&itemsPerPage=N (page 1-based,
// default 1; itemsPerPage default 10) answers {companies, total}. Each company carries its
// health scores under metrics.health_scores, keyed "global" or by score id.
type fake struct {
	token string

	mu        sync.Mutex
	companies []map[string]any
	queries   []url.Values
}

const fakeToken = "cfy-test-token"

func score(v any, updated any) map[string]any {
	m := map[string]any{"value": v, "label": "Good", "color": "#2ecc71"}
	if updated != nil {
		m["updated_at"] = updated
	}
	return m
}

// newFake holds ten companies: domains in website or domain, a CSM, a global score with and
// without its own timestamp, a score as a bare number, a workspace-specific single score, two
// scores with no global one, no score, a null score and a 0.
func newFake() *fake {
	hs := func(m map[string]any) map[string]any { return map[string]any{"health_scores": m} }
	return &fake{token: fakeToken, companies: []map[string]any{
		{"id": "65a000000000000000000001", "company_id": "acme-1", "name": "Acme", "website": "https://acme.io", "owners_csm": "Dana@Vendor.com",
			"plan": " Pro ", "industry": "Software", "lifecycle_stage": "Customer", "updated_at": "2026-10-11T09:00:00.000Z",
			"metrics": hs(map[string]any{"global": score(82, "2026-10-10T08:00:00.000Z")})},
		{"id": "65a000000000000000000002", "company_id": 2, "name": "Globex", "domain": "globex.com", "website": nil,
			"updated_at": 1791000000000, "metrics": hs(map[string]any{"global": score(45, nil)})},
		{"id": "65a000000000000000000003", "company_id": "3", "name": "Initech", "website": "www.initech.io",
			"updated_at": "2026-10-09T10:30:00Z", "metrics": hs(map[string]any{"global": score(67.5, nil)})},
		{"id": "65a000000000000000000004", "company_id": "4", "name": "Umbrella", "website": "umbrella.co", "updated_at": "2026-10-01T00:00:00Z"},
		{"id": "65a000000000000000000005", "company_id": "5", "name": "Hooli", "website": "hooli.xyz",
			"metrics": hs(map[string]any{"global": score(0, "2026-10-08T00:00:00Z")})},
		{"id": "65a000000000000000000006", "company_id": "6", "name": "Local Bakery", "website": "",
			"metrics": hs(map[string]any{"global": score(70, "2026-10-07T00:00:00Z")})},
		{"id": "65a000000000000000000007", "company_id": "7", "name": "Pied Piper", "website": "piedpiper.com",
			"metrics": hs(map[string]any{"global": nil})},
		{"id": "65a000000000000000000008", "company_id": "8", "name": "Stark", "website": "stark.com",
			"metrics": hs(map[string]any{"64abc0000000000000000001": score(55, "2026-10-06T00:00:00Z")})},
		{"id": "65a000000000000000000009", "company_id": "9", "name": "Wayne", "website": "wayne.com",
			"metrics": hs(map[string]any{"64abc0000000000000000001": 10, "64abc0000000000000000002": 20})},
		{"id": "65a00000000000000000000a", "company_id": "10", "name": "Soylent", "website": "soylent.com", "updated_at": "2026-10-05 09:00:00",
			"metrics": hs(map[string]any{"global": 91})},
	}}
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "error": "Unauthorized", "message": "Invalid API key"})
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/company/all" {
		writeJSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "error": "Not Found"})
		return
	}
	q := r.URL.Query()
	page, per := 1, 10
	var err error
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "page must be a positive integer"})
			return
		}
	}
	if v := q.Get("itemsPerPage"); v != "" {
		if per, err = strconv.Atoi(v); err != nil || per < 1 || per > 500 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "itemsPerPage must be 1-500"})
			return
		}
	}
	f.mu.Lock()
	f.queries = append(f.queries, q)
	all := slices.Clone(f.companies)
	f.mu.Unlock()
	start := min((page-1)*per, len(all))
	end := min(start+per, len(all))
	writeJSON(w, http.StatusOK, map[string]any{"companies": all[start:end], "total": len(all)})
}

func (f *fake) seen() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
