package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/review"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/slack/slackfake"
	"github.com/advocate-hq/advocate/internal/store"
)

func TestMain(m *testing.M) {
	// Tests hash many passwords; the cheapest cost keeps them fast (production uses bcryptCost).
	passwordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// t0 is a Monday 09:00 UTC in 2026-W47.
var t0 = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// site is a dashboard on a real store behind an httptest server, with the decide path wired to
// a fake Slack as serve wires it. Page tests (this helper's and the pages helper's) use it:
//
//	st := storetest.SQLite(t)            // or storetest.Each
//	s := newSite(t, st, nil)             // nil: no changes to the Server
//	b := s.signIn(t, RoleCSM)            // a signed-in browser
//	status, body := b.get(t, "/drip")
//	status, loc, body := b.post(t, "/decide", url.Values{"customer": {id}, "kind": {"approve"}})
type site struct {
	*Server
	URL   string
	Slack *slackfake.Server
	slack *slack.Client

	mu  sync.Mutex
	now time.Time // the clock Server.Now reads; advance with tick
}

// newSite serves a Server on st. mod, when not nil, changes the Server before it serves.
func newSite(t testing.TB, st *store.Store, mod func(*Server)) *site {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &site{now: t0, Slack: slackfake.New(t)}
	now := func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	st.Now = now // one clock for the store's writes and the web's checks
	s.slack = slack.New(slack.Config{BotToken: "xoxb-test", APIURL: s.Slack.URL(), Log: log,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	t.Cleanup(func() { s.slack.Close(context.Background()) })
	dec, err := decide.New(decide.Options{Store: st, Messages: slack.NewUpdater(s.slack, st, time.UTC), Log: log, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	d, err := drip.FromConfig(context.Background(), cfg, st, drip.Runtime{Now: now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = &Server{Store: st, Log: log, Now: now, Decide: dec, Drip: d, Config: func() *config.Config { return cfg }}
	if mod != nil {
		mod(s.Server)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// tick moves the site's clock forward.
func (s *site) tick(d time.Duration) { s.mu.Lock(); s.now = s.now.Add(d); s.mu.Unlock() }

// flushSlack waits for the queued Slack message updates.
func (s *site) flushSlack(t testing.TB) {
	t.Helper()
	if err := s.slack.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow redirects, so tests see
// them; CSRF is the token of its session (set by signIn).
type browser struct {
	c    *http.Client
	base string
	CSRF string
}

func (s *site) browser(t testing.TB) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{base: s.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// addUser stores a user with testPassword.
func (s *site) addUser(t testing.TB, email string, role Role) {
	t.Helper()
	if _, err := AddUser(context.Background(), s.Store, email, string(role), strings.NewReader(testPassword+"\n")); err != nil {
		t.Fatal(err)
	}
}

// signIn adds the user <role>@vendor.io (once) and signs a new browser in as them through the
// login form, as a person would.
func (s *site) signIn(t testing.TB, role Role) *browser {
	t.Helper()
	email := string(role) + "@vendor.io"
	if _, err := s.Store.WebUser(context.Background(), email); err != nil {
		s.addUser(t, email, role)
	}
	b := s.browser(t)
	status, loc, body := b.login(t, email, testPassword)
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in as %s: %d %q\n%s", email, status, loc, body)
	}
	_, page := b.get(t, "/")
	b.CSRF = csrfIn(page)
	if b.CSRF == "" {
		t.Fatalf("no csrf_token on / after signing in:\n%s", page)
	}
	return b
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfIn is the csrf_token a page's forms carry.
func csrfIn(page string) string {
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// login opens the login form (for its pre-session CSRF token) and posts it.
func (b *browser) login(t testing.TB, email, password string) (status int, location, body string) {
	t.Helper()
	_, form := b.get(t, "/login")
	return b.postRaw(t, "/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {csrfIn(form)}, "next": {"/"}})
}

func (b *browser) get(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post sends a form with the browser's CSRF token added.
func (b *browser) post(t testing.TB, path string, form url.Values) (status int, location, body string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.CSRF)
	return b.postRaw(t, path, form)
}

// postRaw sends form as it is.
func (b *browser) postRaw(t testing.TB, path string, form url.Values) (status int, location, body string) {
	t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// seedWeek stores n customers (owners alternating between two CSMs), each with a champion
// contact, a score run a week ago and one now, and posts this week's shortlist to the fake
// Slack, so decisions have a message to update. It returns the customer ids by rank.
func (s *site) seedWeek(t testing.TB, n int) []string {
	t.Helper()
	ctx := context.Background()
	st := s.Store
	owners := []string{"maya@vendor.io", "li@vendor.io"}
	var page connectors.Page
	for i := range n {
		ref := connectors.Ref{ExternalID: strconv.Itoa(i), Domain: fmt.Sprintf("cust%02d.io", i)}
		page.Customers = append(page.Customers, connectors.Customer{Ref: ref, Name: fmt.Sprintf("Customer %02d", i), Owner: owners[i%len(owners)]})
		page.Contacts = append(page.Contacts, connectors.Contact{Customer: ref, Email: fmt.Sprintf("champ@cust%02d.io", i), Name: fmt.Sprintf("Champ %02d", i), Role: "VP Ops", Champion: true})
		page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: "nps", Value: 10, ObservedAt: t0.Add(-24 * time.Hour)},
			connectors.Signal{Customer: ref, Name: "health_score", Value: 90, ObservedAt: t0.Add(-24 * time.Hour)})
	}
	clock := st.Now
	defer func() { st.Now = clock }()
	st.Now = func() time.Time { return t0.Add(-2 * time.Hour) }
	run, _, err := st.BeginSyncRun(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CommitPage(ctx, "crm", run, page); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishSyncRun(ctx, run, "crm", 0, nil); err != nil {
		t.Fatal(err)
	}
	customers, err := st.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores := func(base float64) []store.Score {
		var out []store.Score
		for i, c := range customers {
			out = append(out, store.Score{CustomerID: c.ID, Rank: i + 1, Score: base - float64(i), Confidence: 0.9, Eligible: true,
				Reasons: []string{"NPS 10 (promoter)", "health 90"}})
		}
		return out
	}
	st.Now = func() time.Time { return t0.Add(-7 * 24 * time.Hour) }
	if _, err := st.SaveScoreRun(ctx, "m", scores(90)); err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return t0.Add(-time.Hour) }
	if _, err := st.SaveScoreRun(ctx, "m", scores(92.5)); err != nil {
		t.Fatal(err)
	}
	rv, err := review.New(review.Options{Store: st, Slack: s.slack, Decider: s.Decide, Channel: "#cs-advocates",
		Now: s.Now, Log: s.Server.log()})
	if err != nil {
		t.Fatal(err)
	}
	st.Now = s.Now
	if _, err := rv.PostWeek(ctx); err != nil {
		t.Fatal(err)
	}
	sl, err := st.GetShortlist(ctx, "2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(sl.Entries))
	for i, e := range sl.Entries {
		ids[i] = e.CustomerID
	}
	return ids
}
