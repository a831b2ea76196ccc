package decide_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// t0 is a Monday 09:00 UTC in 2026-W47.
var t0 = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// recorder is a MessageUpdater and an Affiliates that remember their calls.
type recorder struct {
	mu         sync.Mutex
	shown      []string // week/customer
	affiliates []string // customer/email
	fail       error
}

func (r *recorder) ShowDecision(_ context.Context, week, customerID string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, week+"/"+customerID)
	return 1, nil
}

func (r *recorder) CreateAffiliate(_ context.Context, c advocate.Customer, email string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.affiliates = append(r.affiliates, c.ID+"/"+email)
	return r.fail
}

// seed stores acme.io with a champion and a second contact, and nobody.io whose only
// contact opted out.
func seed(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	acme, nobody := connectors.Ref{ExternalID: "1", Domain: "acme.io"}, connectors.Ref{ExternalID: "2", Domain: "nobody.io"}
	page := connectors.Page{
		Customers: []connectors.Customer{{Ref: acme, Name: "Acme"}, {Ref: nobody, Name: "Nobody"}},
		Contacts: []connectors.Contact{
			{Customer: acme, Email: "ops@acme.io", Name: "Ops", Role: "Analyst"},
			{Customer: acme, Email: "jo@acme.io", Name: "Jo", Role: "VP Ops", Champion: true},
			{Customer: nobody, Email: "x@nobody.io", Name: "X", OptedOut: true},
		},
	}
	run, _, err := st.BeginSyncRun(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CommitPage(ctx, "crm", run, page); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range []string{"acme.io", "nobody.io"} {
		c, err := st.FindCustomer(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[d] = c.ID
	}
	return ids
}

// count reads a counter of m.Decisions.
func count(t *testing.T, c interface{ Write(*dto.Metric) error }) float64 {
	t.Helper()
	var pb dto.Metric
	if err := c.Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}

func newService(t *testing.T, st *store.Store, r *recorder, m *metrics.Metrics) *decide.Service {
	t.Helper()
	s, err := decide.New(decide.Options{Store: st, Messages: r, Affiliates: r, Metrics: m, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name       string
		req        decide.Request
		wantUntil  time.Time
		wantEnroll bool
	}{
		{"Approve", decide.Request{Customer: "acme.io", Kind: advocate.Approve, By: "maya@vendor.io", Via: decide.ViaCLI}, time.Time{}, true},
		{"Skip", decide.Request{Customer: "acme.io", Kind: advocate.Skip, By: "maya@vendor.io", Via: decide.ViaWeb}, time.Time{}, false},
		{"SnoozeDefault", decide.Request{Customer: "acme.io", Kind: advocate.Snooze, By: "maya@vendor.io", Via: decide.ViaSlack, Week: "2026-W47"}, t0.AddDate(0, 0, 30), false},
		{"SnoozeDays", decide.Request{Customer: "acme.io", Kind: advocate.Snooze, By: "maya@vendor.io", Via: decide.ViaCLI, SnoozeDays: 7}, t0.AddDate(0, 0, 7), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				ctx := context.Background()
				ids := seed(t, st)
				r, m := &recorder{}, metrics.New()
				res, err := newService(t, st, r, m).Decide(ctx, tt.req)
				if err != nil {
					t.Fatal(err)
				}
				d := res.Decision
				if !res.Created || d.CustomerID != ids["acme.io"] || d.Kind != string(tt.req.Kind) || d.Via != tt.req.Via || d.Week != "2026-W47" || d.DecidedBy != "maya@vendor.io" {
					t.Errorf("decision %+v (created %v)", d, res.Created)
				}
				if !tt.wantUntil.IsZero() && (d.Until == nil || !d.Until.Equal(tt.wantUntil)) {
					t.Errorf("until %v, want %v", d.Until, tt.wantUntil)
				}
				if got := res.Enrollment != nil; got != tt.wantEnroll || (got && res.Enrollment.ContactEmail != "jo@acme.io") {
					t.Errorf("enrollment %+v, want enrolled=%v with the champion", res.Enrollment, tt.wantEnroll)
				}
				if tt.wantEnroll != (len(r.affiliates) == 1) {
					t.Errorf("affiliate calls %v, want one only for an approval", r.affiliates)
				}
				if len(r.shown) != 1 || r.shown[0] != "2026-W47/"+ids["acme.io"] || res.Messages != 1 {
					t.Errorf("Slack updates %v (%d), want the 2026-W47 message of acme", r.shown, res.Messages)
				}
				if n := count(t, m.Decisions.WithLabelValues(string(tt.req.Kind), tt.req.Via)); n != 1 {
					t.Errorf("counted %v decisions, want 1", n)
				}
			})
		})
	}
}

// A Slack press repeated (or a second CSM's) is the same decision: counted once, enrolled
// once, the message shown again (harmless).
func TestDecideSlackPressTwiceIsOneDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st)
		r, m := &recorder{}, metrics.New()
		s := newService(t, st, r, m)
		first, err := s.Decide(ctx, decide.Request{Customer: "acme.io", Kind: advocate.Approve, By: "maya@vendor.io", Via: decide.ViaSlack, Week: "2026-W47"})
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Decide(ctx, decide.Request{Customer: "acme.io", Kind: advocate.Skip, By: "li@vendor.io", Via: decide.ViaSlack, Week: "2026-W47"})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Created || second.Created || second.Decision.Kind != "approve" || second.Decision.DecidedBy != "maya@vendor.io" || second.EnrollmentCreated {
			t.Errorf("second press %+v, want maya's approval back, nothing new", second)
		}
		if n := count(t, m.Decisions.WithLabelValues("approve", "slack")) + count(t, m.Decisions.WithLabelValues("skip", "slack")); n != 1 {
			t.Errorf("counted %v decisions, want 1", n)
		}
		if es, _ := st.Enrollments(ctx, ""); len(es) != 1 {
			t.Errorf("%d enrollments, want 1", len(es))
		}
	})
}

func TestDecideRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		req  decide.Request
		want error
	}{
		{"UnknownCustomer", decide.Request{Customer: "nobody.example", Kind: advocate.Approve, Via: decide.ViaSlack, Week: "2026-W47"}, decide.ErrNotFound},
		{"WeekThatDoesNotExist", decide.Request{Customer: "acme.io", Kind: advocate.Approve, Via: decide.ViaSlack, Week: "9999-W99"}, decide.ErrInvalid},
		{"NotAWeek", decide.Request{Customer: "acme.io", Kind: advocate.Skip, Via: decide.ViaCLI, Week: "last week"}, decide.ErrInvalid},
		{"UnknownKind", decide.Request{Customer: "acme.io", Kind: "maybe", Via: decide.ViaCLI}, decide.ErrInvalid},
		{"UnknownVia", decide.Request{Customer: "acme.io", Kind: advocate.Skip, Via: "email"}, decide.ErrInvalid},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st)
		r := &recorder{}
		s := newService(t, st, r, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := s.Decide(ctx, tt.req); !errors.Is(err, tt.want) {
					t.Errorf("Decide = %v, want %v", err, tt.want)
				}
			})
		}
		if d, _ := st.LatestDecisions(ctx); len(d) != 0 || len(r.shown) != 0 {
			t.Errorf("bad requests recorded %v, showed %v", d, r.shown)
		}
	})
}

// An approval whose enrollment or affiliate step fails is recorded and reported; asking
// again finishes the job.
func TestDecideApprovalStepsFailThenRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st)
		r := &recorder{fail: errors.New("platform down")}
		s := newService(t, st, r, nil)
		if _, err := s.Decide(ctx, decide.Request{Customer: "nobody.io", Kind: advocate.Approve, Via: decide.ViaCLI}); err == nil {
			t.Error("approving a customer nobody may be emailed at succeeded")
		}
		req := decide.Request{Customer: "acme.io", Kind: advocate.Approve, Via: decide.ViaSlack, Week: "2026-W47"}
		if _, err := s.Decide(ctx, req); err == nil {
			t.Fatal("a failing affiliate platform was not reported")
		}
		r.fail = nil
		res, err := s.Decide(ctx, req)
		if err != nil || res.Created || res.Enrollment == nil || len(r.affiliates) != 2 {
			t.Errorf("repeat: %+v %v, affiliate calls %v; want the same decision, enrolled, affiliate retried", res, err, r.affiliates)
		}
	})
}
