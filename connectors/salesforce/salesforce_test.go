package salesforce_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/salesforce"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "sfdc", Type: "salesforce", InstanceURL: "https://acme.my.salesforce.com", AccessToken: "sf-token",
		Options: map[string]string{"health_field": "Health_Score__c", "nps_field": "NPS__c"}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings:    settings(),
		Fake:        func() http.Handler { return newFakeOrg() },
		MinRequests: 8,
		Check:       checkStore,
	})
}

// checkStore asserts what a full sync of the fake org leaves in the store.
func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	acme, err := st.FindCustomer(ctx, "acme.io")
	if err != nil {
		t.Fatalf("acme.io (from Website https://www.acme.io/) not stored: %v", err)
	}
	if acme.Name != "Acme Corp" || acme.Owner != "dana.lee@vendor.com" {
		t.Errorf("acme = name %q owner %q, want Acme Corp / dana.lee@vendor.com (Owner.Email, lower-cased)", acme.Name, acme.Owner)
	}
	wantAttrs := map[string]string{"account_type": "Customer - Direct", "industry": "Technology", "employees": "250"}
	for k, v := range wantAttrs {
		if acme.Attributes[k] != v {
			t.Errorf("acme attribute %s = %q, want %q", k, acme.Attributes[k], v)
		}
	}
	stamp := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	wantSignals(t, st, "acme.io", map[string]float64{"upsells_12m": 2, "health_score": 82, "nps": 9})
	assertObserved(t, st, "acme.io", "health_score", stamp)
	assertObserved(t, st, "acme.io", "upsells_12m", connectortest.Clock)
	wantSignals(t, st, "globex.com", map[string]float64{"upsells_12m": 1, "health_score": 71})
	wantSignals(t, st, "umbrella.co.uk", map[string]float64{"upsells_12m": 1, "nps": 6})
	wantSignals(t, st, "hooli.xyz", map[string]float64{"upsells_12m": 0, "health_score": 40})
	wantSignals(t, st, "stark.com", map[string]float64{"upsells_12m": 0, "health_score": 95, "nps": 10})
	if _, err := st.FindCustomer(ctx, "defunct.io"); err == nil {
		t.Error("a deleted account was stored")
	}

	// Wayne Enterprises has no Website: its contacts' shared domain (wayne.com; gmail does not
	// vote) places it, with its owner, attributes and upsells.
	wayne, err := st.FindCustomer(ctx, "wayne.com")
	if err != nil {
		t.Fatalf("Wayne Enterprises (no Website, contacts at wayne.com) not stored under wayne.com: %v", err)
	}
	if wayne.Name != "Wayne Enterprises" || wayne.Owner != "sam@vendor.com" || wayne.Attributes["employees"] != "3000" {
		t.Errorf("wayne = %+v, want name, owner and attributes from the Account", wayne)
	}
	wantSignals(t, st, "wayne.com", map[string]float64{"upsells_12m": 1, "health_score": 88})
	// Initech (no contact with an email) and Solo Consulting (free-mail contacts only) cannot
	// be matched: no customer without a domain is created for them.
	for _, c := range connectortest.Customers(t, st) {
		if c.Domain == "" || c.Name == "Initech" || c.Name == "Solo Consulting" {
			t.Errorf("customer %+v stored; an account without a domain must be skipped", c)
		}
	}

	contacts, err := st.Contacts(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]advocate.Contact{}
	for _, cs := range contacts {
		for _, c := range cs {
			got[c.Email] = c
		}
	}
	if jane := got["jane@acme.io"]; jane.Name != "Jane Doe" || jane.Role != "VP Operations" || jane.OptedOut {
		t.Errorf("jane = %+v", jane)
	}
	if bob := got["bob@acme.io"]; !bob.OptedOut {
		t.Errorf("bob (HasOptedOutOfEmail) = %+v, want opted out", bob)
	}
	counts, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["contacts"] != 8 {
		t.Errorf("%d contacts stored, want 8 (no email / no account / unmatched account left out): %v", counts["contacts"], counts)
	}
}

func wantSignals(t *testing.T, st *store.Store, customer string, want map[string]float64) {
	t.Helper()
	got := map[string]float64{}
	for name, s := range connectortest.Latest(t, st, connectortest.Find(t, st, customer).ID) {
		got[name] = s.Value
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %s = %v (present %v), want %v", customer, k, g, ok, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected signal %s = %v", customer, k, got[k])
		}
	}
}

func assertObserved(t *testing.T, st *store.Store, customer, signal string, want time.Time) {
	t.Helper()
	s, ok := connectortest.Latest(t, st, connectortest.Find(t, st, customer).ID)[signal]
	if ok && !s.ObservedAt.Equal(want) {
		t.Errorf("%s %s observed at %s, want %s", customer, signal, s.ObservedAt, want)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		edit func(*connectors.Settings)
		want string
	}{
		{"ErrTokenRequired", func(s *connectors.Settings) { s.AccessToken = "" }, "needs access_token"},
		{"ErrInstanceRequired", func(s *connectors.Settings) { s.InstanceURL = " " }, "needs instance_url"},
		{"ErrInstanceNotURL", func(s *connectors.Settings) { s.InstanceURL = "acme.my.salesforce.com" }, "instance_url"},
		{"ErrUnknownOption", func(s *connectors.Settings) { s.Options["ltv_feild"] = "LTV__c" }, `unknown option "ltv_feild"`},
		{"ErrAPIVersion", func(s *connectors.Settings) { s.Options["api_version"] = "latest" }, "api_version"},
		{"ErrFieldName", func(s *connectors.Settings) { s.Options["ltv_field"] = "LTV__c FROM User" }, "not a field API name"},
		{"ErrUpsellTypesEmpty", func(s *connectors.Settings) { s.Options["upsell_types"] = " , " }, "upsell_types is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			tt.edit(&s)
			_, err := connectors.New(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		s := settings()
		s.Options["api_version"] = "61.0"
		s.Options["upsell_types"] = "Upsell, Cross-sell"
		if _, err := connectors.New(s); err != nil {
			t.Fatal(err)
		}
	})
}

// memSink keeps every committed page, with views by Salesforce id.
type memSink struct{ connectortest.Sink }

// customers are the accounts the accounts phase emitted, in order; the customer_since records
// the upsells phase adds (an id and one attribute, no name) are left out.
func (m *memSink) customers() (ids []string) {
	for _, c := range m.All().Customers {
		if c.Name != "" {
			ids = append(ids, c.ExternalID)
		}
	}
	return ids
}

func (m *memSink) signals(name string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m.All().Signals {
		if s.Name == name {
			out[s.Customer.ExternalID] = s.Value
		}
	}
	return out
}

func queriesOn(qs []string, obj string) []string {
	var out []string
	for _, q := range qs {
		// Look-ups by id list (contacts of accounts without a Website, skipped accounts
		// re-read) are not part of the incremental passes these tests follow.
		if strings.Contains(q, " FROM "+obj) && !strings.Contains(q, "Id IN (") {
			out = append(out, q)
		}
	}
	return out
}

func TestIncrementalPassReadsFromHighWaterMarkMinusOverlap(t *testing.T) {
	fake := newFakeOrg()
	srv := connectortest.NewServer(t, fake)
	c := connectortest.Connect(t, settings(), srv)
	first := &memSink{}
	if err := c.Sync(context.Background(), "", first); err != nil {
		t.Fatal(err)
	}
	if q := queriesOn(fake.queries(), "Account"); !strings.HasSuffix(q[0], "FROM Account ORDER BY SystemModstamp") {
		t.Errorf("first pass account query = %q, want no WHERE (full pass)", q[0])
	}

	fake.touch("001B00000000002", "2026-11-10T08:30:00.000+0000", record{"Name": "Globex Corporation"})
	second := &memSink{}
	if err := c.Sync(context.Background(), first.Cursor(), second); err != nil {
		t.Fatal(err)
	}
	acc := queriesOn(fake.queries(), "Account")
	// Newest account stamp of the first pass is 2026-10-06T10:00:00Z; newest contact 11:00.
	if want := "FROM Account WHERE SystemModstamp >= 2026-10-06T09:50:00Z ORDER BY SystemModstamp"; !strings.HasSuffix(acc[2], want) {
		t.Errorf("incremental account query = %q, want it to end %q", acc[2], want)
	}
	if con := queriesOn(fake.queries(), "Contact"); !strings.HasSuffix(con[1], "WHERE SystemModstamp >= 2026-10-06T10:50:00Z ORDER BY SystemModstamp") {
		t.Errorf("incremental contact query = %q", con[1])
	}
	if got, want := second.customers(), []string{"001G00000000007", "001B00000000002"}; !slices.Equal(got, want) {
		t.Errorf("incremental pass emitted accounts %v, want %v (the overlap re-reads the newest, then the edit)", got, want)
	}
	// upsells_12m covers every account on every run: its window moves with the clock.
	if got := second.signals("upsells_12m"); len(got) != 6 || got["001A00000000001"] != 2 || got["001E00000000005"] != 0 {
		t.Errorf("incremental upsells_12m = %v, want all 6 matched accounts", got)
	}

	third := &memSink{}
	if err := c.Sync(context.Background(), second.Cursor(), third); err != nil {
		t.Fatal(err)
	}
	if acc := queriesOn(fake.queries(), "Account"); !strings.Contains(acc[4], "SystemModstamp >= 2026-11-10T08:20:00Z") {
		t.Errorf("the mark did not move to the edited account: %q", acc[4])
	}
}

func TestResumeAfterFailureContinuesWhereItStopped(t *testing.T) {
	fake := newFakeOrg()
	srv := connectortest.NewServer(t, fake)
	c := connectortest.Connect(t, settings(), srv)
	// Request 1 is the first opportunity batch (3 of 4 matches); request 2 its second batch.
	srv.FailAt(2, connectortest.Fault{Status: 400, Body: `[{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}]`})
	failed := &memSink{}
	if err := c.Sync(context.Background(), "", failed); err == nil || !strings.Contains(err.Error(), "INVALID_QUERY_LOCATOR") {
		t.Fatalf("Sync error = %v, want the vendor's error", err)
	}
	// Fail again in the accounts phase, after one committed batch (request 2 is that batch,
	// 3 the contacts of its account without a Website).
	srv.FailAt(4, connectortest.Fault{Status: 400, Body: `[{"message":"boom","errorCode":"UNKNOWN_EXCEPTION"}]`})
	again := &memSink{}
	if err := c.Sync(context.Background(), failed.Cursor(), again); err == nil {
		t.Fatal("second run should fail at the second account batch")
	}
	done := &memSink{}
	if err := c.Sync(context.Background(), again.Cursor(), done); err != nil {
		t.Fatal(err)
	}
	qs := fake.queries()
	opps := slices.DeleteFunc(queriesOn(qs, "Opportunity"), func(q string) bool { return !strings.Contains(q, "Type IN") })
	if len(opps) != 2 || !strings.Contains(opps[1], "AND Id > '006000000000004' ORDER BY Id") {
		t.Errorf("opportunity queries = %q, want the resumed one to start after the last committed Id", opps)
	}
	acc := queriesOn(qs, "Account")
	if !strings.HasSuffix(acc[1], "FROM Account WHERE SystemModstamp >= 2026-10-03T10:00:00Z ORDER BY SystemModstamp") {
		t.Errorf("resumed account query = %q, want it to start at the last committed SystemModstamp", acc[1])
	}
	if got := done.signals("upsells_12m"); got["001A00000000001"] != 2 || got["001B00000000002"] != 1 || got["001D00000000004"] != 1 {
		t.Errorf("upsells after two interruptions = %v, want A=2 B=1 D=1 (no double counting)", got)
	}
}

func TestRequestLimitExceededSaysSo(t *testing.T) {
	srv := connectortest.NewServer(t, newFakeOrg())
	srv.FailFrom(1, connectortest.Fault{Status: 403, Body: `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`})
	err := connectortest.Connect(t, settings(), srv).Sync(context.Background(), "", &memSink{})
	if err == nil || !strings.Contains(err.Error(), "24-hour API request limit") || strings.Contains(err.Error(), "permission") {
		t.Errorf("error = %v, want one explaining the daily limit", err)
	}
	if srv.Requests() != 1 {
		t.Errorf("%d requests, want 1 (retrying cannot help)", srv.Requests())
	}
}

func TestUpsellTypesOptionAndNonNumericField(t *testing.T) {
	s := settings()
	s.Options["upsell_types"] = "New Customer, Existing Customer - Upgrade, Partner's Upgrade"
	fake := newFakeOrg()
	sink := &memSink{}
	if err := connectortest.Connect(t, s, connectortest.NewServer(t, fake)).Sync(context.Background(), "", sink); err != nil {
		t.Fatal(err)
	}
	if q := queriesOn(fake.queries(), "Opportunity")[0]; !strings.Contains(q, `Type IN ('New Customer', 'Existing Customer - Upgrade', 'Partner\'s Upgrade')`) {
		t.Errorf("opportunity query = %q, want the types quoted as SOQL strings", q)
	}
	if got := sink.signals("upsells_12m")["001B00000000002"]; got != 2 {
		t.Errorf("Globex upsells = %v, want 2 with New Customer counted", got)
	}
	var problems []connectors.Problem
	for _, p := range sink.Pages {
		problems = append(problems, p.Problems...)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Where, "001C00000000003 (Initech)") || !strings.Contains(problems[0].Message, "Health_Score__c") {
		t.Errorf("problems = %v, want one naming Initech's non-numeric Health_Score__c", problems)
	}
	if _, ok := sink.signals("health_score")["001C00000000003"]; ok {
		t.Error("a non-numeric health score was published")
	}
}

func TestDeletedRecordsAreSkipped(t *testing.T) {
	fake := newFakeOrg()
	fake.includeDeleted = true // as if an org or proxy answered with IsDeleted rows
	fake.objects["Contact"][6]["IsDeleted"] = true
	sink := &memSink{}
	if err := connectortest.Connect(t, settings(), connectortest.NewServer(t, fake)).Sync(context.Background(), "", sink); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(sink.customers(), "001F00000000006") {
		t.Error("the deleted account was emitted")
	}
	for _, p := range sink.Pages {
		for _, c := range p.Contacts {
			if c.Email == "tony@stark.com" {
				t.Error("the deleted contact was emitted")
			}
		}
	}
	if len(sink.customers()) != 6 {
		t.Errorf("emitted accounts %v, want the 6 live ones with a domain", sink.customers())
	}
}
