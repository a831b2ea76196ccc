package posthog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fake plays PostHog's query API as documented: "Authorization: Bearer <personal API key>";
// POST /api/projects/{project_id}/query/ with {"query":{"kind":"HogQLQuery","query":"…"}}
// answers {results: [[…]], columns: […], types, hasMore, limit, offset}, 100 rows unless the
// query has its own LIMIT.
//
// It is no HogQL engine. It holds raw events and reads from the query only what decides the
// answer — the group index, the window anchor (fromUnixTimestamp), the selected aliases, the
// group property, ORDER BY and LIMIT/OFFSET — then computes the aggregates itself: so a wrong
// window or a wrong page in the connector shows up as wrong numbers.
type fake struct {
	key     string
	project string

	mu      sync.Mutex
	events  []event
	groups  map[string]map[string]any // group_0 key -> properties
	queries []string
}

type event struct {
	group  string // $group_0
	person string
	at     time.Time
}

const (
	fakeKey     = "phx_test_key"
	fakeProject = "4242"
)

// anchor is the time the fake's data is laid out around; tests run at this clock.
var anchor = time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)

// add records n events by person at account, daysAgo days before anchor.
func (f *fake) add(account, person string, daysAgo float64, n int) {
	at := anchor.Add(-time.Duration(daysAgo * float64(24*time.Hour)))
	for range n {
		f.events = append(f.events, event{group: account, person: person, at: at})
	}
}

// newFake holds events for ten accounts within 60 days (one keyed by an internal id, not a
// domain), one account whose events are all older, and events without a group.
func newFake() *fake {
	f := &fake{key: fakeKey, project: fakeProject, groups: map[string]map[string]any{
		"org_77":  {"name": "Seventy Seven", "domain": "https://www.seventyseven.com"},
		"acme.io": {"name": "Acme", "domain": "acme.io"},
	}}
	f.add("acme.io", "p1", 1, 10)
	f.add("acme.io", "p2", 12, 10)
	f.add("acme.io", "p3", 29.5, 10) // inside the 30 days
	f.add("acme.io", "p4", 30.5, 20) // the window before: only counted there
	f.add("globex.com", "p5", 3, 6)
	f.add("globex.com", "p6", 4, 4)  // no earlier events: no trend
	f.add("initech.io", "p7", 45, 5) // quiet lately
	f.add("hooli.xyz", "p8", 2, 2)
	f.add("hooli.xyz", "p9", 2, 2)
	f.add("hooli.xyz", "p10", 2, 2)
	f.add("hooli.xyz", "p11", 2, 2)
	f.add("hooli.xyz", "p8", 40, 16)
	f.add("org_77", "p12", 5, 3)
	f.add("org_77", "p12", 35, 1)
	for i, d := range []string{"piedpiper.com", "soylent.com", "stark.com", "umbrella.co", "wayne.com"} {
		f.add(d, "q"+strconv.Itoa(i), 7, i+1)
		f.add(d, "q"+strconv.Itoa(i), 37, 2)
	}
	f.add("oldco.com", "p13", 61, 50) // older than both windows
	f.add("", "p14", 1, 9)            // not in any group
	f.add("acme.io", "p1", -1, 3)     // after the anchor: not yet
	return f
}

var (
	reGroup  = regexp.MustCompile(`SELECT \$group_(\d) AS account`)
	reAnchor = regexp.MustCompile(`fromUnixTimestamp\((\d+)\)`)
	reAlias  = regexp.MustCompile(`\bAS (\w+)`)
	reProp   = regexp.MustCompile(`any\(group_(\d)\.properties\.([A-Za-z0-9_$]+)\) AS domain`)
	reLimit  = regexp.MustCompile(`LIMIT (\d+)(?: OFFSET (\d+))?\s*$`)
)

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.key {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"type": "authentication_error", "code": "authentication_failed", "detail": "Invalid personal API key.", "attr": nil})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/projects/"+f.project+"/query/" {
		writeJSON(w, http.StatusNotFound, map[string]any{"type": "invalid_request", "code": "not_found", "detail": "Not found."})
		return
	}
	var body struct {
		Query struct {
			Kind  string `json:"kind"`
			Query string `json:"query"`
		} `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Query.Kind != "HogQLQuery" {
		badQuery(w, "expected {\"query\":{\"kind\":\"HogQLQuery\",…}}")
		return
	}
	q := body.Query.Query
	f.mu.Lock()
	f.queries = append(f.queries, q)
	events := slices.Clone(f.events)
	f.mu.Unlock()

	g, a := reGroup.FindStringSubmatch(q), reAnchor.FindStringSubmatch(q)
	sel, _, hasFrom := strings.Cut(q, " FROM events ")
	if g == nil || g[1] != "0" || a == nil || !hasFrom || !strings.Contains(q, "GROUP BY account ORDER BY account ASC") {
		badQuery(w, "this fake answers the per-account usage query on group 0 only")
		return
	}
	unix, _ := strconv.ParseInt(a[1], 10, 64)
	at := time.Unix(unix, 0)
	limit, offset := 100, 0
	if m := reLimit.FindStringSubmatch(q); m != nil {
		limit, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			offset, _ = strconv.Atoi(m[2])
		}
	}

	type agg struct {
		users        map[string]bool
		recent, prev int
	}
	byAccount := map[string]*agg{}
	for _, e := range events {
		age := at.Sub(e.at)
		if e.group == "" || age <= 0 || age > 60*24*time.Hour {
			continue
		}
		ag := byAccount[e.group]
		if ag == nil {
			ag = &agg{users: map[string]bool{}}
			byAccount[e.group] = ag
		}
		if age <= 30*24*time.Hour {
			ag.recent++
			ag.users[e.person] = true
		} else {
			ag.prev++
		}
	}
	keys := make([]string, 0, len(byAccount))
	for k := range byAccount {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var columns []string
	for _, m := range reAlias.FindAllStringSubmatch(sel, -1) {
		columns = append(columns, m[1])
	}
	prop := reProp.FindStringSubmatch(sel)
	results := [][]any{}
	for _, k := range keys[min(offset, len(keys)):min(offset+limit, len(keys))] {
		ag := byAccount[k]
		var row []any
		for _, c := range columns {
			switch c {
			case "account":
				row = append(row, k)
			case "domain":
				if prop == nil {
					badQuery(w, "domain column without a group property")
					return
				}
				v, _ := f.groups[k][prop[2]].(string)
				row = append(row, v) // HogQL gives "" for a missing property
			case "active_users":
				row = append(row, len(ag.users))
			case "events_30d":
				row = append(row, ag.recent)
			case "events_prev_30d":
				row = append(row, ag.prev)
			default:
				badQuery(w, fmt.Sprintf("unknown column %q", c))
				return
			}
		}
		results = append(results, row)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"results": results, "columns": columns, "types": nil, "hasMore": offset+limit < len(keys),
		"limit": limit, "offset": offset, "is_cached": false, "hogql": q,
	})
}

func (f *fake) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func badQuery(w http.ResponseWriter, detail string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"type": "validation_error", "code": "invalid_input", "detail": detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
