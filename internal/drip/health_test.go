package drip_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/outbox/smtptest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// mentions is a Slack user directory that knows every CSM.
type mentions struct{}

func (mentions) Mention(_ context.Context, email string) string {
	return "<@U" + strings.ToUpper(email[:4]) + ">"
}

// TestHealthPauseAndResume: a health drop below alerts.health_below pauses the enrollment and
// alerts once; resuming while health is still low is not undone; after a recovery a later
// drop pauses and alerts again; a resumed enrollment gets its emails again.
func TestHealthPauseAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		clk := &clock{t: monday}
		s.Now = clk.Now
		health := func(v float64) {
			t.Helper()
			seed(t, s, connectors.Page{Signals: []connectors.Signal{{Customer: ref("acme.io"), Name: "health_score", Value: v, ObservedAt: clk.Now()}}})
		}
		seed(t, s, connectors.Page{
			Customers: []connectors.Customer{{Ref: ref("acme.io"), Name: "Acme", Owner: "maya@vendor.io"}},
			Contacts:  []connectors.Contact{{Customer: ref("acme.io"), Email: "jo@acme.io", Name: "Jo"}},
		})
		health(42)
		e := enroll(t, s, "acme.io", "jo@acme.io")
		al := &alerts{}
		d, err := drip.FromConfig(ctx, testConfig(t, srv, "alerts: {health_below: 50}\n"), s, drip.Runtime{Now: clk.Now, Alerter: al, Mentions: mentions{}})
		if err != nil {
			t.Fatal(err)
		}
		status := func() string {
			t.Helper()
			es, err := s.CustomerEnrollments(ctx, e.CustomerID)
			if err != nil || len(es) != 1 {
				t.Fatalf("enrollments %v, %v", es, err)
			}
			return es[0].Status
		}
		healthAlerts := func() []string {
			var out []string
			for _, a := range al.all() {
				if strings.HasPrefix(a, drip.AlertHealthDrop+": ") {
					out = append(out, a)
				}
			}
			return out
		}

		// A dry run pauses nothing and plans nothing for the unhealthy customer.
		ps, err := d.Plan(ctx, true)
		if err != nil || ps.Paused != 1 || len(ps.Planned) != 0 || status() != "active" || len(healthAlerts()) != 0 {
			t.Fatalf("dry run: %+v, %v, status %s, alerts %v", ps, err, status(), al.all())
		}

		for range 2 { // a second tick must not alert again
			if err := d.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got := healthAlerts()
		if status() != "paused" || len(got) != 1 {
			t.Fatalf("after the drop: status %s, health alerts %q; want paused and one alert", status(), got)
		}
		for _, want := range []string{"*Acme (acme.io)*", "health score 42 is below 50", "jo@acme.io", "<@UMAYA>", "`advocate drip resume acme.io`"} {
			if !strings.Contains(got[0], want) {
				t.Errorf("alert %q lacks %q", got[0], want)
			}
		}
		if srv.Count() != 0 {
			t.Fatalf("%d emails sent to a paused enrollment", srv.Count())
		}

		// A person resumes while health is still low: the drip does not pause it again, and the
		// invitation goes out.
		if n, err := d.Resume(ctx, "acme.io"); err != nil || n != 1 {
			t.Fatalf("Resume = %d, %v", n, err)
		}
		if _, err := d.Resume(ctx, "acme.io"); err == nil || !strings.Contains(err.Error(), "no paused enrollment") {
			t.Errorf("Resume of an active enrollment: %v; want a clear error", err)
		}
		d.Tick(ctx)
		if status() != "active" || len(healthAlerts()) != 1 || srv.Count() != 1 {
			t.Fatalf("after resume: status %s, %d health alerts, %d sent; want active, 1, 1", status(), len(healthAlerts()), srv.Count())
		}

		// Health recovers, then drops again: paused and alerted again.
		clk.Add(time.Hour)
		health(80)
		d.Tick(ctx)
		clk.Add(time.Hour)
		health(30)
		d.Tick(ctx)
		if status() != "paused" || len(healthAlerts()) != 2 || !strings.Contains(healthAlerts()[1], "health score 30") {
			t.Fatalf("after a later drop: status %s, health alerts %q; want paused and a second alert", status(), healthAlerts())
		}

		// Resumed after a recovery: memory cleared, so the next drop alerts once more.
		clk.Add(time.Hour)
		health(90)
		d.Tick(ctx)
		if status() != "paused" {
			t.Fatal("a recovery resumed the drip on its own; resuming is a person's call")
		}
		if _, err := d.Resume(ctx, e.CustomerID); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		health(20)
		d.Tick(ctx)
		if status() != "paused" || len(healthAlerts()) != 3 {
			t.Fatalf("drop after a resume: status %s, %d health alerts; want paused, 3", status(), len(healthAlerts()))
		}
	})
}
