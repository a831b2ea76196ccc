package affiliates_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/alerts"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestRetryDelay: the wait doubles from a minute per failure up to an hour, ±10%.
func TestRetryDelay(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute, 7: time.Hour, 50: time.Hour} {
		for _, email := range []string{"pat@p1.io", "kim@p2.io", "lee@p3.io"} {
			got := affiliates.RetryDelay(attempts, email)
			if got < want*9/10 || got > want*11/10 || got != affiliates.RetryDelay(attempts, email) {
				t.Errorf("RetryDelay(%d, %s) = %s, want %s ±10%%, the same each time", attempts, email, got, want)
			}
		}
	}
}

// alertsOf is the queued alerts of kind.
func alertsOf(t *testing.T, st *store.Store, kind string) []store.Alert {
	t.Helper()
	all, err := st.PendingAlerts(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Alert
	for _, a := range all {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestPlatformDownRetriesAndAlerts is issue 12's "if the platform is down" end to end: approvals
// while the platform is down send no email and record the failure; the retry job asks again
// with growing waits (not every minute), tells the CSM channel once when people have waited
// five failures, and once the platform is back makes exactly one affiliate per person, clears
// the wait, says so, and the drip sends the invitation with the real link. A contact enrolled
// with no attempt recorded (the process stopped between enrolling and creating) is picked up too.
func TestPlatformDownRetriesAndAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := monday
		clock := func() time.Time { return now }
		st.Now = clock
		fake, srv := newFakeDub(t)
		cfg := testConfig(t, srv.URL)
		emails := seed(t, st, 3)
		en := affiliates.New(platform(t, cfg), st, quiet)
		dec := newDecider(t, st, en)
		alerter, err := alerts.New(alerts.Options{Store: st, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		retry := affiliates.NewRetrier(en, alerter, clock)
		d, err := drip.FromConfig(ctx, cfg, st, drip.Runtime{Now: clock, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}

		fake.setDown(true)
		if err := approve(dec, "p1.io", decide.ViaCLI); err == nil || !strings.Contains(err.Error(), "retried automatically") {
			t.Fatalf("approve while down: %v; want the failure and that it is retried", err)
		}
		c3, _ := st.FindCustomer(ctx, "p3.io")
		if _, _, err := st.Enroll(ctx, c3.ID, emails[2], decide.DefaultSequence); err != nil { // and then the process died
			t.Fatal(err)
		}

		// 40 minutes down, the job every minute; p2 approved at minute 10.
		tries := map[string][]time.Time{} // when each person's create failed
		seen := map[string]int{}
		for minute := 0; minute <= 40; minute++ {
			now = monday.Add(time.Duration(minute) * time.Minute)
			if minute == 10 {
				approve(dec, "p2.io", decide.ViaSlack)
			}
			if err := retry.Run(ctx); err != nil {
				t.Fatalf("minute %d: %v", minute, err)
			}
			if ps, err := d.Plan(ctx, false); err != nil || ps.Enqueued != 0 {
				t.Fatalf("minute %d: plan %+v, %v; nothing may be sent without the link", minute, ps, err)
			}
			pending, _ := st.PendingAffiliates(ctx, "dub")
			most := 0
			for _, p := range pending {
				if p.Attempt != nil {
					most = max(most, p.Attempt.Attempts)
				}
			}
			if n := len(alertsOf(t, st, affiliates.KindCreationFailing)); (most >= affiliates.DefaultAlertAfter) != (n == 1) || n > 1 {
				t.Fatalf("minute %d: %d failing alerts with at most %d failures in a row; want one from %d on", minute, n, most, affiliates.DefaultAlertAfter)
			}
			for _, p := range pending {
				if a := p.Attempt; a != nil && a.Attempts > seen[p.Email] {
					seen[p.Email] = a.Attempts
					tries[p.Email] = append(tries[p.Email], a.LastFailedAt)
					if wait := a.NextAttemptAt.Sub(a.LastFailedAt); wait != affiliates.RetryDelay(a.Attempts, p.Email) {
						t.Errorf("%s after %d failures waits %s, want %s", p.Email, a.Attempts, wait, affiliates.RetryDelay(a.Attempts, p.Email))
					}
				}
			}
		}
		for _, e := range emails {
			at := tries[e]
			if len(at) < 4 || len(at) > 7 {
				t.Errorf("%s was tried %d times while down (%v), want a handful with backoff", e, len(at), at)
			}
			for i := 2; i < len(at); i++ {
				if at[i].Sub(at[i-1]) <= at[i-1].Sub(at[i-2]) {
					t.Errorf("%s: the waits do not grow: tries at %v", e, at)
				}
			}
		}
		if n := fake.count(""); n != 0 {
			t.Fatalf("the platform holds %d affiliates while down", n)
		}
		failing := alertsOf(t, st, affiliates.KindCreationFailing)
		if len(failing) != 1 || !strings.Contains(failing[0].Text, "`dub`") || !strings.Contains(failing[0].Text, "503") {
			t.Fatalf("failing alerts: %+v, want exactly one naming the platform and its error", failing)
		}
		pending, _ := st.PendingAffiliates(ctx, "dub")
		for _, p := range pending {
			if !p.Attempt.Alerted {
				t.Errorf("%s waits unreported: %+v", p.Email, p.Attempt)
			}
		}
		if len(pending) != 3 {
			t.Fatalf("%d people wait, want 3", len(pending))
		}

		// Back up: the next due retry makes each affiliate once and clears the waits.
		fake.setDown(false)
		now = now.Add(time.Hour)
		for range 2 {
			if err := retry.Run(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n, posts := fake.count(""), fake.postCount(); n != 3 || posts != 3 {
			t.Errorf("the platform holds %d affiliates after %d creates, want 3 and 3", n, posts)
		}
		if pending, _ := st.PendingAffiliates(ctx, "dub"); len(pending) != 0 {
			t.Errorf("still waiting: %+v", pending)
		}
		if rec := alertsOf(t, st, affiliates.KindCreationRecovered); len(rec) != 1 || len(alertsOf(t, st, affiliates.KindCreationFailing)) != 1 {
			t.Errorf("recovered alerts %+v; want exactly one, and no new failing alert", rec)
		}
		checkEmails(t, d, st, emails, linkFor)
	})
}

// TestRetryWaitsForItsTime: a failure recorded at approval is not retried before its next
// attempt, and a person whose affiliate exists is not asked for again.
func TestRetryWaitsForItsTime(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	now := monday
	st.Now = func() time.Time { return now }
	fake, srv := newFakeDub(t)
	cfg := testConfig(t, srv.URL)
	seed(t, st, 2)
	en := affiliates.New(platform(t, cfg), st, quiet)
	dec := newDecider(t, st, en)
	if err := approve(dec, "p2.io", decide.ViaCLI); err != nil { // made while up
		t.Fatal(err)
	}
	fake.setDown(true)
	approve(dec, "p1.io", decide.ViaCLI)
	fake.setDown(false)
	retry := affiliates.NewRetrier(en, nil, func() time.Time { return now })
	next := monday.Add(affiliates.RetryDelay(1, "pat@p1.io"))
	for _, at := range []time.Time{monday, next.Add(-time.Second)} {
		now = at
		if err := retry.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fake.count(""); n != 1 {
			t.Fatalf("at %s: %d affiliates, want only p2's (p1 is not due before %s)", at.Format(time.TimeOnly), n, next.Format(time.TimeOnly))
		}
	}
	now = next
	if err := retry.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n, posts := fake.count(""), fake.postCount(); n != 2 || posts != 2 {
		t.Errorf("%d affiliates after %d creates, want 2 and 2", n, posts)
	}
	if a, err := st.AffiliateByEmail(ctx, "dub", "pat@p1.io"); err != nil || a.Link() != linkFor("pat@p1.io") {
		t.Errorf("p1's affiliate: %+v, %v", a, err)
	}
}
