// Package affiliatestest is the conformance kit every affiliate-platform client passes against
// a fake of its platform written from the vendor's docs. The kit owns the failures (rate limits,
// 5xx, truncated bodies, lost create responses, auth errors): it wraps the fake's handler, so a
// fake only has to play the API as documented and every client meets the same cases.
package affiliatestest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"golang.org/x/time/rate"
)

// Fake is a platform fake: an http.Handler playing the documented API, plus hooks the kit uses
// to set up and inspect the platform's state.
type Fake interface {
	http.Handler
	// Count is how many affiliates the platform holds for email (case-insensitive).
	Count(email string) int
	// Total is how many affiliates the platform holds.
	Total() int
	// Link is the referral link the platform gives email's affiliate, "" when it holds none:
	// what FindOrCreate must return and every email to that person must carry.
	Link(email string) string
	// Seed puts outcomes on the platform, creating the affiliates they name.
	Seed(refs []SeedReferral, coms []SeedCommission)
	// CreateElsewhere makes the affiliate for email appear on the platform just before the next
	// create request for it is handled, as if another replica won the race: the client's lookup
	// misses it and its create meets "email already taken".
	CreateElsewhere(email string)
}

// SeedReferral is a referral the kit seeds, in normalized terms; the fake stores it natively.
type SeedReferral struct {
	ID, AffiliateEmail, CustomerEmail string
	Converted                         bool
	CreatedAt                         time.Time
}

// SeedCommission is a commission the kit seeds. NonCash ones (credits, points) must not come
// back from Outcomes; a fake of a platform without non-cash units stores none of them.
type SeedCommission struct {
	ID, AffiliateEmail string
	AmountMinor        int64
	Currency           string
	Status             string // affiliates.Commission* status
	NonCash            bool
	CreatedAt          time.Time
}

// Harness describes one platform for the kit.
type Harness struct {
	Platform string
	NewFake  func() Fake
	// New builds the client (the package's own constructor, so no registry import is needed).
	New func(affiliates.Settings) (affiliates.Platform, error)
	// Settings are valid credentials for the fake; the kit fills BaseURL, PageSize and hooks.
	Settings affiliates.Settings
	// IsCreate tells the platform's create request apart; IsOutcomeList its outcome listings.
	IsCreate      func(*http.Request) bool
	IsOutcomeList func(*http.Request) bool
	// ListsAffiliates says Outcomes lists the platform's affiliates with their join dates
	// (OutcomePage.Affiliates); the fake must then tell them (JoinedAt).
	ListsAffiliates bool
	// Upsert says the platform's create returns an existing affiliate instead of refusing it
	// (Dub), so a client cannot tell it lost a race and Created may be true.
	Upsert bool
}

// Run runs every conformance case.
func Run(t *testing.T, h Harness) {
	t.Helper()
	cases := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"FindOrCreateNewCreatesOne", findOrCreateNew},
		{"FindOrCreateTwiceFindsTheSame", findOrCreateTwice},
		{"EmailTakenOnCreateIsFound", emailTaken},
		{"LostCreateResponseFoundOnRetry", lostCreateResponse},
		{"TwoReplicasAtOnceMakeOne", twoReplicas},
		{"OutcomesPagesAndMoney", outcomesPages},
		{"OutcomesResumeAfterFailure", outcomesResume},
		{"OutcomesNextPassFromFinalCursor", outcomesNextPass},
		{"RateLimitedWithRetryAfter", rateLimitedWithRetryAfter},
		{"RateLimitedWithoutRetryAfter", rateLimitedWithoutRetryAfter},
		{"ServerErrorRetried", serverErrorRetried},
		{"TruncatedBodyRetried", truncatedBodyRetried},
		{"UnauthorizedNamesPlatformNoRetry", unauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

// fault is how the middleware answers a request instead of (or around) the fake.
type fault int

const (
	faultNone fault = iota
	fault429RetryAfter
	fault429
	fault500
	faultTruncate
	faultLostResponse // the fake handles the request, then the connection is cut unanswered
	faultDown         // 503 until disarmed
)

// Env is one case's world: the fake behind the fault middleware on an httptest server, and the
// requests and waits it saw. Tests outside the kit use it to put the same faults in front of a
// platform (NewEnv, URL, LoseNextCreate).
type Env struct {
	h      Harness
	fake   Fake
	srv    *httptest.Server
	mu     sync.Mutex
	armed  map[string][]fault // "create" | "list" | "any" → faults for the next such requests
	down   bool
	counts map[string]int // requests seen: "create", "list", "all"
	waits  []time.Duration
}

// NewEnv starts h's fake behind the fault middleware, stopped when t ends.
func NewEnv(t *testing.T, h Harness) *Env {
	t.Helper()
	e := &Env{h: h, fake: h.NewFake(), armed: map[string][]fault{}, counts: map[string]int{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

// URL is the server's base URL, a client's BaseURL.
func (e *Env) URL() string { return e.srv.URL }

// Fake is the platform behind the server.
func (e *Env) Fake() Fake { return e.fake }

// LoseNextCreate makes the platform handle the next create request and then cut the connection
// unanswered: the affiliate exists, the client never hears so.
func (e *Env) LoseNextCreate() { e.arm("create", faultLostResponse) }

// Creates is how many create requests the server saw.
func (e *Env) Creates() int { return e.count("create") }

func (e *Env) settings() affiliates.Settings {
	s := e.h.Settings
	s.Platform = e.h.Platform
	s.BaseURL = e.srv.URL
	s.PageSize = 2
	s.HTTP = e.srv.Client()
	s.Log = slog.New(slog.DiscardHandler)
	s.Limiter = rate.NewLimiter(rate.Inf, 1) // pacing is the shared client's, tested there
	s.Sleep = func(_ context.Context, d time.Duration) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.waits = append(e.waits, d)
		return nil
	}
	return s
}

func (e *Env) client(t *testing.T) affiliates.Platform {
	t.Helper()
	p, err := e.h.New(e.settings())
	if err != nil {
		t.Fatalf("new %s client: %v", e.h.Platform, err)
	}
	return p
}

func (e *Env) arm(kind string, f ...fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armed[kind] = append(e.armed[kind], f...)
}

func (e *Env) count(kind string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[kind]
}

func (e *Env) recordedWaits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.waits)
}

// next counts the request and pops the fault armed for it, if any.
func (e *Env) next(r *http.Request) fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["all"]++
	kinds := []string{"any"}
	if e.h.IsCreate(r) {
		e.counts["create"]++
		kinds = append(kinds, "create")
	}
	if e.h.IsOutcomeList(r) {
		e.counts["list"]++
		kinds = append(kinds, "list")
		if e.down {
			return faultDown
		}
	}
	for _, k := range kinds {
		if q := e.armed[k]; len(q) > 0 {
			e.armed[k] = q[1:]
			return q[0]
		}
	}
	return faultNone
}

func (e *Env) serve(w http.ResponseWriter, r *http.Request) {
	switch e.next(r) {
	case fault429RetryAfter:
		w.Header().Set("Retry-After", "7")
		http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
	case fault429:
		http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
	case fault500:
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
	case faultDown:
		http.Error(w, `{"error":"maintenance"}`, http.StatusServiceUnavailable)
	case faultTruncate:
		rec := httptest.NewRecorder()
		e.fake.ServeHTTP(rec, r)
		cut(w, rec.Code, rec.Body.String()[:rec.Body.Len()/2])
	case faultLostResponse:
		e.fake.ServeHTTP(httptest.NewRecorder(), r)
		cut(w, 0, "")
	default:
		e.fake.ServeHTTP(w, r)
	}
}

// cut answers with a close-delimited partial body (status > 0) or nothing at all, then closes
// the connection, as a proxy or network failure would.
func cut(w http.ResponseWriter, status int, partial string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if status > 0 {
		fmt.Fprintf(buf, "HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n%s", status, partial)
		buf.Flush()
	}
}

var ctx = context.Background()

// person is a fresh person for a case.
func person(n int) affiliates.Person {
	return affiliates.Person{Email: fmt.Sprintf("Ada.%d@Example.com", n), FirstName: "Ada", LastName: "Lovelace", ExternalID: fmt.Sprintf("cus_%d", n)}
}

// mustFind runs FindOrCreate on p, a client of e, and checks it returned the person's affiliate
// with the link the platform gives them.
func mustFind(t *testing.T, e *Env, p affiliates.Platform, who affiliates.Person) affiliates.Affiliate {
	t.Helper()
	a, err := p.FindOrCreate(ctx, who)
	if err != nil {
		t.Fatalf("FindOrCreate(%s): %v", who.Email, err)
	}
	if a.ID == "" || len(a.Links) == 0 || a.Links[0] == "" {
		t.Fatalf("FindOrCreate(%s) = %+v: want an id and a referral link", who.Email, a)
	}
	if !strings.EqualFold(a.Email, who.Email) {
		t.Errorf("FindOrCreate(%s).Email = %q", who.Email, a.Email)
	}
	wantLink(t, e, who.Email, a)
	return a
}

// wantLink checks a's primary link is the one the platform gives email's affiliate.
func wantLink(t *testing.T, e *Env, email string, a affiliates.Affiliate) {
	t.Helper()
	if want := e.fake.Link(email); want == "" || len(a.Links) == 0 || a.Links[0] != want {
		t.Errorf("FindOrCreate(%s) links %q, want the platform's %q first", email, a.Links, want)
	}
}

func wantOne(t *testing.T, e *Env, email string) {
	t.Helper()
	if n := e.fake.Count(email); n != 1 {
		t.Errorf("platform holds %d affiliates for %s, want 1", n, email)
	}
}

func findOrCreateNew(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	a := mustFind(t, e, e.client(t), person(1))
	if !a.Created {
		t.Errorf("Created = false for a new person")
	}
	wantOne(t, e, person(1).Email)
	if n := e.count("create"); n != 1 {
		t.Errorf("%d create requests, want 1", n)
	}
}

func findOrCreateTwice(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	p := e.client(t)
	first := mustFind(t, e, p, person(2))
	creates := e.count("create")
	again := person(2)
	again.Email = strings.ToUpper(again.Email) // the CSM's tool may have it in another case
	second := mustFind(t, e, p, again)
	if second.ID != first.ID || second.Created {
		t.Errorf("second FindOrCreate = %+v, want the existing %s, not created", second, first.ID)
	}
	if n := e.count("create") - creates; n != 0 {
		t.Errorf("second FindOrCreate sent %d create requests, want 0", n)
	}
	wantOne(t, e, person(2).Email)
}

func emailTaken(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.fake.CreateElsewhere(person(3).Email)
	a := mustFind(t, e, e.client(t), person(3))
	if a.Created && !h.Upsert {
		t.Errorf("Created = true, but another writer created it first")
	}
	wantOne(t, e, person(3).Email)
}

func lostCreateResponse(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.arm("create", faultLostResponse)
	mustFind(t, e, e.client(t), person(4))
	wantOne(t, e, person(4).Email)
	// A crash after the platform's create and before our write: the next run finds it.
	again := mustFind(t, e, e.client(t), person(4))
	if again.Created {
		t.Errorf("a later FindOrCreate created again: %+v", again)
	}
	wantOne(t, e, person(4).Email)
}

// twoReplicas: two Advocate replicas approve the same person at the same moment. Whatever the
// interleaving, the platform ends with one affiliate and both get its id.
func twoReplicas(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	var wg sync.WaitGroup
	got := make([]affiliates.Affiliate, 2)
	errs := make([]error, 2)
	for i := range got {
		p := e.client(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = p.FindOrCreate(ctx, person(7))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if got[0].ID != got[1].ID {
		t.Errorf("replicas got %s and %s, want one affiliate", got[0].ID, got[1].ID)
	}
	for _, a := range got {
		wantLink(t, e, person(7).Email, a)
	}
	wantOne(t, e, person(7).Email)
}

var t0 = time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC)

// seeds: five referrals and six commissions (one of them non-cash) over two affiliates, enough
// for three pages of two.
func seeds() ([]SeedReferral, []SeedCommission) {
	refs := []SeedReferral{
		{ID: "ref_1", AffiliateEmail: "ann@acme.io", CustomerEmail: "c1@buyer.io", Converted: true, CreatedAt: t0},
		{ID: "ref_2", AffiliateEmail: "ann@acme.io", CustomerEmail: "c2@buyer.io", CreatedAt: t0.Add(24 * time.Hour)},
		{ID: "ref_3", AffiliateEmail: "bo@globex.com", CustomerEmail: "c3@buyer.io", Converted: true, CreatedAt: t0.Add(48 * time.Hour)},
		{ID: "ref_4", AffiliateEmail: "bo@globex.com", CustomerEmail: "c4@buyer.io", CreatedAt: t0.Add(72 * time.Hour)},
		{ID: "ref_5", AffiliateEmail: "ann@acme.io", CustomerEmail: "c5@buyer.io", CreatedAt: t0.Add(96 * time.Hour)},
	}
	coms := []SeedCommission{
		{ID: "com_1", AffiliateEmail: "ann@acme.io", AmountMinor: 3000, Currency: "USD", Status: affiliates.CommissionPaid, CreatedAt: t0.Add(time.Hour)},
		{ID: "com_2", AffiliateEmail: "ann@acme.io", AmountMinor: 1999, Currency: "USD", Status: affiliates.CommissionDue, CreatedAt: t0.Add(2 * time.Hour)},
		{ID: "com_3", AffiliateEmail: "bo@globex.com", AmountMinor: 4550, Currency: "USD", Status: affiliates.CommissionPending, CreatedAt: t0.Add(3 * time.Hour)},
		{ID: "com_4", AffiliateEmail: "bo@globex.com", AmountMinor: 500, Currency: "USD", Status: affiliates.CommissionVoided, CreatedAt: t0.Add(4 * time.Hour)},
		{ID: "com_5", AffiliateEmail: "bo@globex.com", AmountMinor: 2000, Currency: "USD", Status: affiliates.CommissionDue, NonCash: true, CreatedAt: t0.Add(5 * time.Hour)},
		{ID: "com_6", AffiliateEmail: "ann@acme.io", AmountMinor: 12345, Currency: "USD", Status: affiliates.CommissionDue, CreatedAt: t0.Add(6 * time.Hour)},
	}
	return refs, coms
}

// collected is what a walk delivered, in order.
type collected struct {
	pages   []affiliates.OutcomePage
	affs    []affiliates.PlatformAffiliate
	refs    []affiliates.Referral
	coms    []affiliates.Commission
	cursors []string
}

func (c *collected) sink(p affiliates.OutcomePage) error {
	c.pages = append(c.pages, p)
	c.affs = append(c.affs, p.Affiliates...)
	c.refs = append(c.refs, p.Referrals...)
	c.coms = append(c.coms, p.Commissions...)
	c.cursors = append(c.cursors, p.Cursor)
	return nil
}

func outcomesPages(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.fake.Seed(seeds())
	var got collected
	if err := e.client(t).Outcomes(ctx, "", got.sink); err != nil {
		t.Fatalf("Outcomes: %v", err)
	}
	if len(got.pages) < 3 {
		t.Errorf("%d pages, want ≥ 3 at page size 2", len(got.pages))
	}
	checkOutcomes(t, got)
	checkListed(t, e, got)
}

// checkListed compares a walk's affiliates with the fake's: each seeded affiliate exactly once,
// with its id, email and the platform's creation time.
func checkListed(t *testing.T, e *Env, got collected) {
	t.Helper()
	if !e.h.ListsAffiliates {
		return
	}
	dates, ok := e.fake.(interface{ JoinedAt(email string) time.Time })
	if !ok {
		t.Fatal("the fake of a platform that lists affiliates does not tell when they joined (JoinedAt)")
	}
	seen := map[string]bool{}
	for _, a := range got.affs {
		if a.ID == "" || seen[a.ID] {
			t.Errorf("affiliate %+v: want a distinct id", a)
		}
		seen[a.ID] = true
	}
	for _, email := range []string{"ann@acme.io", "bo@globex.com"} {
		i := slices.IndexFunc(got.affs, func(a affiliates.PlatformAffiliate) bool { return strings.EqualFold(a.Email, email) })
		if i < 0 {
			t.Errorf("affiliate %s not listed: %+v", email, got.affs)
			continue
		}
		if want := dates.JoinedAt(email); !got.affs[i].CreatedAt.Equal(want) {
			t.Errorf("affiliate %s joined %v, want %v", email, got.affs[i].CreatedAt, want)
		}
	}
	if len(got.affs) != 2 {
		t.Errorf("%d affiliates listed, want 2", len(got.affs))
	}
}

// checkOutcomes compares a walk's records with the seeds: each exactly once, money in minor
// units, non-cash dropped, statuses normalized, times read right.
func checkOutcomes(t *testing.T, got collected) {
	t.Helper()
	refs, coms := seeds()
	byRef := map[string]affiliates.Referral{}
	for _, r := range got.refs {
		if _, dup := byRef[r.ID]; dup {
			t.Errorf("referral %s delivered twice", r.ID)
		}
		byRef[r.ID] = r
	}
	for _, want := range refs {
		checkReferral(t, want, byRef[want.ID])
	}
	if len(byRef) != len(refs) {
		t.Errorf("%d referrals, want %d", len(byRef), len(refs))
	}
	byCom := map[string]affiliates.Commission{}
	for _, c := range got.coms {
		if _, dup := byCom[c.ID]; dup {
			t.Errorf("commission %s delivered twice", c.ID)
		}
		byCom[c.ID] = c
	}
	cash := 0
	for _, want := range coms {
		c, ok := byCom[want.ID]
		if want.NonCash {
			if ok {
				t.Errorf("non-cash commission %s was reported: %+v", want.ID, c)
			}
			continue
		}
		cash++
		checkCommission(t, want, c)
	}
	if len(byCom) != cash {
		t.Errorf("%d commissions, want %d", len(byCom), cash)
	}
}

func checkReferral(t *testing.T, want SeedReferral, r affiliates.Referral) {
	t.Helper()
	if r.ID == "" {
		t.Errorf("referral %s missing", want.ID)
		return
	}
	status := affiliates.ReferralLead
	if want.Converted {
		status = affiliates.ReferralConverted
	}
	if r.Status != status || !r.CreatedAt.Equal(want.CreatedAt) || !strings.EqualFold(r.CustomerEmail, want.CustomerEmail) {
		t.Errorf("referral %s = %+v, want status %s, created %s, customer %s", want.ID, r, status, want.CreatedAt, want.CustomerEmail)
	}
	if r.AffiliateID == "" && r.AffiliateEmail == "" {
		t.Errorf("referral %s names no affiliate", want.ID)
	}
	if r.AffiliateEmail != "" && !strings.EqualFold(r.AffiliateEmail, want.AffiliateEmail) {
		t.Errorf("referral %s affiliate %s, want %s", want.ID, r.AffiliateEmail, want.AffiliateEmail)
	}
}

func checkCommission(t *testing.T, want SeedCommission, c affiliates.Commission) {
	t.Helper()
	if c.ID == "" {
		t.Errorf("commission %s missing", want.ID)
		return
	}
	if c.AmountMinor != want.AmountMinor || c.Currency != want.Currency || c.Status != want.Status || !c.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("commission %s = %+v, want %d %s %s created %s", want.ID, c, want.AmountMinor, want.Currency, want.Status, want.CreatedAt)
	}
	if c.AffiliateID == "" && c.AffiliateEmail == "" {
		t.Errorf("commission %s names no affiliate", want.ID)
	}
	if c.AffiliateEmail != "" && !strings.EqualFold(c.AffiliateEmail, want.AffiliateEmail) {
		t.Errorf("commission %s affiliate %s, want %s", want.ID, c.AffiliateEmail, want.AffiliateEmail)
	}
}

func outcomesResume(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.fake.Seed(seeds())
	var got collected
	calls := 0
	err := e.client(t).Outcomes(ctx, "", func(p affiliates.OutcomePage) error {
		calls++
		if calls == 2 {
			e.mu.Lock()
			e.down = true // every later listing fails until the platform is back
			e.mu.Unlock()
		}
		return got.sink(p)
	})
	if err == nil {
		t.Fatalf("Outcomes with the platform down: err = %v, want the platform's error", err)
	}
	if !strings.Contains(err.Error(), h.Platform) {
		t.Errorf("error %q does not name %s", err, h.Platform)
	}
	e.mu.Lock()
	e.down = false
	e.mu.Unlock()
	if len(got.cursors) == 0 {
		t.Fatal("no page delivered before the failure")
	}
	if err := e.client(t).Outcomes(ctx, got.cursors[len(got.cursors)-1], got.sink); err != nil {
		t.Fatalf("resumed Outcomes: %v", err)
	}
	checkOutcomes(t, got)
	checkListed(t, e, got)
}

// outcomesNextPass: the cursor a finished walk hands out starts the next pass, which reads
// again what may have changed (everything, or from the incremental mark) without error.
func outcomesNextPass(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.fake.Seed(seeds())
	var first collected
	if err := e.client(t).Outcomes(ctx, "", first.sink); err != nil {
		t.Fatalf("Outcomes: %v", err)
	}
	var next collected
	if err := e.client(t).Outcomes(ctx, first.cursors[len(first.cursors)-1], next.sink); err != nil {
		t.Fatalf("next pass: %v", err)
	}
	if len(next.pages) == 0 {
		t.Error("the next pass delivered no page (not even an empty one with its cursor)")
	}
	for _, c := range next.coms { // full walks see the same commissions again, unchanged
		if c.AmountMinor <= 0 || c.Currency == "" {
			t.Errorf("next pass commission %+v", c)
		}
	}
}

// retried runs one FindOrCreate with f armed on the first request and checks it succeeded after
// exactly one retry, returning the recorded waits.
func retried(t *testing.T, h Harness, f fault) []time.Duration {
	t.Helper()
	e := NewEnv(t, h)
	e.arm("any", f)
	mustFind(t, e, e.client(t), person(5))
	wantOne(t, e, person(5).Email)
	w := e.recordedWaits()
	if len(w) != 1 {
		t.Fatalf("waits %v, want exactly one retry", w)
	}
	return w
}

func rateLimitedWithRetryAfter(t *testing.T, h Harness) {
	if w := retried(t, h, fault429RetryAfter); w[0] != 7*time.Second {
		t.Errorf("waited %s, want Retry-After's 7s", w[0])
	}
}

func rateLimitedWithoutRetryAfter(t *testing.T, h Harness) {
	if w := retried(t, h, fault429); w[0] <= 0 || w[0] > 2*time.Minute {
		t.Errorf("waited %s, want a bounded backoff", w[0])
	}
}

func serverErrorRetried(t *testing.T, h Harness) { retried(t, h, fault500) }

func truncatedBodyRetried(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	e.fake.Seed(seeds())
	e.arm("list", faultTruncate)
	var got collected
	if err := e.client(t).Outcomes(ctx, "", got.sink); err != nil {
		t.Fatalf("Outcomes with a truncated page: %v", err)
	}
	if len(e.recordedWaits()) != 1 {
		t.Errorf("waits %v, want one retry", e.recordedWaits())
	}
	checkOutcomes(t, got)
}

func unauthorized(t *testing.T, h Harness) {
	e := NewEnv(t, h)
	s := e.settings()
	s.APIKey = "wrong-" + s.APIKey
	p, err := h.New(s)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	_, err = p.FindOrCreate(ctx, person(6))
	if err == nil || !strings.Contains(err.Error(), h.Platform) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401 naming %s", err, h.Platform)
	}
	if n := e.count("all"); n != 1 {
		t.Errorf("%d requests, want 1 (no retry on 401)", n)
	}
	if e.fake.Total() != 0 {
		t.Errorf("an affiliate was created with a wrong key")
	}
}
