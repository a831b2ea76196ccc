package affiliates_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/advocate-hq/advocate/connectors"
	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/config"
	programkpi "github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// dubCustomer and dubCommission are Dub's GET /customers (with includeExpandedFields) and
// GET /commissions items, as connectors/affiliates/dub reads them.
type dubCustomer struct {
	ID        string      `json:"id"`
	Email     string      `json:"email"`
	CreatedAt string      `json:"createdAt"`
	Sales     int         `json:"sales"`
	Partner   *dubPartner `json:"partner"`
}

type dubPartner struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

type dubCommission struct {
	ID        string     `json:"id"`
	Earnings  int64      `json:"earnings"`
	Currency  string     `json:"currency"`
	Status    string     `json:"status"`
	CreatedAt string     `json:"createdAt"`
	Partner   dubPartner `json:"partner"`
}

// outcomes answers GET /customers (page, pageSize) and GET /commissions (pageSize,
// startingAfter), oldest first.
func (f *fakeDub) outcomes(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("pageSize"))
	if size <= 0 {
		size = 100
	}
	window := func(n, from int) (int, int) { return min(from, n), min(from+size, n) }
	if r.URL.Path == "/customers" {
		f.customerPages = append(f.customerPages, q.Get("page"))
		page, _ := strconv.Atoi(q.Get("page"))
		lo, hi := window(len(f.dubCustomers), (max(page, 1)-1)*size)
		json.NewEncoder(w).Encode(append([]dubCustomer{}, f.dubCustomers[lo:hi]...))
		return
	}
	if f.failCommissions > 0 {
		f.failCommissions--
		http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
		return
	}
	from := 0
	if after := q.Get("startingAfter"); after != "" {
		from = slices.IndexFunc(f.dubCommissions, func(c dubCommission) bool { return c.ID == after }) + 1
	}
	lo, hi := window(len(f.dubCommissions), from)
	json.NewEncoder(w).Encode(append([]dubCommission{}, f.dubCommissions[lo:hi]...))
}

func ago(d time.Duration) string { return monday.Add(-d).Format(time.RFC3339) }

const day = 24 * time.Hour

// program puts a known history on the fake: pat@p1.io (a customer's contact) with two live
// referrals, one of them converted, one cancelled, and paid commissions in USD (and one in
// EUR, left out); ceo@p3.io, an affiliate Advocate made for p3 who is no contact, with one paid
// commission; outsider@agency.io, who matches no customer.
func program(f *fakeDub) {
	ann := &dubPartner{ID: "pn_a", Email: "Pat@P1.io"}
	out := &dubPartner{ID: "pn_out", Email: "outsider@agency.io"}
	ceo := dubPartner{ID: "pn_ceo", Email: "ceo@p3.io"}
	f.dubCustomers = []dubCustomer{
		{ID: "cus_1", Email: "old@buyer.io", CreatedAt: ago(200 * day), Sales: 2, Partner: ann},
		{ID: "cus_2", Email: "new@buyer.io", CreatedAt: ago(10 * day), Partner: ann},
		{ID: "cus_3", Email: "direct@buyer.io", CreatedAt: ago(9 * day)}, // no partner: not a referral
		{ID: "cus_4", Email: "agency@buyer.io", CreatedAt: ago(1 * day), Partner: out},
	}
	f.dubCommissions = []dubCommission{
		{ID: "cm_1", Earnings: 1500, Currency: "usd", Status: "paid", CreatedAt: ago(150 * day), Partner: *ann},
		{ID: "cm_2", Earnings: 525, Currency: "usd", Status: "paid", CreatedAt: ago(100 * day), Partner: *ann},
		{ID: "cm_3", Earnings: 1000, Currency: "usd", Status: "pending", CreatedAt: ago(5 * day), Partner: *ann},
		{ID: "cm_4", Earnings: 2000, Currency: "eur", Status: "paid", CreatedAt: ago(4 * day), Partner: *ann},
		{ID: "cm_5", Earnings: 300, Currency: "usd", Status: "paid", CreatedAt: ago(3 * day), Partner: ceo},
		{ID: "cm_6", Earnings: 700, Currency: "usd", Status: "paid", CreatedAt: ago(2 * day), Partner: *out},
	}
}

func scoredConfig(t *testing.T, url string) *config.Config {
	t.Helper()
	cfg := testConfig(t, url)
	cfg.Scoring.Weights = map[string]float64{"nps": 1}
	cfg.Scoring.Gates = nil
	return cfg
}

// seedNPS gives p1…pN an NPS each, p1 the highest, so p1 leads the shortlist on merit.
func seedNPS(t *testing.T, st *store.Store, n int) {
	t.Helper()
	var page connectors.Page
	for i := 1; i <= n; i++ {
		page.Signals = append(page.Signals, connectors.Signal{Customer: connectors.Ref{Domain: "p" + strconv.Itoa(i) + ".io"},
			Name: "nps", Value: float64(11 - i), ObservedAt: monday.Add(-day)})
	}
	if _, err := st.CommitPage(context.Background(), "crm", 0, page); err != nil {
		t.Fatal(err)
	}
}

func customerID(t *testing.T, st *store.Store, domain string) advocate.Customer {
	t.Helper()
	c, err := st.FindCustomer(context.Background(), domain)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// published is what source "affiliates" says of a customer.
func published(t *testing.T, st *store.Store, id string) map[string]float64 {
	t.Helper()
	vals, err := st.LatestSignals(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, v := range vals {
		if v.Source == affiliates.SyncName {
			out[v.Name] = v.Value
		}
	}
	return out
}

func TestOutcomeSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return monday }
		f, srv := newFakeDub(t)
		program(f)
		cfg := scoredConfig(t, srv.URL)
		seed(t, st, 3)
		p3 := customerID(t, st, "p3.io")
		if err := st.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "ceo@p3.io", CustomerID: p3.ID, AffiliateID: "pn_ceo", Links: []string{"https://dub.sh/ceo"}}); err != nil {
			t.Fatal(err)
		}
		before, _ := st.Customers(ctx)

		o := affiliates.NewOutcomeSync(platform(t, cfg), st, quiet, func() time.Time { return monday })
		s := &syncer.Syncer{Store: st, Log: quiet, Build: func(connectors.Settings) (connectors.Connector, error) { return o, nil }}
		cs, ok := affiliates.SyncSettings(cfg)
		if !ok {
			t.Fatal("affiliates configured but no sync settings")
		}
		r := s.One(ctx, cs)
		if r.Failed() {
			t.Fatal(r.Error)
		}
		want := affiliates.OutcomeStats{Affiliates: 3, Customers: 2, Outside: 1, Currency: "USD", OtherCurrency: 1}
		if o.Last != want {
			t.Fatalf("stats = %+v, want %+v", o.Last, want)
		}
		if r.Created != 0 {
			t.Fatalf("outcome sync created %d customers", r.Created)
		}
		after, _ := st.Customers(ctx)
		if len(after) != len(before) {
			t.Fatalf("customers %d -> %d: an outside partner became a customer", len(before), len(after))
		}
		p1 := customerID(t, st, "p1.io")
		checkPublished(t, st, p1.ID, map[string]float64{"referrals_made": 2, "referrals_90d": 1, "conversions_made": 1, "commission_paid": 20.25})
		checkPublished(t, st, p3.ID, map[string]float64{"referrals_made": 0, "referrals_90d": 0, "conversions_made": 0, "commission_paid": 3})
		checkPublished(t, st, customerID(t, st, "p2.io").ID, map[string]float64{})
		for _, c := range []struct {
			domain  string
			partner bool
		}{{"p1.io", true}, {"p2.io", false}, {"p3.io", true}} {
			if got := advocate.IsPartner(customerID(t, st, c.domain).Attributes[advocate.AttrIsPartner]); got != c.partner {
				t.Errorf("%s is_partner = %v, want %v", c.domain, got, c.partner)
			}
		}
		refs, _ := st.AffiliateReferrals(ctx, "dub")
		coms, _ := st.AffiliateCommissions(ctx, "dub")
		if len(refs) != 3 || len(coms) != 6 {
			t.Fatalf("stored %d referrals, %d commissions; want 3, 6", len(refs), len(coms))
		}

		// A second sync finds nothing new and writes nothing.
		r = s.One(ctx, cs)
		if r.Failed() || r.Signals != 0 || r.Created != 0 || r.Updated != 0 {
			t.Fatalf("second sync: %+v", r)
		}
		if o.Last != want {
			t.Fatalf("second stats = %+v", o.Last)
		}
	})
}

// TestOutcomeSyncListedAffiliates: Dub lists pat@p2.io, who joined 400 days ago and has brought
// nobody yet, and an outside partner: p2 becomes a partner all the same, and the join date is
// kept, so the program knows when an affiliate Advocate never made joined.
func TestOutcomeSyncListedAffiliates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return monday }
		f, srv := newFakeDub(t)
		joined := monday.Add(-400 * day)
		f.partners = []fakePartner{
			{ID: "pn_p2", Email: "Pat@P2.io", CreatedAt: joined.Format(time.RFC3339)},
			{ID: "pn_out", Email: "outsider@agency.io", CreatedAt: ago(30 * day)},
		}
		cfg := scoredConfig(t, srv.URL)
		seed(t, st, 3)
		o := affiliates.NewOutcomeSync(platform(t, cfg), st, quiet, func() time.Time { return monday })
		s := &syncer.Syncer{Store: st, Log: quiet, Build: func(connectors.Settings) (connectors.Connector, error) { return o, nil }}
		cs, _ := affiliates.SyncSettings(cfg)
		if r := s.One(ctx, cs); r.Failed() {
			t.Fatal(r.Error)
		}
		if want := (affiliates.OutcomeStats{Affiliates: 2, Customers: 1, Outside: 1}); o.Last != want {
			t.Fatalf("stats = %+v, want %+v", o.Last, want)
		}
		for _, c := range []struct {
			domain  string
			partner bool
		}{{"p1.io", false}, {"p2.io", true}} {
			if got := advocate.IsPartner(customerID(t, st, c.domain).Attributes[advocate.AttrIsPartner]); got != c.partner {
				t.Errorf("%s is_partner = %v, want %v", c.domain, got, c.partner)
			}
		}
		checkPublished(t, st, customerID(t, st, "p2.io").ID, map[string]float64{"referrals_made": 0, "referrals_90d": 0, "conversions_made": 0, "commission_paid": 0})
		in, err := programkpi.Load(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		members := programkpi.Members(in)
		if len(members) != 2 || members[0].ID != "pn_out" || members[1].Email != "pat@p2.io" || !members[1].JoinKnown ||
			!members[1].Joined.Equal(joined) || members[1].Ours {
			t.Fatalf("members = %+v, want pat@p2.io joined %v (by the platform's date, not Advocate's)", members, joined)
		}
	})
}

func checkPublished(t *testing.T, st *store.Store, id string, want map[string]float64) {
	t.Helper()
	got := published(t, st, id)
	if len(got) != len(want) {
		t.Fatalf("%s: published %v, want %v", id, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %v, want %v", id, k, got[k], v)
		}
	}
}

// TestAffiliateLeavesShortlist: p1 tops the shortlist on merit until the platform says its
// contact is an affiliate; after `sync affiliates` and a new score it is gone.
func TestAffiliateLeavesShortlist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return monday }
		f, srv := newFakeDub(t)
		program(f)
		cfg := scoredConfig(t, srv.URL)
		seed(t, st, 3)
		seedNPS(t, st, 3)
		onList := func() []string {
			t.Helper()
			model, err := ranker.Model(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ranker.Score(ctx, st, model, cfg.Sources(), monday); err != nil {
				t.Fatal(err)
			}
			sl, _, err := shortlist.Make(ctx, st, cfg.Policy(), cfg.Sources(), monday, advocate.Week(monday))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range sl.Entries {
				out = append(out, e.Customer.Domain)
			}
			return out
		}
		if got := onList(); !slices.Contains(got, "p1.io") {
			t.Fatalf("before the sync p1 should be on the list: %v", got)
		}
		// `advocate sync affiliates`: the selection and the builder cmd uses.
		sel, err := syncer.Select(affiliates.WithSync(cfg), []string{"affiliates"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range sel {
			sel[i].Runtime.Now = func() time.Time { return monday }
		}
		s := &syncer.Syncer{Store: st, Log: quiet, Build: affiliates.Builder(cfg, st, quiet)}
		if _, err := s.Run(ctx, sel); err != nil {
			t.Fatal(err)
		}
		got := onList()
		// ceo@p3.io is no contact and no affiliate Advocate made here: an outside partner, so p3 stays.
		if slices.Contains(got, "p1.io") || !slices.Contains(got, "p2.io") || !slices.Contains(got, "p3.io") {
			t.Fatalf("after the sync: %v, want p2.io and p3.io without the affiliate p1.io", got)
		}
	})
}

// TestOutcomeSyncResumes: a sync that fails after the referral pages keeps them and their
// cursor; the next one resumes at the commissions instead of walking the customers again.
func TestOutcomeSyncResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return monday }
		f, srv := newFakeDub(t)
		program(f)
		f.failCommissions = 100 // more than the client's retries
		cfg := scoredConfig(t, srv.URL)
		seed(t, st, 3)
		ps := affiliates.SettingsOf(cfg.Affiliates, quiet)
		ps.PageSize = 2
		ps.Limiter = rate.NewLimiter(rate.Inf, 1)
		ps.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		p, err := platforms.New(ps)
		if err != nil {
			t.Fatal(err)
		}
		o := affiliates.NewOutcomeSync(p, st, quiet, func() time.Time { return monday })
		s := &syncer.Syncer{Store: st, Log: quiet, Build: func(connectors.Settings) (connectors.Connector, error) { return o, nil }}
		cs, _ := affiliates.SyncSettings(cfg)
		if r := s.One(ctx, cs); !r.Failed() {
			t.Fatalf("sync with commissions down: %+v, want failed", r)
		}
		if refs, _ := st.AffiliateReferrals(ctx, "dub"); len(refs) != 3 {
			t.Fatalf("after the failed sync %d referrals stored, want 3", len(refs))
		}
		if got := published(t, st, customerID(t, st, "p1.io").ID); len(got) != 0 {
			t.Fatalf("published %v before the walk finished", got)
		}
		f.mu.Lock()
		f.failCommissions, f.customerPages = 0, nil
		f.mu.Unlock()
		if r := s.One(ctx, cs); r.Failed() {
			t.Fatal(r.Error)
		}
		if len(f.customerPages) != 0 {
			t.Fatalf("resumed sync walked customers again: pages %v", f.customerPages)
		}
		checkPublished(t, st, customerID(t, st, "p1.io").ID, map[string]float64{"referrals_made": 2, "referrals_90d": 1, "conversions_made": 1, "commission_paid": 20.25})
	})
}
