package review

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/slack/slackfake"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

var texts = slackfake.Texts

// buttonValue finds the value of the nth button with actionID in a posted message.
func buttonValue(t *testing.T, p slackfake.Message, actionID string, nth int) string {
	t.Helper()
	v := slackfake.ButtonValue(p, actionID, nth)
	if v == "" {
		t.Fatalf("no %s button #%d in message", actionID, nth)
	}
	return v
}

func TestPostChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st, 5)
		f := slackfake.New(t)
		e := newService(t, st, f, nil)
		res, err := e.svc.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.Snapshot()
		if res.Week != "2026-W47" || res.Sent != 1 || len(posts) != 1 {
			t.Fatalf("result %+v, %d posts; want one message for 2026-W47", res, len(posts))
		}
		p := posts[0]
		got := texts(p)
		for _, want := range []string{
			"Advocate shortlist · 2026-W47", // header with week
			"5 candidates from 5 customers", // counts
			"<@UMAYA>", "<@ULI>",            // CSMs mentioned
			"ghost@vendor.io",                      // a CSM Slack does not know: email
			"Recruit: *Champ 00*, VP Ops",          // the person
			"Score: *92.5* (+2.5 since last week)", // score and change
			"NPS 10 (promoter)", "growing usage",   // reasons
			":warning: 2 escalations in the last 90 days", // caution
			"Approve", "Skip", "Snooze 30 days", "Preview invite",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("posted message lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "fourth reason") {
			t.Error("more than three reasons shown")
		}
		if p.Channel != "CCS-ADVOCATES" || !strings.Contains(p.Text, "5 candidates") {
			t.Errorf("channel %q text %q", p.Channel, p.Text)
		}
		if n := f.Lookups("maya@vendor.io"); n != 1 {
			t.Errorf("maya looked up %d times, want 1 (cached)", n)
		}
	})
}

func TestPostIsIdempotentAcrossRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st, 30) // 30 candidates: more than one message
		f := slackfake.New(t)
		e := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		// The first run crashes after the first message reached Slack.
		f.FailAfter(1)
		if _, err := e.svc.PostWeek(ctx); err == nil {
			t.Fatal("want an error when Slack fails half-way")
		}
		posts, _, _ := f.Snapshot()
		if len(posts) != 1 {
			t.Fatalf("%d messages before the failure, want 1", len(posts))
		}
		// Meanwhile a CSM skips someone from the CLI: the half-posted list must not be rebuilt,
		// or the remaining messages would not match the first one.
		first, _ := st.Customers(ctx)
		if _, err := st.RecordDecision(ctx, store.Decision{CustomerID: first[len(first)-1].ID, Kind: "skip", Week: "2026-W47"}); err != nil {
			t.Fatal(err)
		}
		f.FailAfter(0)
		e2 := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		res, err := e2.svc.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		posts, _, _ = f.Snapshot()
		if res.Messages < 2 || res.AlreadySent != 1 || res.Sent != res.Messages-1 || len(posts) != res.Messages {
			t.Fatalf("resume: %+v, %d posts in all; want the remaining messages only", res, len(posts))
		}
		for i, p := range posts {
			if !strings.Contains(texts(p), "Advocate shortlist · 2026-W47 (") {
				t.Errorf("message %d has no part header", i)
			}
		}
		// A restarted serve (new service, same store) posts nothing twice.
		e3 := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		res, err = e3.svc.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after, _, _ := f.Snapshot()
		if res.Sent != 0 || len(after) != len(posts) {
			t.Fatalf("restart sent %d (now %d posts, was %d); want nothing", res.Sent, len(after), len(posts))
		}
		sl, err := st.GetShortlist(ctx, "2026-W47")
		if err != nil || sl.PostedAt == nil || len(sl.Entries) != 30 {
			t.Fatalf("shortlist not marked posted: %+v %v", sl, err)
		}
	})
}

func TestPostWaitsOutRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st, 3)
		f := slackfake.New(t)
		f.RateLimit(2)
		e := newService(t, st, f, nil)
		res, err := e.svc.PostWeek(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 1 {
			t.Fatalf("sent %d, want 1", res.Sent)
		}
		if len(*e.slept) != 2 || (*e.slept)[0] != 7*time.Second {
			t.Errorf("waited %v, want twice the 7s Retry-After", *e.slept)
		}
	})
}

func TestPostDM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st, 5)
		f := slackfake.New(t)
		e := newService(t, st, f, func(o *Options) { o.DM = true })
		if _, err := e.svc.PostWeek(context.Background()); err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.Snapshot()
		byChannel := map[string]string{}
		for _, p := range posts {
			byChannel[p.Channel] += texts(p)
		}
		if len(posts) != 3 {
			t.Fatalf("%d messages, want one DM each for maya and li, and the channel for the unknown CSM", len(posts))
		}
		if m := byChannel["DUMAYA"]; !strings.Contains(m, "Customer 00") || strings.Contains(m, "Customer 01") {
			t.Errorf("maya's DM shows someone else's candidates:\n%s", m)
		}
		if c := byChannel["CCS-ADVOCATES"]; !strings.Contains(c, "ghost@vendor.io") || !strings.Contains(c, "Customer 04") {
			t.Errorf("the unknown CSM's candidates did not fall back to the channel:\n%s", c)
		}
	})
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, posts := posted(t, st, 2)
		f := e.f
		cb := click(f, posts[0], slack.ActionApprove, buttonValue(t, posts[0], slack.ActionApprove, 0), "UMAYA", 1)
		h := e.svc.Handler()

		do := func(r *http.Request) int {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code
		}
		unsigned := press(t, secret, t0, cb)
		unsigned.Header.Del("X-Slack-Signature")
		forged := press(t, "guessed", t0, cb)
		stale := press(t, secret, t0.Add(-10*time.Minute), cb)
		for name, r := range map[string]*http.Request{"unsigned": unsigned, "forged": forged, "stale": stale} {
			if code := do(r); code != http.StatusUnauthorized {
				t.Errorf("%s request: %d, want 401", name, code)
			}
		}
		if d, _ := st.LatestDecisions(ctx); len(d) != 0 {
			t.Fatalf("a rejected request recorded %v", d)
		}
		good := press(t, secret, t0, cb)
		replay := press(t, secret, t0, cb) // the same bytes captured and sent again
		if code := do(good); code != http.StatusOK {
			t.Fatalf("signed request: %d", code)
		}
		if code := do(replay); code != http.StatusUnauthorized {
			t.Errorf("replayed request: %d, want 401", code)
		}
	})
}

func TestDoubleClickIsOneDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, posts := posted(t, st, 2)
		f := e.f
		value := buttonValue(t, posts[0], slack.ActionApprove, 0)
		h := e.svc.Handler()
		for i := range 3 { // a double (triple) click: three signed requests
			w := httptest.NewRecorder()
			h.ServeHTTP(w, press(t, secret, t0, click(f, posts[0], slack.ActionApprove, value, "UMAYA", i)))
			if w.Code != http.StatusOK {
				t.Fatalf("click %d: %d %s", i, w.Code, w.Body)
			}
		}
		// A second CSM presses Skip on the same candidate: the first decision stands.
		w := httptest.NewRecorder()
		h.ServeHTTP(w, press(t, secret, t0, click(f, posts[0], slack.ActionSkip, value, "ULI", 9)))
		e.close(t)

		var n int
		if err := st.DB().Get(&n, `SELECT COUNT(*) FROM decisions`); err != nil || n != 1 {
			t.Fatalf("%d decisions (%v), want 1", n, err)
		}
		_, customerID, _ := slack.ParseActionValue(value)
		d, _ := st.LatestDecisions(ctx)
		if got := d[customerID]; got.Kind != "approve" || got.DecidedBy != "maya@vendor.io" || got.Via != "slack" || got.Week != "2026-W47" {
			t.Errorf("decision %+v, want approve by maya@vendor.io via slack in 2026-W47", got)
		}
		es, _ := st.Enrollments(ctx, "")
		if len(es) != 1 || es[0].ContactEmail != "champ@cust00.io" || es[0].Sequence != "default" {
			t.Fatalf("enrollments %+v, want one for champ@cust00.io in default", es)
		}
		_, updates, responses := f.Snapshot()
		if len(updates) == 0 {
			t.Fatal("message never updated")
		}
		last := texts(updates[len(updates)-1])
		if !strings.Contains(last, "*Approved* by <@UMAYA>") || strings.Count(last, "Approve\n") != 1 {
			t.Errorf("updated message should show who approved and keep the other candidate's buttons:\n%s", last)
		}
		if len(responses) != 1 || !strings.Contains(responses[0], "already approved by") {
			t.Errorf("the second CSM was not told: %q", responses)
		}
	})
}

func TestPreviewAndSocketDispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, posts := posted(t, st, 2)
		f := e.f
		// Socket Mode delivers the same payload; it is acknowledged after the decision is stored.
		snooze := click(f, posts[0], slack.ActionSnooze, buttonValue(t, posts[0], slack.ActionSnooze, 1), "ULI", 1)
		preview := click(f, posts[0], slack.ActionPreview, buttonValue(t, posts[0], slack.ActionPreview, 0), "UMAYA", 2)
		var acked []string
		ack := func(r socketmode.Request, _ ...any) error { acked = append(acked, r.EnvelopeID); return nil }
		e.slack.HandleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: snooze, Request: &socketmode.Request{EnvelopeID: "e1"}}, ack, e.svc.Dispatch)
		e.slack.HandleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: preview, Request: &socketmode.Request{EnvelopeID: "e2"}}, ack, e.svc.Dispatch)
		garbage := click(f, posts[0], slack.ActionApprove, "garbage", "UMAYA", 3)
		e.slack.HandleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: garbage, Request: &socketmode.Request{EnvelopeID: "e3"}}, ack, e.svc.Dispatch)
		e.close(t)
		if strings.Join(acked, ",") != "e1,e2" {
			t.Errorf("acked %v, want e1,e2 (a malformed button value is not acknowledged)", acked)
		}
		d, _ := st.LatestDecisions(ctx)
		var snoozed store.Decision
		for _, x := range d {
			snoozed = x
		}
		if len(d) != 1 || snoozed.Kind != "snooze" || snoozed.Until == nil || !snoozed.Until.Equal(t0.AddDate(0, 0, 30)) {
			t.Errorf("decisions %+v, want one snooze until %s", d, t0.AddDate(0, 0, 30))
		}
		_, _, responses := f.Snapshot()
		all := strings.Join(responses, "\n")
		if len(responses) != 2 || strings.Count(all, `"ephemeral"`) != 2 || !strings.Contains(all, "champ@cust00.io") ||
			!strings.Contains(all, "Subject:") || !strings.Contains(all, "Nothing was recorded") {
			t.Errorf("replies %q, want an ephemeral invitation to champ@cust00.io and a private rejection of the garbage press", responses)
		}
	})
}

func BenchmarkPostShortlist(b *testing.B) {
	for _, n := range []int{20, 50} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			st := storetest.SQLite(b)
			seed(b, st, n)
			f := slackfake.New(b)
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				if _, err := st.DB().Exec(`DELETE FROM shortlists`); err != nil {
					b.Fatal(err)
				}
				e := newService(b, st, f, func(o *Options) {
					o.Policy.Size = n
					o.Now = func() time.Time { return t0.Add(time.Duration(i) * time.Second) }
				})
				b.StartTimer()
				res, err := e.svc.PostWeek(context.Background())
				if err != nil || res.Sent == 0 {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
