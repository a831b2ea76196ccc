package vitally

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fake plays Vitally's REST API as documented: Basic auth with the API key as user and an
// empty password; GET /resources/accounts with limit (default and max 100), from (an opaque
// cursor) and sortBy (updatedAt, the default, or createdAt), newest first; the answer is
// {results, next} with next null at the end.
type fake struct {
	token string
	// emptyAt, when > 0, makes the listing serve an empty page (with a next cursor) once, at
	// that offset, the way a cursor API can when records move under it.
	emptyAt int
	// limited, when > 0, answers that many requests with 429 and Vitally's RateLimit headers
	// (no Retry-After) before serving.
	limited int

	mu       sync.Mutex
	accounts []fakeAccount
	queries  []url.Values
}

type fakeAccount struct {
	ID, ExternalID, Name string
	Traits               map[string]any
	Health               *float64
	Updated              time.Time
}

func health(v float64) *float64 { return &v }

// at is a time on a day of October 2026.
func at(d int) time.Time { return time.Date(2026, 10, d, 12, 0, 0, 0, time.UTC) }

const fakeToken = "vit-test-token"

// newFake holds ten accounts: domains in the domain trait, the website trait and the
// externalId; one account with no domain anywhere; one without a health score; and scores at
// the edges of Vitally's 0–10 scale.
func newFake() *fake {
	return &fake{token: fakeToken, accounts: []fakeAccount{
		{ID: "acc_1", ExternalID: "acme-001", Name: "Acme", Traits: map[string]any{"domain": "acme.io", "plan": "pro"}, Health: health(8.2), Updated: at(10)},
		{ID: "acc_2", ExternalID: "globex.com", Name: "Globex", Traits: map[string]any{}, Health: health(6.5), Updated: at(9)},
		{ID: "acc_3", ExternalID: "3", Name: "Initech", Traits: map[string]any{"website": "https://www.initech.io/"}, Health: health(9.1), Updated: at(8)},
		{ID: "acc_4", ExternalID: "4", Name: "Umbrella", Traits: map[string]any{"domain": "umbrella.co"}, Updated: at(7)},
		{ID: "acc_5", ExternalID: "5", Name: "Hooli", Traits: map[string]any{"domain": "hooli.xyz"}, Health: health(0), Updated: at(6)},
		{ID: "acc_6", ExternalID: "cust_42", Name: "No Domain Ltd", Traits: map[string]any{"domain": 17}, Health: health(5), Updated: at(5)},
		{ID: "acc_7", ExternalID: "7", Name: "Pied Piper", Traits: map[string]any{"domain": "piedpiper.com"}, Health: health(10), Updated: at(4)},
		{ID: "acc_8", ExternalID: "8", Name: "Stark", Traits: map[string]any{"domain": "stark.com"}, Health: health(7.3), Updated: at(3)},
		{ID: "acc_9", ExternalID: "9", Name: "Wayne", Traits: map[string]any{"domain": "wayne.com"}, Health: health(4.4), Updated: at(2)},
		{ID: "acc_10", ExternalID: "10", Name: "Soylent", Traits: map[string]any{"domain": "soylent.com"}, Health: health(3), Updated: at(1)},
	}}
}

// Cursors are opaque to clients; this fake's encode an offset (and whether the one-off empty
// page was served).
func encodeCursor(offset int, servedEmpty bool) string {
	s := "o=" + strconv.Itoa(offset)
	if servedEmpty {
		s += ";e"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(c string) (offset int, servedEmpty bool, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "o=") {
		return 0, false, false
	}
	s := strings.TrimPrefix(string(b), "o=")
	s, servedEmpty = strings.CutSuffix(s, ";e")
	offset, err = strconv.Atoi(s)
	return offset, servedEmpty, err == nil
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != f.token || pass != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/resources/accounts" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Not found"})
		return
	}
	f.mu.Lock()
	if f.limited > 0 {
		f.limited--
		f.mu.Unlock()
		w.Header().Set("RateLimit-Limit", "1000, 1000;window=60")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", "23")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "Too Many Requests"})
		return
	}
	f.mu.Unlock()
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "limit must be 1-100"})
			return
		}
		limit = n
	}
	if s := q.Get("sortBy"); s != "" && s != "updatedAt" && s != "createdAt" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad sortBy"})
		return
	}
	offset, servedEmpty := 0, false
	if v := q.Get("from"); v != "" {
		var ok bool
		if offset, servedEmpty, ok = decodeCursor(v); !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid cursor"})
			return
		}
	}

	f.mu.Lock()
	f.queries = append(f.queries, q)
	list := slices.Clone(f.accounts)
	f.mu.Unlock()
	slices.SortStableFunc(list, func(a, b fakeAccount) int { return b.Updated.Compare(a.Updated) })

	results := []map[string]any{}
	var next any
	if f.emptyAt > 0 && offset == f.emptyAt && !servedEmpty {
		writeJSON(w, http.StatusOK, map[string]any{"results": results, "next": encodeCursor(offset, true)})
		return
	}
	end := min(offset+limit, len(list))
	for _, a := range list[min(offset, end):end] {
		results = append(results, map[string]any{
			"id": a.ID, "externalId": a.ExternalID, "name": a.Name, "traits": a.Traits,
			"createdAt": a.Updated.AddDate(-1, 0, 0).Format(time.RFC3339Nano), "updatedAt": a.Updated.Format(time.RFC3339Nano),
			"organizationId": nil, "accountOwnerId": "usr_1", "csmId": "usr_2", "mrr": 1200,
			"npsScore": 40, "healthScore": a.Health, "usersCount": 12, "churnedAt": nil,
			"segments": []any{map[string]any{"id": "seg_1", "name": "Enterprise"}},
		})
	}
	if end < len(list) {
		next = encodeCursor(end, servedEmpty)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "next": next})
}

// touch changes an account's health score as of time t, which moves it to the top of the list.
func (f *fake) touch(id string, h float64, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.accounts {
		if f.accounts[i].ID == id {
			f.accounts[i].Health, f.accounts[i].Updated = health(h), t
		}
	}
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
