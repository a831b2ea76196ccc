package hubspot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fake plays HubSpot's CRM v3 API as documented at developers.hubspot.com (owners, objects
// list, objects search): Bearer auth, list pages of at most 100 with paging.next.after,
// search pages of at most 200 with a result window (10,000 in HubSpot) past which a query
// answers 400, property values as strings or null, and associations on request.
type fake struct {
	mu         sync.Mutex
	token      string
	listPage   int // most results a list page carries (HubSpot: the limit, at most 100)
	searchPage int // most results a search page carries (HubSpot: the limit, at most 200)
	window     int // results one search query serves (HubSpot: 10,000)
	// emptyFirst makes the first list page of every type empty, with a next cursor.
	emptyFirst bool
	owners     []fakeOwner
	data       map[string]source // companies, contacts, deals

	// What the fake saw, for assertions.
	searches      []string // "type GTE from after"
	windowRefused int      // 400s for paging past the window
}

type fakeOwner struct{ ID, Email, First, Last string }

// fakeObject is a CRM record; Companies are its associated company ids, the first primary.
type fakeObject struct {
	ID        string
	Props     map[string]string
	Companies []string
}

// source holds a type's records, so the benchmark can generate 100,000 on the fly.
type source interface {
	Len() int
	At(i int) fakeObject
}

type objects []fakeObject

func (o objects) Len() int              { return len(o) }
func (o objects) At(i int) fakeObject   { return o[i] }
func (f *fake) objects(t string) source { return f.data[t] }

// update changes properties of a stored record (the test's edit in the HubSpot UI).
func (f *fake) update(typ, id string, props map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	objs := f.data[typ].(objects)
	for i := range objs {
		if objs[i].ID == id {
			for k, v := range props {
				objs[i].Props[k] = v
			}
			return
		}
	}
	panic("fake: no " + typ + " " + id)
}

func hubspotError(w http.ResponseWriter, status int, category, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": "error", "message": msg,
		"correlationId": "3c1f6a2e-5d0b-4a8e-9f51-0c7d2e1b6a90", "category": category})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		hubspotError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/owners":
		f.listOwners(w, r)
	case r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "crm" && parts[1] == "v3" && parts[2] == "objects" && f.data[parts[3]] != nil:
		f.list(w, r, parts[3])
	case r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "objects" && parts[4] == "search" && f.data[parts[3]] != nil:
		f.search(w, r, parts[3])
	default:
		hubspotError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func fakePaging(next int, more bool, link string) any {
	if !more {
		return nil
	}
	return map[string]any{"next": map[string]any{"after": strconv.Itoa(next), "link": link}}
}

func (f *fake) listOwners(w http.ResponseWriter, r *http.Request) {
	off, _ := strconv.Atoi(r.URL.Query().Get("after"))
	n := min(f.listPage, max(len(f.owners)-off, 0))
	var res []map[string]any
	for _, o := range f.owners[off : off+n] {
		res = append(res, map[string]any{"id": o.ID, "email": o.Email, "type": "PERSON", "firstName": o.First, "lastName": o.Last,
			"userId": 9586504, "createdAt": "2019-12-25T13:01:35.228Z", "updatedAt": "2023-08-22T13:40:26.790Z", "archived": false})
	}
	writeJSON(w, map[string]any{"results": res, "paging": fakePaging(off+n, off+n < len(f.owners), "")})
}

// modifiedOf is a record's last-modified property (contacts name it differently).
func modifiedOf(typ string) string {
	if typ == "contacts" {
		return "lastmodifieddate"
	}
	return "hs_lastmodifieddate"
}

// render is a record as the API returns it: only the requested properties (null when unset)
// plus hs_object_id, and associations when asked.
func render(typ string, o fakeObject, props []string, assoc bool) map[string]any {
	p := map[string]any{"hs_object_id": o.ID}
	for _, name := range props {
		if v, ok := o.Props[name]; ok {
			p[name] = v
		} else {
			p[name] = nil
		}
	}
	mod := o.Props[modifiedOf(typ)]
	out := map[string]any{"id": o.ID, "properties": p, "createdAt": "2024-01-10T09:00:00Z", "updatedAt": mod, "archived": false}
	if assoc && len(o.Companies) > 0 {
		singular := strings.TrimSuffix(typ, "s")
		var rs []map[string]string
		for i, c := range o.Companies {
			t := singular + "_to_company_unlabeled"
			if i == 0 {
				rs = append(rs, map[string]string{"id": c, "type": singular + "_to_company"})
			}
			rs = append(rs, map[string]string{"id": c, "type": t})
		}
		out["associations"] = map[string]any{"companies": map[string]any{"results": rs}}
	}
	return out
}

func (f *fake) list(w http.ResponseWriter, r *http.Request, typ string) {
	q := r.URL.Query()
	limit := 10
	if s := q.Get("limit"); s != "" {
		limit, _ = strconv.Atoi(s)
	}
	if limit < 1 || limit > 100 {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be between 1 and 100")
		return
	}
	src := f.objects(typ)
	after := q.Get("after")
	if f.emptyFirst && after == "" {
		writeJSON(w, map[string]any{"results": []any{}, "paging": fakePaging(0, true, "")})
		return
	}
	off, _ := strconv.Atoi(after)
	n := min(limit, f.listPage, max(src.Len()-off, 0))
	var props []string
	if s := q.Get("properties"); s != "" {
		props = strings.Split(s, ",")
	}
	res := make([]map[string]any, 0, n)
	for i := off; i < off+n; i++ {
		res = append(res, render(typ, src.At(i), props, q.Get("associations") == "companies"))
	}
	writeJSON(w, map[string]any{"results": res, "paging": fakePaging(off+n, off+n < src.Len(), "")})
}

type fakeSearch struct {
	FilterGroups []struct {
		Filters []struct {
			PropertyName string   `json:"propertyName"`
			Operator     string   `json:"operator"`
			Value        string   `json:"value"`
			Values       []string `json:"values"` // IN: at most 100
		} `json:"filters"`
	} `json:"filterGroups"`
	Sorts []struct {
		PropertyName string `json:"propertyName"`
		Direction    string `json:"direction"`
	} `json:"sorts"`
	Properties []string        `json:"properties"`
	Limit      int             `json:"limit"`
	After      json.RawMessage `json:"after"` // a string ("200") or a number
}

// when reads a datetime property or filter value: epoch ms or ISO 8601.
func when(s string) (int64, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UnixMilli(), err == nil
}

func matches(o fakeObject, name, op, value string) bool {
	v, ok := o.Props[name]
	if !ok || v == "" {
		return false // a record without the property never matches (contacts lack hs_lastmodifieddate)
	}
	a, okA := when(v)
	b, okB := when(value)
	if !okA || !okB {
		return op == "EQ" && v == value
	}
	switch op {
	case "GTE":
		return a >= b
	case "GT":
		return a > b
	case "LTE":
		return a <= b
	case "LT":
		return a < b
	case "EQ":
		return a == b
	}
	return false
}

func (f *fake) search(w http.ResponseWriter, r *http.Request, typ string) {
	var req fakeSearch
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	if req.Limit == 0 {
		req.Limit = 10
	}
	if req.Limit < 1 || req.Limit > 200 {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be between 1 and 200")
		return
	}
	for _, g := range req.FilterGroups {
		for _, fl := range g.Filters {
			if fl.Operator == "IN" && (len(fl.Values) == 0 || len(fl.Values) > 100) {
				hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR",
					fmt.Sprintf("There was a problem with the request. IN filters take 1 to 100 values, got %d.", len(fl.Values)))
				return
			}
		}
	}
	after := strings.Trim(string(req.After), `"`)
	off, _ := strconv.Atoi(after)
	from := ""
	for _, g := range req.FilterGroups {
		for _, fl := range g.Filters {
			from += fl.PropertyName + " " + fl.Operator + " " + fl.Value + strings.Join(fl.Values, ",")
		}
	}
	f.searches = append(f.searches, fmt.Sprintf("%s %s after=%s", typ, from, after))
	if off >= f.window {
		f.windowRefused++
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR",
			fmt.Sprintf("There was a problem with the request. Search results are limited to %d; narrow the query.", f.window))
		return
	}
	src := f.objects(typ)
	var hits []fakeObject
	for i := range src.Len() {
		o := src.At(i)
		ok := len(req.FilterGroups) == 0
		for _, g := range req.FilterGroups { // groups OR, filters AND
			all := true
			for _, fl := range g.Filters {
				if fl.Operator == "IN" {
					all = all && slices.Contains(fl.Values, o.Props[fl.PropertyName])
					continue
				}
				all = all && matches(o, fl.PropertyName, fl.Operator, fl.Value)
			}
			ok = ok || all
		}
		if ok {
			hits = append(hits, o)
		}
	}
	for _, s := range req.Sorts {
		slices.SortStableFunc(hits, func(a, b fakeObject) int {
			x, _ := when(a.Props[s.PropertyName])
			y, _ := when(b.Props[s.PropertyName])
			if s.Direction == "DESCENDING" {
				x, y = y, x
			}
			return int(min(max(x-y, -1), 1))
		})
	}
	end := min(off+req.Limit, off+f.searchPage, len(hits), f.window)
	res := []map[string]any{}
	for _, o := range hits[min(off, len(hits)):max(end, min(off, len(hits)))] {
		res = append(res, render(typ, o, req.Properties, false))
	}
	writeJSON(w, map[string]any{"total": len(hits), "results": res, "paging": fakePaging(end, end < len(hits), "")})
}

// Test portal data. The clock is connectortest.Clock (2026-11-16T06:00Z).
func newFake() *fake {
	company := func(id, name, domain, owner, mod string, extra map[string]string) fakeObject {
		p := map[string]string{"name": name, "hubspot_owner_id": owner, "hs_lastmodifieddate": mod, "createdate": "2024-01-10T09:00:00Z"}
		if domain != "" {
			p["domain"] = domain
		}
		for k, v := range extra {
			p[k] = v
		}
		return fakeObject{ID: id, Props: p}
	}
	contact := func(id, email, first, last, title, mod string, companies []string, extra map[string]string) fakeObject {
		p := map[string]string{"email": email, "firstname": first, "lastname": last, "jobtitle": title,
			"lastmodifieddate": mod, "hs_email_optout": "false"}
		if len(companies) > 0 {
			p["associatedcompanyid"] = companies[0]
		}
		for k, v := range extra {
			p[k] = v
		}
		return fakeObject{ID: id, Props: p, Companies: companies}
	}
	deal := func(id, dealtype, stage, closed string, companies ...string) fakeObject {
		won := strconv.FormatBool(stage == "closedwon" || stage == "1284735")
		return fakeObject{ID: id, Companies: companies, Props: map[string]string{"dealname": "Deal " + id, "dealtype": dealtype,
			"dealstage": stage, "hs_is_closed_won": won, "closedate": closed, "amount": "12000", "pipeline": "default",
			"hs_lastmodifieddate": "2026-10-01T12:00:00Z"}}
	}
	return &fake{
		token: "pat-na1-test", listPage: 2, searchPage: 2, window: 10000,
		owners: []fakeOwner{{"101", "dana@acme-saas.io", "Dana", "Scully"}, {"102", "Fox.Mulder@acme-saas.io", "Fox", "Mulder"},
			{"103", "walter@acme-saas.io", "Walter", "Skinner"}},
		data: map[string]source{
			"companies": objects{
				// Datetime properties come back as ISO 8601 strings in v3; hs_analytics_source as
				// its internal enum value.
				company("9001", "Acme Corp", "acme.io", "101", "2026-11-01T10:00:00Z", map[string]string{"industry": "COMPUTER_SOFTWARE",
					"lifecyclestage": "customer", "numberofemployees": "250", "total_revenue": "125000.50", "health_score_custom": "87",
					"mrr": "4200", "plan_tier": "enterprise", "hs_lifecyclestage_customer_date": "2024-02-01T23:30:00.000Z",
					"hs_analytics_source": "ORGANIC_SEARCH", "lead_channel": "Partner Referral"}),
				// No customer date: the earliest won deal (703, 2025-10-01) stands in.
				company("9002", "Globex", "https://www.globex.com/", "102", "2026-11-02T10:00:00Z", map[string]string{
					"lifecyclestage": "customer", "total_revenue": "", "health_score_custom": "72", "mrr": "1500",
					"hs_analytics_source": "REFERRALS", "industry": "FINANCIAL_SERVICES"}),
				company("9003", "Initech", "initech.com", "999", "2026-11-03T10:00:00Z", map[string]string{
					"total_revenue": "n/a", "health_score_custom": "55", "hs_analytics_source": "PAID_SOCIAL"}),
				company("9004", "Umbrella", "", "", "2026-11-04T10:00:00Z", map[string]string{"total_revenue": "9000"}),
				// No domain of its own: its contacts (primary company 9004) are at umbrella.com.
				company("9006", "Solo Studio", "", "101", "2026-10-20T10:00:00Z", nil), // free-mail contacts only
				company("9005", "Hooli", "hooli.com", "101", "2026-11-05T10:00:00Z", map[string]string{"lifecyclestage": "opportunity"}),
			},
			"contacts": objects{
				contact("501", "jane@acme.io", "Jane", "Doe", "VP Customer Success", "2026-11-01T11:00:00Z", []string{"9001"},
					map[string]string{"advocate_champion": "true"}),
				{ID: "502", Companies: []string{"9001"}, Props: map[string]string{"email": "BOB@acme.io", "firstname": "Bob", "lastname": "Smith",
					"jobtitle": "Engineer", "lastmodifieddate": "2026-11-02T11:00:00Z", "hs_email_optout": "true"}}, // company by association only
				contact("503", "ann@globex.com", "Ann", "Lee", "CTO", "2026-11-03T11:00:00Z", []string{"9002", "9005"}, nil),
				contact("504", "", "No", "Email", "Buyer", "2026-11-04T11:00:00Z", []string{"9003"}, nil),
				contact("505", "lead@gmail.com", "Lee", "Prospect", "", "2026-11-05T11:00:00Z", nil, nil),
				contact("507", "alice@umbrella.com", "Alice", "Wesker", "COO", "2026-10-21T11:00:00Z", []string{"9004"}, nil),
				contact("508", "chris@umbrella.com", "Chris", "Redfield", "", "2026-10-21T12:00:00Z", []string{"9004"}, nil),
				contact("509", "jill.valentine@gmail.com", "Jill", "Valentine", "", "2026-10-21T13:00:00Z", []string{"9004"}, nil),
				contact("510", "solo.founder@gmail.com", "Sam", "Solo", "Founder", "2026-10-21T14:00:00Z", []string{"9006"}, nil),
				contact("506", "peter@initech.com", "Peter", "Gibbons", "Programmer", "2026-11-06T11:00:00Z", []string{"9003"}, nil),
			},
			"deals": objects{
				deal("701", "existingbusiness", "closedwon", "2026-03-01T00:00:00Z", "9001"),
				deal("702", "existingbusiness", "closedwon", "2026-09-15T00:00:00Z", "9001"),
				deal("703", "existingbusiness", "closedwon", "2025-10-01T00:00:00Z", "9002"), // 13.5 months ago
				deal("704", "newbusiness", "closedwon", "2026-05-01T00:00:00Z", "9002"),
				deal("705", "existingbusiness", "appointmentscheduled", "2026-06-01T00:00:00Z", "9002"),
				deal("706", "existingbusiness", "1284735", "2026-07-01T00:00:00Z", "9003"),   // won stage of a custom pipeline
				deal("707", "existingbusiness", "closedwon", "2026-06-01T00:00:00Z"),         // no company
				deal("708", "existingbusiness", "closedwon", "2026-12-20T00:00:00Z", "9005"), // closes in the future
			},
		},
	}
}
