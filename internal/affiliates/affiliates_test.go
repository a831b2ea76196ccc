package affiliates_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/advocate-hq/advocate/connectors"
	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest/fakes"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/service"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// monday is 2026-11-16 10:00 UTC: inside the drip's default send window.
var monday = time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testConfig is Advocate's config with the minimal Dub fake (fake_test.go) at platformURL, or
// no affiliate platform when platformURL is "".
func testConfig(t *testing.T, platformURL string) *config.Config {
	t.Helper()
	aff := ""
	if platformURL != "" {
		aff = fmt.Sprintf("affiliates: {platform: dub, base_url: %q, api_key: dub_test}\n", platformURL)
	}
	return parseConfig(t, aff)
}

// configFor is Advocate's config with h's platform at url, signed in with the fake's credentials.
func configFor(t *testing.T, h affiliatestest.Harness, url string) *config.Config {
	t.Helper()
	s := h.Settings
	return parseConfig(t, fmt.Sprintf("affiliates: {platform: %q, base_url: %q, api_key: %q, public_key: %q, account_id: %q, campaign: %q}\n",
		h.Platform, url, s.APIKey, s.PublicKey, s.AccountID, s.Campaign))
}

func parseConfig(t *testing.T, affiliatesSection string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("advocate.yaml", []byte(`
email: {from: "Dana from Vendor <dana@vendor.io>", program_url: "https://vendor.io/partners"}
server: {public_url: "https://advocate.vendor.io"}
drip: {unsubscribe_secret: "test-secret-0123456789", send_window: always}
`+affiliatesSection), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seed stores customers p1.io … pN.io, each with one champion, pat@pN.io.
func seed(t *testing.T, st *store.Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	var page connectors.Page
	var emails []string
	for i := 1; i <= n; i++ {
		ref := connectors.Ref{Domain: fmt.Sprintf("p%d.io", i)}
		email := fmt.Sprintf("pat@p%d.io", i)
		page.Customers = append(page.Customers, connectors.Customer{Ref: ref, Name: fmt.Sprintf("P%d", i)})
		page.Contacts = append(page.Contacts, connectors.Contact{Customer: ref, Email: email, Name: fmt.Sprintf("Pat Person%d", i), Champion: true})
		emails = append(emails, email)
	}
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
	return emails
}

// platform is the configured platform's client, from the registry as serve builds it, retrying
// without waiting.
func platform(t *testing.T, cfg *config.Config) platforms.Platform {
	t.Helper()
	s := affiliates.SettingsOf(cfg.Affiliates, quiet)
	s.Limiter = rate.NewLimiter(rate.Inf, 1)
	s.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	p, err := platforms.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// crashOnce is the platform seen by a process that dies right after the platform created the
// affiliate, before writing it down: the create happened, the caller gets an error.
type crashOnce struct {
	platforms.Platform
	mu     sync.Mutex
	emails map[string]bool
}

func (c *crashOnce) FindOrCreate(ctx context.Context, p platforms.Person) (platforms.Affiliate, error) {
	a, err := c.Platform.FindOrCreate(ctx, p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.emails[p.Email] {
		delete(c.emails, p.Email)
		return platforms.Affiliate{}, errors.New("simulated crash after the platform's create")
	}
	return a, err
}

func newDecider(t *testing.T, st *store.Store, a decide.Affiliates) *decide.Service {
	t.Helper()
	o := decide.Options{Store: st, Log: quiet, Now: func() time.Time { return monday }}
	if a != nil {
		o.Affiliates = a
	}
	dec, err := decide.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

func approve(dec *decide.Service, domain, via string) error {
	_, err := dec.Decide(context.Background(), decide.Request{Customer: domain, Kind: advocate.Approve, By: "csm@vendor.io", Via: via})
	return err
}

func newDrip(t *testing.T, cfg *config.Config, st *store.Store) *drip.Drip {
	t.Helper()
	d, err := drip.FromConfig(context.Background(), cfg, st, drip.Runtime{Now: func() time.Time { return monday }, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// outbox is every outbox row, by recipient.
func outbox(t *testing.T, st *store.Store) map[string][]store.OutboxEmail {
	t.Helper()
	rows, err := st.OutboxEmails(context.Background(), store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.OutboxEmail{}
	for _, r := range rows {
		out[strings.ToLower(r.To)] = append(out[strings.ToLower(r.To)], r)
	}
	return out
}

// TestApproveFiveMakesFiveAffiliates is issue 12's "done when" for the approval path, against
// every platform's docs-faithful fake on both store engines: five customers approved (two
// twice, one by a double click racing itself, one whose create's response was lost on the way
// back, one whose process "crashed" after the platform's create and before our write, then
// retried) make exactly five affiliates on the platform and five stored rows, and every email
// planned for them carries the link that platform gave that person, and no other.
func TestApproveFiveMakesFiveAffiliates(t *testing.T) {
	for _, h := range fakes.All() {
		t.Run(h.Platform, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) { approveFive(t, h, st) })
		})
	}
}

func approveFive(t *testing.T, h affiliatestest.Harness, st *store.Store) {
	ctx := context.Background()
	st.Now = func() time.Time { return monday }
	env := affiliatestest.NewEnv(t, h)
	fake := env.Fake()
	cfg := configFor(t, h, env.URL())
	emails := seed(t, st, 5)
	p := &crashOnce{Platform: platform(t, cfg), emails: map[string]bool{"pat@p3.io": true}}
	dec := newDecider(t, st, affiliates.New(p, st, quiet))

	for _, d := range []string{"p1.io", "p1.io", "lose:p2.io", "p5.io", "p5.io"} {
		if d, lose := strings.CutPrefix(d, "lose:"); lose {
			env.LoseNextCreate() // the platform creates p2's affiliate; its answer never arrives
			if err := approve(dec, d, decide.ViaCLI); err != nil {
				t.Fatalf("approve %s with the create's response lost: %v", d, err)
			}
			continue
		}
		if err := approve(dec, d, decide.ViaCLI); err != nil {
			t.Fatalf("approve %s: %v", d, err)
		}
	}
	if err := approve(dec, "p3.io", decide.ViaCLI); err == nil || !strings.Contains(err.Error(), "affiliate was not created") {
		t.Fatalf("approve p3.io during the crash: %v, want the affiliate step's error", err)
	}
	if err := approve(dec, "p3.io", decide.ViaCLI); err != nil { // the retry repairs it
		t.Fatalf("approve p3.io again: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs { // a double click on Slack
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = approve(dec, "p4.io", decide.ViaSlack) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("double click: %v", err)
	}

	if n := fake.Total(); n != 5 {
		t.Errorf("the platform holds %d affiliates, want 5", n)
	}
	// One create each, plus the retry of the one whose response was lost; p3's retry after the
	// crash found its affiliate by the lookup, without a create.
	if n := env.Creates(); n != 6 {
		t.Errorf("%d creates were sent to the platform, want 6", n)
	}
	if n, err := st.CountAffiliates(ctx, h.Platform); err != nil || n != 5 {
		t.Errorf("stored %d affiliates (%v), want 5", n, err)
	}
	for _, e := range emails {
		if n := fake.Count(e); n != 1 {
			t.Errorf("%s is %d affiliates on the platform, want 1", e, n)
		}
		a, err := st.AffiliateByEmail(ctx, h.Platform, e)
		if err != nil || a.Link() == "" || a.Link() != fake.Link(e) || a.AffiliateID == "" || a.CustomerID == "" {
			t.Errorf("stored affiliate of %s: %+v, %v; want the platform's link %q", e, a, err, fake.Link(e))
		}
	}
	checkEmails(t, newDrip(t, cfg, st), st, emails, fake.Link)
}

// ourURL matches the links an email may carry besides the person's referral link: the program
// page and Advocate's own pages (unsubscribe), as testConfig sets them.
var ourURL = regexp.MustCompile(`^https://(vendor\.io|advocate\.vendor\.io)(/|$)`)

// urls are the links in an email's text or HTML.
var urls = regexp.MustCompile(`https?://[^\s"'<>()]+`)

// checkEmails plans the drip and previews every step: each email to a person carries their
// own link (linkOf) and no other referral link; the invitation and first step carry it
// visibly.
func checkEmails(t *testing.T, d *drip.Drip, st *store.Store, emails []string, linkOf func(email string) string) {
	t.Helper()
	ctx := context.Background()
	ps, err := d.Plan(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Enqueued != len(emails) || ps.AwaitingAffiliate != 0 {
		t.Errorf("plan: %+v, want %d enqueued and none waiting", ps, len(emails))
	}
	rows := outbox(t, st)
	for i, e := range emails {
		link := linkOf(e)
		if len(rows[e]) != 1 || !strings.Contains(rows[e][0].Text, link) || !strings.Contains(rows[e][0].HTML, link) {
			t.Errorf("the invitation to %s does not carry %s: %+v", e, link, rows[e])
		}
		for _, r := range rows[e] {
			checkLinks(t, "the invitation to "+e, r.Text+"\n"+r.HTML, link)
		}
		for step := 1; step <= 5; step++ {
			pv, err := d.Preview(ctx, fmt.Sprintf("p%d.io", i+1), fmt.Sprint(step))
			if err != nil {
				t.Fatal(err)
			}
			if pv.Waiting != "" {
				t.Errorf("step %d to %s waits: %s", step, e, pv.Waiting)
			}
			checkLinks(t, fmt.Sprintf("step %s to %s", pv.Step, e), pv.Text+"\n"+pv.HTML, link)
			if (pv.Step == "invite" || pv.Step == "first_step") && !strings.Contains(pv.Text, link) {
				t.Errorf("step %s to %s lacks the link %s:\n%s", pv.Step, e, link, pv.Text)
			}
		}
	}
}

// checkLinks fails for every link in an email that is neither the person's own referral link
// nor one of ours.
func checkLinks(t *testing.T, what, body, link string) {
	t.Helper()
	for _, u := range urls.FindAllString(body, -1) {
		if u != link && !ourURL.MatchString(u) {
			t.Errorf("%s carries %s, which is not the person's link %s", what, u, link)
		}
	}
}

// TestPlatformDownEmailWaits: with the platform down, approval reports the affiliate step's
// failure, and the enrollment's first email waits (no email without the link) until a retry
// makes the affiliate; then it goes out with the link.
func TestPlatformDownEmailWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return monday }
		fake, srv := newFakeDub(t)
		cfg := testConfig(t, srv.URL)
		emails := seed(t, st, 1)
		dec := newDecider(t, st, affiliates.New(platform(t, cfg), st, quiet))
		d := newDrip(t, cfg, st)

		fake.setDown(true)
		if err := approve(dec, "p1.io", decide.ViaCLI); err == nil {
			t.Fatal("approved with the platform down and no error")
		}
		for range 2 { // every tick while it is down
			ps, err := d.Plan(ctx, false)
			if err != nil || ps.Enqueued != 0 || ps.AwaitingAffiliate != 1 {
				t.Fatalf("plan with the platform down: %+v, %v; want nothing enqueued, 1 waiting", ps, err)
			}
		}
		if rows := outbox(t, st); len(rows) != 0 {
			t.Fatalf("emails queued without the link: %+v", rows)
		}
		pv, err := d.Preview(ctx, "p1.io", "")
		if err != nil || pv.Waiting == "" || strings.Contains(pv.Text, "dub.sh") {
			t.Errorf("preview while waiting: waiting %q, err %v", pv.Waiting, err)
		}

		fake.setDown(false)
		if err := approve(dec, "p1.io", decide.ViaCLI); err != nil {
			t.Fatalf("approve again once the platform is back: %v", err)
		}
		checkEmails(t, d, st, emails, linkFor)
		if n := fake.count(""); n != 1 {
			t.Errorf("platform holds %d affiliates, want 1", n)
		}
	})
}

// TestTwoReplicasOneAffiliate: two processes (two platform clients) creating the same person at
// once on a platform without an upsert make one affiliate: the per-email lock serialises them
// and the second finds the first's row.
func TestTwoReplicasOneAffiliate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fake, srv := newFakeDub(t)
		fake.noUpsert = true
		cfg := testConfig(t, srv.URL)
		seed(t, st, 1)
		c, err := st.FindCustomer(context.Background(), "p1.io")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			en := affiliates.New(platform(t, cfg), st, quiet)
			en.Poll = 5 * time.Millisecond
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = en.CreateAffiliate(context.Background(), c, "Pat@P1.io") }()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if n := fake.count(""); n != 1 {
			t.Errorf("%d affiliates on the platform, want 1", n)
		}
	})
}

// TestLockBusy: while another process holds the person's lock past LockWait, CreateAffiliate
// reports ErrBusy and asks the platform nothing.
func TestLockBusy(t *testing.T) {
	st := storetest.SQLite(t)
	fake, srv := newFakeDub(t)
	cfg := testConfig(t, srv.URL)
	ctx := context.Background()
	release, ok, err := st.TryLock(ctx, "affiliate:pat@p1.io")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer release()
	en := affiliates.New(platform(t, cfg), st, quiet)
	en.LockWait, en.Poll = 30*time.Millisecond, 5*time.Millisecond
	if err := en.CreateAffiliate(ctx, advocate.Customer{ID: "c_1"}, "pat@p1.io"); !errors.Is(err, affiliates.ErrBusy) {
		t.Errorf("err = %v, want ErrBusy", err)
	}
	if fake.count("") != 0 || fake.postCount() != 0 {
		t.Error("the platform was asked while the lock was busy")
	}
}

// TestWithoutPlatform: no affiliates: section, no Enroller; emails carry the program URL only.
func TestWithoutPlatform(t *testing.T) {
	st := storetest.SQLite(t)
	st.Now = func() time.Time { return monday }
	cfg := testConfig(t, "")
	if en, err := affiliates.FromConfig(cfg, st, quiet); en != nil || err != nil {
		t.Fatalf("FromConfig without a section = %v, %v; want nil, nil", en, err)
	}
	seed(t, st, 1)
	dec, err := service.Decider(cfg, st, nil, nil, quiet, func() time.Time { return monday }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := approve(dec, "p1.io", decide.ViaCLI); err != nil {
		t.Fatal(err)
	}
	ps, err := newDrip(t, cfg, st).Plan(context.Background(), false)
	if err != nil || ps.Enqueued != 1 || ps.AwaitingAffiliate != 0 {
		t.Fatalf("plan: %+v, %v", ps, err)
	}
	row := outbox(t, st)["pat@p1.io"][0]
	if !strings.Contains(row.Text, "https://vendor.io/partners") || strings.Contains(row.Text, "ref=") || strings.Contains(row.Text, "dub.sh") {
		t.Errorf("invitation without a platform:\n%s", row.Text)
	}
}

// TestDeciderWiresThePlatform: service.Decider (serve and `advocate approve`) makes the approved
// contact an affiliate on the configured platform, whichever it is, and stores its link.
func TestDeciderWiresThePlatform(t *testing.T) {
	for _, h := range fakes.All() {
		t.Run(h.Platform, func(t *testing.T) {
			st := storetest.SQLite(t)
			env := affiliatestest.NewEnv(t, h)
			cfg := configFor(t, h, env.URL())
			seed(t, st, 1)
			dec, err := service.Decider(cfg, st, nil, nil, quiet, func() time.Time { return monday }, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := approve(dec, "p1.io", decide.ViaCLI); err != nil {
				t.Fatal(err)
			}
			fake := env.Fake()
			a, err := st.AffiliateByEmail(context.Background(), h.Platform, "pat@p1.io")
			if err != nil || a.Link() == "" || a.Link() != fake.Link("pat@p1.io") || fake.Total() != 1 {
				t.Errorf("stored %+v (%v), want the platform's link %q; platform holds %d", a, err, fake.Link("pat@p1.io"), fake.Total())
			}
		})
	}
}

// TestSomeoneElsesAffiliate: the platform's affiliate found by our customer id belongs to the
// customer's earlier contact: its link is not this person's, so nothing is stored and the
// approval says why.
func TestSomeoneElsesAffiliate(t *testing.T) {
	st := storetest.SQLite(t)
	fake, srv := newFakeDub(t)
	cfg := testConfig(t, srv.URL)
	seed(t, st, 1)
	ctx := context.Background()
	c, err := st.FindCustomer(ctx, "p1.io")
	if err != nil {
		t.Fatal(err)
	}
	fake.partners = []fakePartner{{ID: "pn_old", Email: "old@p1.io", TenantID: c.ID, Links: []fakeLink{{ShortLink: linkFor("old@p1.io")}}}}
	err = affiliates.New(platform(t, cfg), st, quiet).CreateAffiliate(ctx, c, "pat@p1.io")
	if err == nil || !strings.Contains(err.Error(), "not this contact") {
		t.Errorf("err = %v, want the other person's affiliate refused", err)
	}
	if _, err := st.AffiliateByEmail(ctx, "dub", "pat@p1.io"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stored someone else's link: %v", err)
	}
}
