package affiliates_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDub is a minimal Dub Partners API (connectors/affiliates/dub's shapes): GET /partners
// ?email=|tenantId= (without either: every partner, page by page, with createdAt), POST /partners (an upsert by email, as Dub's is) and GET /partners/links.
// The approval story runs against every platform's docs-faithful fake (affiliatestest/fakes);
// this one stays for what those do not play: a platform down for every request, a create
// without upsert slow enough for two replicas to race, partners seeded with our tenant id, and
// the outcome listings' failures and page log (outcomes_test.go).
type fakeDub struct {
	mu       sync.Mutex
	partners []fakePartner
	creates  int // POSTs that made a new partner
	posts    int
	// down answers every request 503.
	down bool
	// noUpsert makes POST always add a partner (a platform without Dub's upsert), and slow,
	// so only our own per-email lock keeps concurrent creates to one.
	noUpsert bool
	// dubCustomers and dubCommissions are what GET /customers and GET /commissions list
	// (outcomes_test.go), oldest first.
	dubCustomers   []dubCustomer
	dubCommissions []dubCommission
	// failCommissions answers the next this many GET /commissions 503; customerPages logs the
	// pages of GET /customers asked for.
	failCommissions int
	customerPages   []string
}

type fakePartner struct {
	ID       string     `json:"id"`
	Email    string     `json:"email"`
	Name     string     `json:"name"`
	TenantID string     `json:"tenantId"`
	Links    []fakeLink `json:"links"`
	// CreatedAt is when the partner joined (RFC 3339); seeded partners set it.
	CreatedAt string `json:"createdAt,omitempty"`
}

type fakeLink struct {
	ShortLink string `json:"shortLink"`
}

func newFakeDub(t *testing.T) (*fakeDub, *httptest.Server) {
	f := &fakeDub{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// linkFor is the link the fake makes for email: what every email to that person must carry.
func linkFor(email string) string {
	return "https://dub.sh/" + strings.NewReplacer("@", "-at-", ".", "-").Replace(strings.ToLower(email))
}

func (f *fakeDub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer dub_test" {
		http.Error(w, `{"error":{"code":"unauthorized"}}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/partners":
		f.list(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/partners":
		f.create(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/partners/links":
		json.NewEncoder(w).Encode([]fakeLink{})
	case r.Method == http.MethodGet && (r.URL.Path == "/customers" || r.URL.Path == "/commissions"):
		f.outcomes(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeDub) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	email, tenant := q.Get("email"), q.Get("tenantId")
	out := []fakePartner{}
	if email == "" && tenant == "" { // the listing, oldest first as the client asks
		size, _ := strconv.Atoi(q.Get("pageSize"))
		page, _ := strconv.Atoi(q.Get("page"))
		size = cmp.Or(size, 100)
		lo, hi := min((max(page, 1)-1)*size, len(f.partners)), min(max(page, 1)*size, len(f.partners))
		json.NewEncoder(w).Encode(append(out, f.partners[lo:hi]...))
		return
	}
	for _, p := range f.partners {
		if (email != "" && strings.EqualFold(p.Email, email)) || (tenant != "" && p.TenantID == tenant) {
			out = append(out, p)
		}
	}
	json.NewEncoder(w).Encode(out)
}

func (f *fakeDub) create(w http.ResponseWriter, r *http.Request) {
	var in fakePartner
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Email == "" {
		http.Error(w, `{"error":{"code":"bad_request"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.posts++
	noUpsert := f.noUpsert
	f.mu.Unlock()
	if noUpsert {
		time.Sleep(30 * time.Millisecond) // a slow create: the window two replicas race in
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, found := f.byEmail(in.Email)
	if !found || noUpsert {
		f.creates++
		p = fakePartner{ID: fmt.Sprintf("pn_%d", f.creates), Email: in.Email, Name: in.Name, TenantID: in.TenantID,
			Links: []fakeLink{{ShortLink: linkFor(in.Email)}}}
		f.partners = append(f.partners, p)
	}
	json.NewEncoder(w).Encode(p)
}

func (f *fakeDub) byEmail(email string) (fakePartner, bool) {
	for _, p := range f.partners {
		if strings.EqualFold(p.Email, email) {
			return p, true
		}
	}
	return fakePartner{}, false
}

// count is how many partners the fake holds for email ("" = all).
func (f *fakeDub) count(email string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.partners {
		if email == "" || strings.EqualFold(p.Email, email) {
			n++
		}
	}
	return n
}

func (f *fakeDub) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *fakeDub) postCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts
}
