package delighted

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// fake plays Delighted's survey responses API as documented: Basic auth with the API key as
// user and an empty password; GET /v1/survey_responses.json with per_page (default 20, max
// 100), page (1-based), updated_since (Unix seconds, inclusive) and expand[]=person; the answer
// is a bare JSON array ordered by created_at, and a page past the end is [].
type fake struct {
	key string

	mu        sync.Mutex
	responses []fakeResponse
	queries   []url.Values // every listing request's query, in order
}

type fakeResponse struct {
	ID         string
	PersonID   string
	Email      string
	Name       string
	SurveyType string
	Score      *int
	Created    int64
	Updated    int64
}

func score(n int) *int { return &n }

// day is a Unix time on a day of October 2026, at 10:00 UTC.
func day(d int) int64 { return time.Date(2026, 10, d, 10, 0, 0, 0, time.UTC).Unix() }

const fakeKey = "dlt-test-key"

// newFake holds twelve responses: NPS answers from six companies, one free-mail respondent,
// one CES survey, one person without an email, an answer edited after it was given, and a
// person who answered twice.
func newFake() *fake {
	return &fake{key: fakeKey, responses: []fakeResponse{
		{ID: "101", PersonID: "1", Email: "ana@acme.io", Name: "Ana Lima", SurveyType: "nps", Score: score(9), Created: day(1), Updated: day(1)},
		{ID: "102", PersonID: "2", Email: "bob@globex.com", Name: "Bob Stone", SurveyType: "nps", Score: score(6), Created: day(2), Updated: day(2)},
		{ID: "103", PersonID: "3", Email: "carol@gmail.com", Name: "Carol", SurveyType: "nps", Score: score(10), Created: day(2), Updated: day(2)},
		{ID: "104", PersonID: "4", Email: "dan@acme.io", Name: "Dan Wu", SurveyType: "nps", Score: score(10), Created: day(3), Updated: day(3)},
		{ID: "105", PersonID: "5", Email: "erin@initech.io", Name: "Erin", SurveyType: "nps", Score: score(8), Created: day(4), Updated: day(4)},
		{ID: "106", PersonID: "6", Email: "frank@globex.com", Name: "Frank", SurveyType: "ces", Score: score(3), Created: day(4), Updated: day(4)},
		{ID: "107", PersonID: "7", Email: "grace@umbrella.co", Name: "Grace Ho", SurveyType: "nps", Score: score(7), Created: day(5), Updated: day(9)},
		{ID: "108", PersonID: "8", Email: "", Name: "Phone Only", SurveyType: "nps", Score: score(9), Created: day(5), Updated: day(5)},
		{ID: "109", PersonID: "9", Email: "heidi@globex.com", Name: "Heidi Park", SurveyType: "nps", Score: score(9), Created: day(6), Updated: day(6)},
		{ID: "110", PersonID: "10", Email: "Ivan@HOOLI.xyz", Name: "Ivan", SurveyType: "nps", Score: score(0), Created: day(7), Updated: day(7)},
		{ID: "111", PersonID: "1", Email: "ana@acme.io", Name: "Ana Lima", SurveyType: "nps", Score: score(10), Created: day(8), Updated: day(8)},
		{ID: "112", PersonID: "12", Email: "judy@piedpiper.com", Name: "Judy", SurveyType: "nps", Score: score(5), Created: day(8), Updated: day(8)},
	}}
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != f.key || pass != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"status": 401, "message": "Unauthorized: invalid API key"})
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/v1/survey_responses.json" {
		writeJSON(w, http.StatusNotFound, map[string]any{"status": 404, "message": "Resource not found"})
		return
	}
	q := r.URL.Query()
	perPage, page, since := 20, 1, int64(0)
	var err error
	if v := q.Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > 100 {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": 422, "message": "per_page must be 1-100"})
			return
		}
	}
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": 422, "message": "bad page"})
			return
		}
	}
	if v := q.Get("updated_since"); v != "" {
		if since, err = strconv.ParseInt(v, 10, 64); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": 422, "message": "bad updated_since"})
			return
		}
	}
	expand := slices.Contains(q["expand[]"], "person")

	f.mu.Lock()
	f.queries = append(f.queries, q)
	var match []fakeResponse
	for _, resp := range f.responses {
		if resp.Updated >= since {
			match = append(match, resp)
		}
	}
	f.mu.Unlock()
	slices.SortStableFunc(match, func(a, b fakeResponse) int { return int(a.Created - b.Created) })

	out := []map[string]any{}
	for i := (page - 1) * perPage; i < len(match) && i < page*perPage; i++ {
		m := match[i]
		var p any = m.PersonID
		if expand {
			p = map[string]any{"id": m.PersonID, "email": nilIfEmpty(m.Email), "name": m.Name, "phone_number": nil, "created_at": m.Created - 86400}
		}
		out = append(out, map[string]any{
			"id": m.ID, "person": p, "survey_type": m.SurveyType, "score": m.Score, "comment": "",
			"permalink": "https://delighted.com/r/" + m.ID, "created_at": m.Created, "updated_at": m.Updated,
			"person_properties": map[string]any{}, "notes": []any{}, "tags": []any{}, "additional_answers": []any{},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// update changes a response's score as if the respondent edited it at time at.
func (f *fake) update(id string, s int, at int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.responses {
		if f.responses[i].ID == id {
			f.responses[i].Score, f.responses[i].Updated = score(s), at
		}
	}
}

func (f *fake) seen() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
