package intercom

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fake plays the Intercom REST API 2.11 endpoints the connector uses, with the shapes of
// developers.intercom.com's reference:
//
//   - POST /conversations/search {query, pagination:{per_page, starting_after}}
//     -> {type:"conversation.list", conversations, total_count, pages:{type, page, per_page, total_pages, next:{page, starting_after}}}
//   - POST /contacts/search {query:{field:"id", operator:"IN", value:[ids]}, pagination:{per_page ≤ 150, starting_after}}
//     -> {type:"list", data:[contact], total_count, pages:{type, page, per_page, total_pages, next}};
//     a contact created minutes ago is not in the search index yet (unindexed)
//   - GET /contacts/{id} -> contact with companies:{type:"list", data:[{type, id, url}], url, total_count, has_more};
//     404 {type:"error.list", errors:[{code:"not_found"}]} for a deleted contact
//   - GET /companies/scroll[?scroll_param=] -> {type:"list", data, pages:null, total_count:null, scroll_param};
//     one open scroll per workspace (400 scroll_exists), an empty page at the end closes it, a
//     stale scroll_param is 404 not_found.
//   - GET /companies/{id}/contacts?page=&per_page= -> {type:"list", data:[contact], total_count,
//     pages:{type, page, per_page, total_pages}} (List attached contacts)
//
// Every request needs "Authorization: Bearer <token>" (else 401 unauthorized) and the
// Intercom-Version header the connector is configured with. Every authenticated answer carries
// X-RateLimit-Limit (fakeRateLimit), X-RateLimit-Remaining (one fewer per request) and
// X-RateLimit-Reset (Unix seconds); over the limit Intercom answers 429 with the same headers
// and no Retry-After.

const (
	fakeToken          = "ic-secret"
	fakeScrollPageSize = 2 // companies per scroll page
)

type obj = map[string]any

type fake struct {
	mu            sync.Mutex
	conversations []obj
	contacts      map[string]obj
	companies     []obj

	// Scroll state.
	scrollOpen   bool
	scrollParam  string
	scrollOff    int
	scrollGen    int
	scrollStarts int
	// othersScroll: another client holds the workspace's scroll; it expires after one refusal
	// (standing in for the minute the connector waits).
	othersScroll bool
	// expireAfter, when > 0, expires the scroll once after that many pages.
	expireAfter int
	// restartAfter, when > 0, breaks the scroll once after that many pages with Intercom's
	// "Please restart the scroll operation" 500, for every retry of that scroll_param.
	restartAfter int
	broken       string
	pagesServed  int

	// bodies records every search request body; versions every Intercom-Version header.
	bodies   []map[string]any
	versions []string

	// unindexed contacts are not found by contact search yet, only by GET.
	unindexed map[string]bool
	// contactSearches and contactGets count the contact calls; served counts every request.
	contactSearches, contactGets, served int
	// limitContactSearch, when > 0, answers that contact search (1-based) with 429 and a
	// reset resetIn from now (the test clock).
	limitContactSearch int
	resetIn            time.Duration
	now                func() time.Time
	// truncateContactSearch, when > 0, cuts that contact search's answer off mid-body.
	truncateContactSearch int
	// companyContactLists counts GET /companies/{id}/contacts.
	companyContactLists int
}

// companyContacts answers GET /companies/{id}/contacts?page=&per_page= (List attached
// contacts): the contacts attached to the company, in pages, with pages.total_pages; 404 for an
// unknown company.
func (f *fake) companyContacts(w http.ResponseWriter, r *http.Request, id string) {
	if !slices.ContainsFunc(f.companies, func(co obj) bool { return co["id"] == id }) {
		apiError(w, http.StatusNotFound, "company_not_found", "Company Not Found")
		return
	}
	page, per := 1, 15
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil {
		page = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil {
		per = v
	}
	if page < 1 || per < 1 || per > 150 {
		apiError(w, http.StatusBadRequest, "parameter_invalid", "page must be ≥ 1 and per_page between 1 and 150")
		return
	}
	var all []obj
	for _, cid := range slices.Sorted(maps.Keys(f.contacts)) {
		for _, co := range f.contacts[cid]["companies"].(obj)["data"].([]obj) {
			if co["id"] == id {
				all = append(all, f.contacts[cid])
			}
		}
	}
	from, to := min((page-1)*per, len(all)), min(page*per, len(all))
	data := all[from:to]
	if data == nil {
		data = []obj{}
	}
	writeJSON(w, http.StatusOK, obj{"type": "list", "data": data, "total_count": len(all),
		"pages": obj{"type": "pages", "page": page, "per_page": per, "total_pages": (len(all) + per - 1) / per}})
}

const fakeRateLimit = 167

func day(s string) int64 {
	t, err := time.Parse(time.RFC3339, s+"T10:00:00Z")
	if err != nil {
		t, _ = time.Parse(time.RFC3339, s)
	}
	return t.Unix()
}

func conv(id, created, state, priority string, rating int, contactIDs ...string) obj {
	var refs []obj
	for _, c := range contactIDs {
		refs = append(refs, obj{"type": "contact", "id": c, "external_id": "ext-" + c})
	}
	var r any
	if rating > 0 {
		r = obj{"rating": rating, "remark": "", "created_at": day(created) + 3600,
			"contact": obj{"type": "contact", "id": contactIDs[0]}, "teammate": obj{"type": "admin", "id": "77"}}
	}
	return obj{"type": "conversation", "id": id, "title": nil, "created_at": day(created), "updated_at": day(created) + 7200,
		"waiting_since": nil, "snoozed_until": nil, "open": state != "closed", "state": state, "read": true, "priority": priority,
		"admin_assignee_id": nil, "team_assignee_id": nil, "tags": obj{"type": "tag.list", "tags": []obj{}},
		"conversation_rating": r, "source": obj{"type": "conversation", "id": "src-" + id, "delivered_as": "customer_initiated"},
		"contacts": obj{"type": "contact.list", "contacts": refs}}
}

func contact(id, email string, companies ...string) obj {
	var data []obj
	for _, c := range companies {
		data = append(data, obj{"type": "company", "id": c, "url": "/companies/" + c})
	}
	if data == nil {
		data = []obj{}
	}
	return obj{"type": "contact", "id": id, "workspace_id": "ws1", "role": "user", "email": email,
		"companies": obj{"type": "list", "data": data, "url": "/contacts/" + id + "/companies", "total_count": len(data), "has_more": false}}
}

func fakeCompany(id, name, website, industry string, size int, plan any, companyID string) obj {
	return obj{"type": "company", "id": id, "name": name, "app_id": "ws1", "company_id": companyID, "remote_created_at": 1600000000,
		"created_at": 1600000000, "updated_at": 1790000000, "website": website, "industry": industry, "size": size,
		"monthly_spend": 0, "session_count": 0, "user_count": 1, "plan": plan, "custom_attributes": obj{},
		"tags": obj{"type": "tag.list", "tags": []obj{}}, "segments": obj{"type": "segment.list", "segments": []obj{}}}
}

// newFake holds the test workspace as of connectortest.Clock; wantSignals lists what it must produce.
func newFake() *fake {
	k7 := conv("k7", "2026-08-18", "closed", "not_priority", 0, "u5")
	k7["created_at"] = day("2026-08-18T04:00:00Z") // two hours before the window opens
	f := &fake{
		conversations: []obj{
			conv("k1", "2026-09-01", "closed", "priority", 5, "u1"),
			conv("k2", "2026-10-10", "open", "not_priority", 0, "u2"),
			conv("k3", "2026-11-01", "closed", "not_priority", 1, "u1"),
			conv("k4", "2026-11-10", "open", "not_priority", 0, "u3"),
			conv("k5", "2026-06-01", "snoozed", "priority", 0, "u4"),
			conv("k6", "2026-10-05", "closed", "priority", 0, "u4", "u1"),
			k7,
			conv("k8", "2026-11-12", "open", "not_priority", 0, "u9"),
			conv("k9", "2025-01-01", "open", "not_priority", 0, "u5"),
			conv("k10", "2026-11-05", "closed", "not_priority", 4, "u4"),
		},
		contacts: map[string]obj{
			"u1": contact("u1", "ann@acme.io", "c1"),
			"u2": contact("u2", "bob@globex.com", "c1", "c2"),
			"u3": contact("u3", "lead@gmail.com"),
			"u4": contact("u4", "cy@umbrella.co", "c4"),
			"u5": contact("u5", "dee@hooli.xyz", "c5"),
			// Stark has no website: its attached contacts' work addresses give stark.example.
			"u6": contact("u6", "tony@stark.example", "c6"),
			"u7": contact("u7", "pepper@stark.example", "c6"),
			"u8": contact("u8", "happy.hogan@gmail.com", "c6"),
		},
		companies: []obj{
			fakeCompany("c1", "Acme Inc", "https://www.acme.io", "Software", 120, obj{"type": "plan", "id": "p1", "name": "Enterprise"}, "acct-1"),
			fakeCompany("c2", "Globex", "globex.com", "", 0, nil, ""),
			fakeCompany("c3", "Initech", "", "Consulting", 40, obj{}, "acct-3"),
			fakeCompany("c4", "Umbrella", "umbrella.co", "Pharma", 5000, obj{"type": "plan", "id": "p2", "name": "Pro"}, "acct-4"),
			fakeCompany("c5", "Hooli", "http://hooli.xyz/about", "", 0, nil, ""),
			fakeCompany("c6", "Stark", "", "", 0, nil, ""),
		},
	}
	// remote_created_at is when the company was created in the customer's product (Unix
	// seconds); integrations that do not send it leave it out. created_at is when Intercom
	// first saw the company.
	f.companies[0]["remote_created_at"] = 1_650_000_000 // 2022-04-15
	f.companies[0]["custom_attributes"] = obj{"signup_channel": "Paid Search", "became_customer": "2021-01-05"}
	f.companies[3]["custom_attributes"] = obj{"signup_channel": "REFERRALS", "became_customer": 1_500_000_000}
	delete(f.companies[1], "remote_created_at")
	f.companies[4]["remote_created_at"] = nil
	return f
}

var wantSignals = map[string]map[string]float64{
	"Acme Inc": {"tickets_90d": 4, "escalations_90d": 2, "tickets_open": 1, "csat": 50},
	"Globex":   {"tickets_90d": 1, "escalations_90d": 0, "tickets_open": 1},
	// Initech has neither a website nor contacts: skipped, no customer.
	"Stark":    {"tickets_90d": 0, "escalations_90d": 0, "tickets_open": 0},
	"Umbrella": {"tickets_90d": 2, "escalations_90d": 1, "tickets_open": 1, "csat": 100},
	"Hooli":    {"tickets_90d": 0, "escalations_90d": 0, "tickets_open": 1},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, obj{"type": "error.list", "request_id": "req-1", "errors": []obj{{"code": code, "message": msg}}})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+fakeToken {
		apiError(w, http.StatusUnauthorized, "unauthorized", "Access Token Invalid")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.served++
	now := time.Now()
	if f.now != nil {
		now = f.now()
	}
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(fakeRateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(fakeRateLimit-f.served, 0)))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(10*time.Second).Unix(), 10))
	f.versions = append(f.versions, r.Header.Get("Intercom-Version"))
	if r.Header.Get("Intercom-Version") == "" {
		apiError(w, http.StatusBadRequest, "intercom_version_invalid", "Requested version is not valid")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/conversations/search":
		f.search(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/contacts/search":
		f.contactSearches++
		switch f.contactSearches {
		case f.limitContactSearch:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(f.resetIn).Unix(), 10))
			apiError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Exceeded rate limit of 167 in 10_seconds")
			return
		case f.truncateContactSearch:
			truncate(w)
			return
		}
		f.searchContacts(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/contacts/"):
		f.contactGets++
		c, ok := f.contacts[strings.TrimPrefix(r.URL.Path, "/contacts/")]
		if !ok {
			apiError(w, http.StatusNotFound, "not_found", "User Not Found")
			return
		}
		writeJSON(w, http.StatusOK, c)
	case r.Method == http.MethodGet && r.URL.Path == "/companies/scroll":
		f.scroll(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/companies/") && strings.HasSuffix(r.URL.Path, "/contacts"):
		f.companyContactLists++
		f.companyContacts(w, r, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/companies/"), "/contacts"))
	default:
		apiError(w, http.StatusNotFound, "not_found", "Resource Not Found")
	}
}

func (f *fake) search(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query      map[string]any `json:"query"`
		Pagination struct {
			PerPage       int    `json:"per_page"`
			StartingAfter string `json:"starting_after"`
		} `json:"pagination"`
	}
	raw := map[string]any{}
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		apiError(w, http.StatusBadRequest, "parameter_invalid", "Invalid JSON")
		return
	}
	f.bodies = append(f.bodies, raw)
	b, _ := json.Marshal(raw)
	json.Unmarshal(b, &body)
	var hits []obj
	for _, c := range f.conversations {
		ok, err := match(body.Query, c)
		if err != nil {
			apiError(w, http.StatusBadRequest, "query_invalid", err.Error())
			return
		}
		if ok {
			hits = append(hits, c)
		}
	}
	per := body.Pagination.PerPage
	if per < 1 || per > 150 {
		per = 20
	}
	off := 0
	if s := body.Pagination.StartingAfter; s != "" {
		if _, err := fmt.Sscanf(s, "WzE3%d", &off); err != nil || off > len(hits) {
			apiError(w, http.StatusBadRequest, "parameter_invalid", "starting_after is invalid")
			return
		}
	}
	end := min(off+per, len(hits))
	pages := obj{"type": "pages", "page": off/per + 1, "per_page": per, "total_pages": (len(hits) + per - 1) / per}
	if end < len(hits) {
		pages["next"] = obj{"page": off/per + 2, "starting_after": fmt.Sprintf("WzE3%d", end)}
	}
	page := hits[off:end]
	if page == nil {
		page = []obj{}
	}
	writeJSON(w, http.StatusOK, obj{"type": "conversation.list", "pages": pages, "total_count": len(hits), "conversations": page})
}

// searchContacts answers a contact search by id: {field:"id", operator:"IN"|"=", value}.
func (f *fake) searchContacts(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query struct {
			Field    string `json:"field"`
			Operator string `json:"operator"`
			Value    any    `json:"value"`
		} `json:"query"`
		Pagination struct {
			PerPage       int    `json:"per_page"`
			StartingAfter string `json:"starting_after"`
		} `json:"pagination"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "parameter_invalid", "Invalid JSON")
		return
	}
	q := body.Query
	var ids []string
	switch v := q.Value.(type) {
	case []any:
		for _, x := range v {
			s, _ := x.(string)
			ids = append(ids, s)
		}
	case string:
		ids = []string{v}
	}
	if q.Field != "id" || (q.Operator != "IN" && q.Operator != "=") || len(ids) == 0 {
		apiError(w, http.StatusBadRequest, "query_invalid", fmt.Sprintf("unsupported contact query %+v", q))
		return
	}
	per := body.Pagination.PerPage
	if per == 0 {
		per = 50
	}
	if per < 1 || per > 150 {
		apiError(w, http.StatusBadRequest, "parameter_invalid", "per_page must be between 1 and 150")
		return
	}
	var hits []obj
	for _, id := range ids {
		if c, ok := f.contacts[id]; ok && !f.unindexed[id] {
			hits = append(hits, c)
		}
	}
	off := 0
	if s := body.Pagination.StartingAfter; s != "" {
		if _, err := fmt.Sscanf(s, "Y3Q%d", &off); err != nil || off > len(hits) {
			apiError(w, http.StatusBadRequest, "parameter_invalid", "starting_after is invalid")
			return
		}
	}
	end := min(off+per, len(hits))
	pages := obj{"type": "pages", "page": off/per + 1, "per_page": per, "total_pages": (len(hits) + per - 1) / per}
	if end < len(hits) {
		pages["next"] = obj{"page": off/per + 2, "starting_after": fmt.Sprintf("Y3Q%d", end)}
	}
	data := hits[off:end]
	if data == nil {
		data = []obj{}
	}
	writeJSON(w, http.StatusOK, obj{"type": "list", "data": data, "total_count": len(hits), "pages": pages})
}

// truncate sends a 200 whose JSON body stops halfway and closes the connection, as a dropped
// connection does: no Content-Length, so only the cut-off JSON tells.
func truncate(w http.ResponseWriter) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
	buf.WriteString(`{"type":"list","data":[{"type":"contact","id":"u1","companies":{"type":"list","data":[{"type":"com`)
	buf.Flush()
}

// match evaluates the subset of Intercom's search query language the connector uses.
func match(q map[string]any, c obj) (bool, error) {
	op, _ := q["operator"].(string)
	if op == "AND" || op == "OR" {
		subs, _ := q["value"].([]any)
		if len(subs) == 0 {
			return false, fmt.Errorf("%s needs a list of filters", op)
		}
		for _, s := range subs {
			m, _ := s.(map[string]any)
			ok, err := match(m, c)
			if err != nil {
				return false, err
			}
			if ok == (op == "OR") {
				return ok, nil
			}
		}
		return op == "AND", nil
	}
	field, _ := q["field"].(string)
	switch field {
	case "created_at", "updated_at":
		var want int64
		switch v := q["value"].(type) {
		case string:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return false, fmt.Errorf("%s: %q is not a timestamp", field, v)
			}
			want = n
		case float64:
			want = int64(v)
		default:
			return false, fmt.Errorf("%s: bad value", field)
		}
		got := c[field].(int64)
		switch op {
		case ">":
			return got > want, nil
		case "<":
			return got < want, nil
		case "=":
			return got == want, nil
		}
	case "state":
		want, _ := q["value"].(string)
		switch op {
		case "=":
			return c["state"] == want, nil
		case "!=":
			return c["state"] != want, nil
		}
	}
	return false, fmt.Errorf("unsupported filter %v", q)
}

func (f *fake) scroll(w http.ResponseWriter, r *http.Request) {
	param := r.URL.Query().Get("scroll_param")
	if param == "" {
		if f.othersScroll || f.scrollOpen {
			f.othersScroll, f.scrollOpen = false, false // expired by the time the caller retries
			apiError(w, http.StatusBadRequest, "scroll_exists", "scroll already exists for this workspace. Please ensure to use the scroll parameter for subsequent requests")
			return
		}
		f.scrollGen++
		f.scrollStarts++
		f.scrollOpen, f.scrollOff, f.pagesServed = true, 0, 0
		f.scrollParam = fmt.Sprintf("scroll-%d-%d", f.scrollGen, 0)
	} else {
		if param == f.broken {
			writeJSON(w, http.StatusInternalServerError, obj{"type": "error.list", "errors": []obj{{"code": "server_error",
				"message": "Request failed due to an internal network error. Please restart the scroll operation."}}})
			return
		}
		if !f.scrollOpen || param != f.scrollParam {
			apiError(w, http.StatusNotFound, "not_found", "scroll parameter not found")
			return
		}
		if f.expireAfter > 0 && f.pagesServed >= f.expireAfter {
			f.expireAfter, f.scrollOpen = 0, false
			apiError(w, http.StatusNotFound, "not_found", "scroll parameter not found")
			return
		}
		if f.restartAfter > 0 && f.pagesServed >= f.restartAfter {
			f.restartAfter, f.scrollOpen, f.broken = 0, false, param
			writeJSON(w, http.StatusInternalServerError, obj{"type": "error.list", "errors": []obj{{"code": "server_error",
				"message": "Request failed due to an internal network error. Please restart the scroll operation."}}})
			return
		}
	}
	end := min(f.scrollOff+fakeScrollPageSize, len(f.companies))
	data := f.companies[f.scrollOff:end]
	if len(data) == 0 {
		f.scrollOpen = false // the end of the scroll closes it
		data = []obj{}
	}
	f.scrollOff = end
	f.pagesServed++
	f.scrollParam = fmt.Sprintf("scroll-%d-%d", f.scrollGen, end)
	writeJSON(w, http.StatusOK, obj{"type": "list", "data": data, "pages": nil, "total_count": nil, "scroll_param": f.scrollParam})
}
