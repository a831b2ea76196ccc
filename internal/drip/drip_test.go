package drip_test

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/outbox"
	"github.com/advocate-hq/advocate/internal/outbox/smtptest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// clock is the injected time; tests move it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type alerts struct {
	mu   sync.Mutex
	list []string
}

func (a *alerts) Alert(_ context.Context, kind, text string) error {
	a.mu.Lock()
	a.list = append(a.list, kind+": "+text)
	a.mu.Unlock()
	return nil
}

func (a *alerts) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.list...)
}

// monday is 2026-11-16 (a Monday), 10:00 UTC: inside the default 09:00-17:00 window.
var monday = time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)

func testConfig(t *testing.T, srv *smtptest.Server, extra string) *config.Config {
	t.Helper()
	y := fmt.Sprintf(`
smtp: {host: %q, port: %d, tls: none}
email: {from: "Dana from Vendor <dana@vendor.io>", program_url: "https://vendor.io/partners"}
server: {public_url: "https://advocate.vendor.io"}
drip:
  workers: 2
  rate_per_second: 0
  domain_rate_per_second: 0
  unsubscribe_secret: "test-secret-0123456789"
%s`, srv.Host, srv.Port, extra)
	cfg, err := config.Parse("advocate.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func seed(t *testing.T, s *store.Store, page connectors.Page) {
	t.Helper()
	ctx := context.Background()
	run, _, err := s.BeginSyncRun(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitPage(ctx, "crm", run, page); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishSyncRun(ctx, run, "crm", 0, nil); err != nil {
		t.Fatal(err)
	}
}

func enroll(t *testing.T, s *store.Store, domain, email string) store.Enrollment {
	t.Helper()
	c, err := s.FindCustomer(context.Background(), domain)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := s.Enroll(context.Background(), c.ID, email, "default")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func ref(domain string) connectors.Ref { return connectors.Ref{Domain: domain} }

// received maps a recipient to the subjects it got, in order.
func received(t *testing.T, srv *smtptest.Server) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range srv.Messages() {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		dec := new(mime.WordDecoder)
		subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
		out[m.To[0]] = append(out[m.To[0]], subject)
	}
	return out
}

// TestSequenceEndToEnd runs the default sequence over real SMTP with an injected clock, day by
// day: the right emails on the right days with their headers; an unsubscribe stops the rest;
// an opted-out contact is never mailed; an advocate who joins gets nothing more and the CSM
// hears about it.
func TestSequenceEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		srv.KeepData = true
		clk := &clock{t: monday}
		s.Now = clk.Now
		seed(t, s, connectors.Page{
			Customers: []connectors.Customer{
				{Ref: ref("acme.io"), Name: "Acme", Owner: "sam.rivera@vendor.io"},
				{Ref: ref("globex.com"), Name: "Globex", Owner: "sam.rivera@vendor.io"},
				{Ref: ref("initech.com"), Name: "Initech"},
				{Ref: ref("umbrella.com"), Name: "Umbrella"},
			},
			Contacts: []connectors.Contact{
				{Customer: ref("acme.io"), Email: "jo@acme.io", Name: "Jo Park", Champion: true},
				{Customer: ref("globex.com"), Email: "hank@globex.com", Name: "Hank", OptedOut: true},
				{Customer: ref("initech.com"), Email: "pete@initech.com", Name: "Peter"},
				{Customer: ref("umbrella.com"), Email: "alice@umbrella.com", Name: "Alice"},
			},
		})
		for _, e := range [][2]string{{"acme.io", "jo@acme.io"}, {"globex.com", "hank@globex.com"}, {"initech.com", "pete@initech.com"}, {"umbrella.com", "alice@umbrella.com"}} {
			enroll(t, s, e[0], e[1])
		}
		al := &alerts{}
		d, err := drip.FromConfig(ctx, testConfig(t, srv, ""), s, drip.Runtime{Now: clk.Now, Alerter: al})
		if err != nil {
			t.Fatal(err)
		}
		unsub := httptest.NewServer(d.UnsubscribeHandler())
		defer unsub.Close()

		days := map[int]map[string]int{} // day -> recipient -> emails that day
		for day := 0; day <= 12; day++ {
			clk.Set(monday.AddDate(0, 0, day))
			before := len(srv.Messages())
			for range 2 { // a second tick the same day must send nothing new
				if err := d.Tick(ctx); err != nil {
					t.Fatalf("day %d: %v", day, err)
				}
			}
			for _, m := range srv.Messages()[before:] {
				if days[day] == nil {
					days[day] = map[string]int{}
				}
				days[day][m.To[0]]++
			}
			switch day {
			case 0:
				// Initech's contact unsubscribes from the first email with the one-click POST
				// its List-Unsubscribe-Post header advertises (RFC 8058).
				for _, m := range srv.Messages() {
					if m.To[0] != "pete@initech.com" {
						continue
					}
					msg, _ := netmail.ReadMessage(bytes.NewReader(m.Data))
					if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
						t.Fatalf("List-Unsubscribe-Post = %q", got)
					}
					link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
					link = unsub.URL + link[strings.Index(link, "/u/"):]
					res, err := http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
					if err != nil || res.StatusCode != 200 {
						t.Fatalf("one-click unsubscribe: %v %v", res, err)
					}
					res.Body.Close()
				}
			case 2:
				// Umbrella's contact started referring: the affiliate platform reports it.
				seed(t, s, connectors.Page{Signals: []connectors.Signal{{Customer: ref("umbrella.com"), Name: "referrals_made", Value: 1, ObservedAt: clk.Now()}}})
			}
		}

		want := map[int]map[string]int{
			0:  {"jo@acme.io": 1, "pete@initech.com": 1, "alice@umbrella.com": 1},
			1:  {"jo@acme.io": 1, "alice@umbrella.com": 1},
			3:  {"jo@acme.io": 1},
			5:  {"jo@acme.io": 1},
			10: {"jo@acme.io": 1},
		}
		if fmt.Sprint(days) != fmt.Sprint(want) {
			t.Errorf("emails per day:\n got %v\nwant %v", days, want)
		}
		got := received(t, srv)
		wantSubjects := []string{"Jo, an invitation for Acme to our partner program", "Jo, your first step as a partner takes five minutes",
			"How one customer's recommendations paid for their own subscription", "Jo, ready-made posts, emails and slides to share",
			"Jo, how is it going with the partner program?"}
		if fmt.Sprint(got["jo@acme.io"]) != fmt.Sprint(wantSubjects) {
			t.Errorf("jo's subjects:\n got %q\nwant %q", got["jo@acme.io"], wantSubjects)
		}
		if len(got["hank@globex.com"]) != 0 {
			t.Errorf("opted-out contact was mailed: %v", got["hank@globex.com"])
		}

		// Headers of every email: stable Message-ID as stored, unsubscribe headers, From.
		rows, _ := s.OutboxEmails(ctx, store.OutboxFilter{Status: "sent"})
		ids := map[string]store.OutboxEmail{}
		for _, r := range rows {
			ids[r.MessageID] = r
		}
		for _, m := range srv.Messages() {
			msg, _ := netmail.ReadMessage(bytes.NewReader(m.Data))
			row, ok := ids[strings.Trim(msg.Header.Get("Message-Id"), "<>")]
			if !ok {
				t.Errorf("received Message-ID %s matches no sent outbox row", msg.Header.Get("Message-Id"))
			}
			if !strings.HasPrefix(msg.Header.Get("List-Unsubscribe"), "<https://advocate.vendor.io/u/") {
				t.Errorf("List-Unsubscribe = %q", msg.Header.Get("List-Unsubscribe"))
			}
			if row.Step == 0 && m.To[0] == "jo@acme.io" {
				if from := msg.Header.Get("From"); !strings.Contains(from, "sam.rivera@vendor.io") {
					t.Errorf("invitation From = %q, want the CSM", from)
				}
			}
		}

		status := map[string]string{}
		es, _ := s.Enrollments(ctx, "")
		for _, e := range es {
			status[e.ContactEmail] = e.Status + " (" + e.StopReason + ")"
		}
		wantStatus := map[string]string{
			"jo@acme.io":         "completed (sequence finished)",
			"hank@globex.com":    "stopped (opted out in the CRM)",
			"pete@initech.com":   "stopped (unsubscribed (one-click))",
			"alice@umbrella.com": "completed (joined: referrals_made > 0)",
		}
		if fmt.Sprint(status) != fmt.Sprint(wantStatus) {
			t.Errorf("enrollments:\n got %v\nwant %v", status, wantStatus)
		}
		joined := 0
		for _, a := range al.all() {
			if strings.HasPrefix(a, drip.AlertOnboardingFinished) && strings.Contains(a, "Umbrella") {
				joined++
			}
		}
		if joined != 1 {
			t.Errorf("alerts = %q; want one onboarding_finished for Umbrella", al.all())
		}
	})
}

// TestConsentCheckedAtSendTime: an email already in the outbox is not sent when the contact
// opts out in the CRM (or is suppressed) before the sender gets to it.
func TestConsentCheckedAtSendTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		clk := &clock{t: monday}
		s.Now = clk.Now
		seed(t, s, connectors.Page{
			Customers: []connectors.Customer{{Ref: ref("acme.io"), Name: "Acme"}, {Ref: ref("initech.com"), Name: "Initech"}},
			Contacts: []connectors.Contact{{Customer: ref("acme.io"), Email: "jo@acme.io", Name: "Jo"},
				{Customer: ref("initech.com"), Email: "pete@initech.com", Name: "Peter"}},
		})
		enroll(t, s, "acme.io", "jo@acme.io")
		enroll(t, s, "initech.com", "pete@initech.com")
		d, err := drip.FromConfig(ctx, testConfig(t, srv, ""), s, drip.Runtime{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := d.Plan(ctx, false)
		if err != nil || ps.Enqueued != 2 {
			t.Fatalf("Plan = %+v, %v", ps, err)
		}
		// Between planning and sending: Jo opts out in the CRM, Peter is suppressed.
		seed(t, s, connectors.Page{Contacts: []connectors.Contact{{Customer: ref("acme.io"), Email: "jo@acme.io", Name: "Jo", OptedOut: true}}})
		if _, err := s.Suppress(ctx, "pete@initech.com", "bounced"); err != nil {
			t.Fatal(err)
		}
		// The sender alone, as the next tick would run it after planning.
		ob := outbox.New(s, outbox.SMTP{Host: srv.Host, Port: srv.Port, TLS: "none"}, outbox.Config{Workers: 2}, clk.Now, nil)
		st, err := ob.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if srv.Count() != 0 || st.Sent != 0 {
			t.Fatalf("sent %d emails (stats %+v); want none", srv.Count(), st)
		}
	})
}

// TestDeliveryFailures: a 5xx fails the email for good and alerts; a 4xx is retried later with
// backoff and then delivered.
func TestDeliveryFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		var tempFail atomic.Bool
		tempFail.Store(true)
		srv.Rcpt = func(to string) error {
			switch {
			case strings.HasPrefix(to, "nobody@"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			case strings.HasPrefix(to, "busy@") && tempFail.Load():
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			}
			return nil
		}
		clk := &clock{t: monday}
		s.Now = clk.Now
		seed(t, s, connectors.Page{
			Customers: []connectors.Customer{{Ref: ref("acme.io"), Name: "Acme"}, {Ref: ref("initech.com"), Name: "Initech"}},
			Contacts: []connectors.Contact{{Customer: ref("acme.io"), Email: "nobody@acme.io"},
				{Customer: ref("initech.com"), Email: "busy@initech.com"}},
		})
		enroll(t, s, "acme.io", "nobody@acme.io")
		enroll(t, s, "initech.com", "busy@initech.com")
		al := &alerts{}
		d, err := drip.FromConfig(ctx, testConfig(t, srv, "  retry_base: 10m\n"), s, drip.Runtime{Now: clk.Now, Alerter: al})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		failed, _ := s.OutboxEmails(ctx, store.OutboxFilter{Status: "failed"})
		if len(failed) != 1 || failed[0].To != "nobody@acme.io" || !strings.Contains(failed[0].LastError, "550") {
			t.Fatalf("failed rows = %+v", failed)
		}
		if a := al.all(); len(a) != 1 || !strings.HasPrefix(a[0], drip.AlertDeliveryFailed) {
			t.Fatalf("alerts = %q", a)
		}
		pending, _ := s.OutboxEmails(ctx, store.OutboxFilter{Status: "pending"})
		if len(pending) != 1 || pending[0].Attempts != 1 || pending[0].NextAttemptAt.Before(monday.Add(9*time.Minute)) {
			t.Fatalf("after a 451: %+v; want pending again, attempt 1, retried in about 10 minutes", pending)
		}
		tempFail.Store(false)
		clk.Add(5 * time.Minute)
		d.Tick(ctx)
		if srv.Count() != 0 {
			t.Fatal("retried before the backoff ran out")
		}
		clk.Add(10 * time.Minute)
		if err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if srv.Count() != 1 {
			t.Fatalf("after the backoff: %d delivered, want 1", srv.Count())
		}
		// The next tick notices the failed delivery and stops that enrollment.
		d.Tick(ctx)
		es, _ := s.Enrollments(ctx, "stopped")
		if len(es) != 1 || !strings.HasPrefix(es[0].StopReason, "delivery failed") {
			t.Errorf("stopped enrollments = %+v", es)
		}
	})
}
