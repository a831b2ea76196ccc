package zendesk

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The fake plays the three Zendesk Support endpoints the connector uses, with the shapes of the
// API reference (developer.zendesk.com/api-reference):
//
//   - GET /api/v2/incremental/tickets/cursor.json?start_time=|cursor=&per_page=&exclude_deleted=
//     -> {tickets, after_url, after_cursor, before_url, before_cursor, end_of_stream}
//   - GET /api/v2/search/export.json?query=&filter[type]=ticket&page[size]=&page[after]=
//     -> {results, facets, meta:{has_more, after_cursor, before_cursor}, links:{prev, next}}
//   - GET /api/v2/organizations.json?page[size]=&page[after]=
//     -> {organizations, meta:{...}, links:{...}}
//
// Every request needs Basic auth "{email}/token:{token}"; anything else is a 401 with
// Zendesk's {"error": "Couldn't authenticate you"}.

const (
	fakeEmail = "agent@acme.io"
	fakeToken = "zd-secret"
)

type obj = map[string]any

type fake struct {
	mu sync.Mutex
	// export is the incremental stream in updated_at order; a ticket updated during an export
	// appears twice, as Zendesk does.
	export []obj
	// all is every ticket's current state, for search.
	all  []obj
	orgs []obj
	// emptyFirst makes the export begin with an empty page that is not the end of the stream.
	emptyFirst bool
	// startTimes records the start_time of each export begun.
	startTimes []int64
}

func ts(s string) string { return s + "T10:00:00Z" }

func tk(id int, org any, status, priority, created, updated, score string) obj {
	var rating any
	if score != "" {
		rating = obj{"score": score, "id": id * 10, "comment": nil}
	}
	var prio any
	if priority != "" {
		prio = priority
	}
	return obj{"url": fmt.Sprintf("https://acme.zendesk.com/api/v2/tickets/%d.json", id), "id": id, "external_id": nil,
		"type": "question", "subject": fmt.Sprintf("Ticket %d", id), "status": status, "priority": prio,
		"requester_id": 9000 + id, "organization_id": org, "group_id": 55, "tags": []string{},
		"created_at": ts(created), "updated_at": ts(updated), "satisfaction_rating": rating}
}

func org(id int, name string, domains []string, ext any, tags []string) obj {
	return obj{"url": fmt.Sprintf("https://acme.zendesk.com/api/v2/organizations/%d.json", id), "id": id, "name": name,
		"shared_tickets": false, "shared_comments": false, "external_id": ext, "created_at": "2024-01-05T09:00:00Z",
		"updated_at": "2026-10-01T09:00:00Z", "domain_names": domains, "details": "", "notes": "", "group_id": nil,
		"tags": tags, "organization_fields": obj{}}
}

// newFake holds the test account, as of connectortest.Clock (2026-11-16 06:00 UTC; the window
// starts 2026-08-18 06:00 UTC). Expected counts are in wantSignals.
func newFake() *fake {
	t3open := tk(3, 101, "open", "normal", "2026-11-01", "2026-11-01", "")
	t3solved := tk(3, 101, "solved", "normal", "2026-11-01", "2026-11-14", "bad")
	t1 := tk(1, 101, "solved", "high", "2026-09-01", "2026-09-03", "good")
	t2 := tk(2, 101, "open", "urgent", "2026-10-10", "2026-11-02", "offered")
	t4 := tk(4, 102, "pending", "low", "2026-11-10", "2026-11-10", "unoffered")
	t5 := tk(5, nil, "new", "", "2026-11-11", "2026-11-11", "")
	t6 := tk(6, 104, "hold", "urgent", "2026-06-01", "2026-09-20", "good") // created before the window
	t7 := tk(7, 104, "closed", "high", "2026-10-05", "2026-10-20", "good")
	t8 := tk(8, 105, "solved", "normal", "2026-08-18", "2026-08-19", "") // 04:00 the day the window opens at 06:00
	t8["created_at"] = "2026-08-18T04:00:00Z"
	t9 := tk(9, 103, "deleted", "urgent", "2026-11-15", "2026-11-15", "")
	t10 := tk(10, 105, "open", "normal", "2025-01-01", "2025-06-01", "") // open, untouched for a year
	return &fake{
		export: []obj{t8, t1, t6, t7, t3open, t2, t4, t5, t3solved, t9},
		all:    []obj{t1, t2, t3solved, t4, t5, t6, t7, t8, t9, t10},
		orgs: []obj{
			org(101, "Acme Inc", []string{"acme.io", "acme.com"}, "CRM-1", []string{"enterprise", "emea"}),
			org(102, "Globex", []string{"https://www.Globex.com/"}, nil, []string{}),
			org(103, "Initech", []string{}, nil, nil),
			org(104, "Umbrella", []string{"umbrella.co"}, "", []string{"smb"}),
			org(105, "Hooli", []string{"hooli.xyz"}, nil, []string{}),
		},
	}
}

// wantSignals is what the fake's data must produce, by organization name.
var wantSignals = map[string]map[string]float64{
	"Acme Inc": {"tickets_90d": 3, "escalations_90d": 2, "tickets_open": 1, "csat": 50},
	"Globex":   {"tickets_90d": 1, "escalations_90d": 0, "tickets_open": 1},
	"Initech":  {"tickets_90d": 0, "escalations_90d": 0, "tickets_open": 0},
	"Umbrella": {"tickets_90d": 1, "escalations_90d": 1, "tickets_open": 1, "csat": 100},
	"Hooli":    {"tickets_90d": 0, "escalations_90d": 0, "tickets_open": 1},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(fakeEmail+"/token:"+fakeToken))
	if r.Header.Get("Authorization") != want {
		writeJSON(w, http.StatusUnauthorized, obj{"error": "Couldn't authenticate you"})
		return
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, obj{"error": "MethodNotAllowed"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/api/v2/incremental/tickets/cursor.json":
		f.ticketExport(w, r)
	case "/api/v2/search/export.json":
		q := r.URL.Query()
		if q.Get("filter[type]") != "ticket" || q.Get("query") != "status<solved" {
			writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidSearch", "description": "unexpected query " + r.URL.RawQuery})
			return
		}
		var open []obj
		for _, t := range f.all {
			if s := t["status"].(string); s != "solved" && s != "closed" && s != "deleted" {
				open = append(open, withType(t))
			}
		}
		f.cursorList(w, r, "results", open, 1000)
	case "/api/v2/organizations.json":
		f.cursorList(w, r, "organizations", f.orgs, 100)
	default:
		writeJSON(w, http.StatusNotFound, obj{"error": "InvalidEndpoint", "description": "Not found"})
	}
}

func withType(t obj) obj {
	out := obj{"result_type": "ticket"}
	for k, v := range t {
		out[k] = v
	}
	return out
}

// ticketExport serves the cursor-based incremental export. Cursors are opaque to clients; here
// they encode the stream offset.
func (f *fake) ticketExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 || per > 1000 {
		per = 1000
	}
	stream := f.export
	if q.Get("exclude_deleted") == "true" {
		stream = nil
		for _, t := range f.export {
			if t["status"] != "deleted" {
				stream = append(stream, t)
			}
		}
	}
	off := 0
	switch {
	case q.Get("cursor") != "":
		raw, err := base64.RawURLEncoding.DecodeString(q.Get("cursor"))
		if _, scanErr := fmt.Sscanf(string(raw), "off:%d", &off); err != nil || scanErr != nil || off > len(stream) {
			writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidCursor"})
			return
		}
	case q.Get("start_time") != "":
		start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidValue", "description": "start_time"})
			return
		}
		f.startTimes = append(f.startTimes, start)
		for off < len(stream) && parseTS(stream[off]["updated_at"]).Unix() < start {
			off++
		}
		if f.emptyFirst {
			cur := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "off:%d", off))
			writeJSON(w, http.StatusOK, obj{"tickets": []obj{}, "after_cursor": cur, "after_url": "x?cursor=" + cur,
				"before_cursor": nil, "before_url": nil, "end_of_stream": false})
			return
		}
	default:
		writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidValue", "description": "start_time or cursor is required"})
		return
	}
	end := min(off+per, len(stream))
	cur := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "off:%d", end))
	writeJSON(w, http.StatusOK, obj{"tickets": stream[off:end], "after_cursor": cur,
		"after_url":     "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=" + cur,
		"before_cursor": nil, "before_url": nil, "end_of_stream": end == len(stream)})
}

func parseTS(v any) time.Time {
	t, _ := time.Parse(time.RFC3339, v.(string))
	return t
}

// cursorList serves a list endpoint with Zendesk's cursor pagination.
func (f *fake) cursorList(w http.ResponseWriter, r *http.Request, key string, items []obj, maxSize int) {
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("page[size]"))
	if err != nil || size < 1 || size > maxSize {
		writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidPaginationParameter", "description": "page[size]"})
		return
	}
	off := 0
	if a := q.Get("page[after]"); a != "" {
		if _, err := fmt.Sscanf(a, "aft%d", &off); err != nil || off > len(items) {
			writeJSON(w, http.StatusBadRequest, obj{"error": "InvalidPaginationParameter", "description": "page[after]"})
			return
		}
	}
	end := min(off+size, len(items))
	more := end < len(items)
	meta := obj{"has_more": more, "after_cursor": nil, "before_cursor": fmt.Sprintf("bef%d", off)}
	links := obj{"prev": nil, "next": nil}
	if more {
		meta["after_cursor"] = fmt.Sprintf("aft%d", end)
		links["next"] = "https://acme.zendesk.com" + r.URL.Path + "?page[after]=" + fmt.Sprintf("aft%d", end)
	}
	page := items[off:end]
	if page == nil {
		page = []obj{}
	}
	body := obj{key: page, "meta": meta, "links": links}
	if key == "results" {
		body["facets"] = nil
	}
	writeJSON(w, http.StatusOK, body)
}
