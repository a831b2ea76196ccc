package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// pendingOn is who waits for an affiliate on platform, as "customer domain/email[:attempts]".
func pendingOn(t *testing.T, s *store.Store, platform string, domainOf map[string]string) []string {
	t.Helper()
	ps, err := s.PendingAffiliates(context.Background(), platform)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		line := domainOf[p.CustomerID] + "/" + p.Email
		if p.Attempt != nil {
			line += fmt.Sprintf(":%d", p.Attempt.Attempts)
		}
		out = append(out, line)
	}
	return out
}

// TestAffiliateAttempts: failed creates are counted per platform and person with their backoff,
// the approved contacts without an affiliate link are listed once each with what was
// recorded, and a success (or a stored link) ends the wait.
func TestAffiliateAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0
		s.Now = func() time.Time { return now }
		page := samplePage()
		page.Customers = append(page.Customers, connectors.Customer{Ref: connectors.Ref{Domain: "initech.com"}, Name: "Initech"})
		commit(t, s, "crm", page)
		domainOf := map[string]string{}
		ids := map[string]string{}
		for _, d := range []string{"acme.io", "globex.com", "initech.com"} {
			c, err := s.FindCustomer(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			domainOf[c.ID], ids[d] = d, c.ID
		}
		enroll := func(domain, email, seq string) store.Enrollment {
			e, _, err := s.Enroll(ctx, ids[domain], email, seq)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		enroll("acme.io", "Jo@Acme.io", "default")
		now = now.Add(time.Minute)
		enroll("acme.io", "jo@acme.io", "spring") // a second sequence: still one wait
		enroll("initech.com", "bob@initech.com", "default")
		hank := enroll("globex.com", "hank@globex.com", "default")
		if _, err := s.EndEnrollment(ctx, hank.ID, "stopped", "unsubscribed"); err != nil {
			t.Fatal(err)
		}
		want := "[acme.io/jo@acme.io initech.com/bob@initech.com]"
		if got := fmt.Sprint(pendingOn(t, s, "dub", domainOf)); got != want {
			t.Fatalf("waiting = %s, want %s (stopped enrollments do not wait)", got, want)
		}

		// Three failures in a row: counted, the first kept, the next attempt after the backoff
		// of the new count; an empty customer id does not erase the known one.
		backoff := func(n int) time.Duration { return time.Duration(n) * 10 * time.Minute }
		start := now
		var a store.AffiliateAttempt
		for i, cust := range []string{ids["acme.io"], "", ids["acme.io"]} {
			now = start.Add(time.Duration(i) * time.Minute)
			var err error
			if a, err = s.RecordAffiliateFailure(ctx, "dub", " JO@acme.io", cust, fmt.Sprintf("HTTP 503 #%d", i+1), backoff); err != nil {
				t.Fatal(err)
			}
		}
		if a.Attempts != 3 || a.LastError != "HTTP 503 #3" || !a.FirstFailedAt.Equal(start) || !a.LastFailedAt.Equal(now) ||
			!a.NextAttemptAt.Equal(now.Add(30*time.Minute)) || a.CustomerID != ids["acme.io"] || a.Alerted || a.Email != "jo@acme.io" {
			t.Errorf("after 3 failures: %+v", a)
		}
		if _, err := s.RecordAffiliateFailure(ctx, "rewardful", "jo@acme.io", ids["acme.io"], "401", backoff); err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(pendingOn(t, s, "dub", domainOf)), "[acme.io/jo@acme.io:3 initech.com/bob@initech.com]"; got != want {
			t.Errorf("waiting on dub = %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(pendingOn(t, s, "rewardful", domainOf)), "[acme.io/jo@acme.io:1 initech.com/bob@initech.com]"; got != want {
			t.Errorf("waiting on rewardful = %s, want %s (platforms apart)", got, want)
		}
		ps, _ := s.PendingAffiliates(ctx, "dub")
		if got := ps[0].Attempt; got == nil || *got != a {
			t.Errorf("listed attempt %+v, want %+v", got, a)
		}

		if err := s.MarkAffiliateAttemptsAlerted(ctx, "dub", []string{"jo@acme.io"}); err != nil {
			t.Fatal(err)
		}
		if ps, _ := s.PendingAffiliates(ctx, "dub"); !ps[0].Attempt.Alerted {
			t.Error("not marked alerted")
		}

		// An affiliate without a link still leaves the person waiting; with one, not.
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "bob@initech.com", AffiliateID: "pn_9"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "jo@acme.io", AffiliateID: "pn_1", Links: []string{"https://dub.sh/jo"}}); err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(pendingOn(t, s, "dub", domainOf)), "[initech.com/bob@initech.com]"; got != want {
			t.Errorf("waiting = %s, want %s", got, want)
		}

		// A success clears the row; the next failure starts counting again.
		if err := s.ClearAffiliateAttempt(ctx, "dub", "Jo@Acme.io"); err != nil {
			t.Fatal(err)
		}
		if a, err := s.RecordAffiliateFailure(ctx, "dub", "jo@acme.io", "", "again", backoff); err != nil || a.Attempts != 1 || !a.FirstFailedAt.Equal(now) || a.Alerted {
			t.Errorf("after a clear: %+v, %v; want a fresh count", a, err)
		}
		if _, err := s.RecordAffiliateFailure(ctx, "dub", " ", "", "x", backoff); err == nil {
			t.Error("recorded a failure without an email")
		}
	})
}
