package review

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// texts collects every mrkdwn/plain text in posted blocks, in order.
func texts(p posted) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				b.WriteString(t + "\n")
			}
			for k, vv := range x {
				if k != "text" || func() bool { _, ok := vv.(string); return !ok }() {
					walk(vv)
				}
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	for _, bl := range p.Blocks {
		walk(bl)
	}
	return b.String()
}

// buttonValue finds the value of a button for a customer name in a posted message.
func buttonValue(t *testing.T, p posted, actionID string, nth int) string {
	t.Helper()
	seen := 0
	for _, bl := range p.Blocks {
		if bl["type"] != "actions" {
			continue
		}
		for _, el := range bl["elements"].([]any) {
			e := el.(map[string]any)
			if e["action_id"] == actionID {
				if seen == nth {
					return e["value"].(string)
				}
				seen++
			}
		}
	}
	t.Fatalf("no %s button #%d in message", actionID, nth)
	return ""
}

func TestPostChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st, 5)
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, nil)
		res, err := svc.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.snapshot()
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
		f.mu.Lock()
		if f.lookups["maya@vendor.io"] != 1 {
			t.Errorf("maya looked up %d times, want 1 (cached)", f.lookups["maya@vendor.io"])
		}
		f.mu.Unlock()
	})
}

func TestPostIsIdempotentAcrossRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st, 30) // 30 candidates: more than one message
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		// The first run crashes after the first message reached Slack.
		f.failAfter = 1
		if _, err := svc.PostWeek(ctx); err == nil {
			t.Fatal("want an error when Slack fails half-way")
		}
		posts, _, _ := f.snapshot()
		if len(posts) != 1 {
			t.Fatalf("%d messages before the failure, want 1", len(posts))
		}
		// Meanwhile a CSM skips someone from the CLI: the half-posted list must not be rebuilt,
		// or the remaining messages would not match the first one.
		first, _ := st.Customers(ctx)
		if _, err := st.RecordDecision(ctx, store.Decision{CustomerID: first[len(first)-1].ID, Kind: "skip", Week: "2026-W47"}); err != nil {
			t.Fatal(err)
		}
		f.failAfter = 0
		svc2, _ := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		res, err := svc2.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		posts, _, _ = f.snapshot()
		if res.Messages < 2 || res.AlreadySent != 1 || res.Sent != res.Messages-1 || len(posts) != res.Messages {
			t.Fatalf("resume: %+v, %d posts in all; want the remaining messages only", res, len(posts))
		}
		for i, p := range posts {
			if !strings.Contains(texts(p), "Advocate shortlist · 2026-W47 (") {
				t.Errorf("message %d has no part header", i)
			}
		}
		// A restarted serve (new service, same store) posts nothing twice.
		svc3, _ := newService(t, st, f, func(o *Options) { o.Policy.Size = 30 })
		res, err = svc3.PostWeek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after, _, _ := f.snapshot()
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
		f := newFakeSlack(t)
		f.rateLimit = 2
		svc, slept := newService(t, st, f, nil)
		res, err := svc.PostWeek(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 1 {
			t.Fatalf("sent %d, want 1", res.Sent)
		}
		if len(*slept) != 2 || (*slept)[0] != 7*time.Second {
			t.Errorf("waited %v, want twice the 7s Retry-After", *slept)
		}
	})
}

func TestPostDM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st, 5)
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, func(o *Options) { o.DM = true })
		if _, err := svc.PostWeek(context.Background()); err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.snapshot()
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

func TestVerify(t *testing.T) {
	body := []byte("payload=%7B%7D")
	now := t0
	stamp := func(d time.Duration) string { return strconvI(now.Add(d).Unix()) }
	tests := []struct {
		name   string
		secret string
		ts     string
		sig    string
		want   error
	}{
		{"OK", secret, stamp(0), Sign(secret, stamp(0), body), nil},
		{"OKWithinWindow", secret, stamp(-4 * time.Minute), Sign(secret, stamp(-4*time.Minute), body), nil},
		{"Unsigned", secret, stamp(0), "", ErrMissingHeaders},
		{"NoTimestamp", secret, "", Sign(secret, stamp(0), body), ErrMissingHeaders},
		{"Forged", secret, stamp(0), Sign("another-secret", stamp(0), body), ErrBadSignature},
		{"TamperedTimestamp", secret, stamp(time.Second), Sign(secret, stamp(0), body), ErrBadSignature},
		{"Stale", secret, stamp(-6 * time.Minute), Sign(secret, stamp(-6*time.Minute), body), ErrStale},
		{"FromTheFuture", secret, stamp(6 * time.Minute), Sign(secret, stamp(6*time.Minute), body), ErrStale},
		{"Garbage", secret, "yesterday", "v0=00", ErrBadTimestamp},
		{"NoSecretConfigured", "", stamp(0), Sign("", stamp(0), body), ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ts != "" {
				h.Set("X-Slack-Request-Timestamp", tt.ts)
			}
			if tt.sig != "" {
				h.Set("X-Slack-Signature", tt.sig)
			}
			if err := Verify(tt.secret, h, body, now); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seed(t, st, 2)
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, nil)
		if _, err := svc.PostWeek(ctx); err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.snapshot()
		cb := click(f, posts[0], shortlist.ActionApprove, buttonValue(t, posts[0], shortlist.ActionApprove, 0), "UMAYA", 1)
		h := svc.Handler()

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
		seed(t, st, 2)
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, nil)
		if _, err := svc.PostWeek(ctx); err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.snapshot()
		value := buttonValue(t, posts[0], shortlist.ActionApprove, 0)
		h := svc.Handler()
		for i := range 3 { // a double (triple) click: three signed requests
			w := httptest.NewRecorder()
			h.ServeHTTP(w, press(t, secret, t0, click(f, posts[0], shortlist.ActionApprove, value, "UMAYA", i)))
			if w.Code != http.StatusOK {
				t.Fatalf("click %d: %d %s", i, w.Code, w.Body)
			}
		}
		// A second CSM presses Skip on the same candidate: the first decision stands.
		w := httptest.NewRecorder()
		h.ServeHTTP(w, press(t, secret, t0, click(f, posts[0], shortlist.ActionSkip, value, "ULI", 9)))
		if err := svc.Close(ctx); err != nil {
			t.Fatal(err)
		}

		var n int
		if err := st.DB().Get(&n, `SELECT COUNT(*) FROM decisions`); err != nil || n != 1 {
			t.Fatalf("%d decisions (%v), want 1", n, err)
		}
		_, customerID, _ := shortlist.ParseActionValue(value)
		d, _ := st.LatestDecisions(ctx)
		if got := d[customerID]; got.Kind != "approve" || got.DecidedBy != "maya@vendor.io" || got.Via != "slack" || got.Week != "2026-W47" {
			t.Errorf("decision %+v, want approve by maya@vendor.io via slack in 2026-W47", got)
		}
		es, _ := st.Enrollments(ctx, "")
		if len(es) != 1 || es[0].ContactEmail != "champ@cust00.io" || es[0].Sequence != "default" {
			t.Fatalf("enrollments %+v, want one for champ@cust00.io in default", es)
		}
		_, updates, responses := f.snapshot()
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
		seed(t, st, 2)
		f := newFakeSlack(t)
		svc, _ := newService(t, st, f, nil)
		if _, err := svc.PostWeek(ctx); err != nil {
			t.Fatal(err)
		}
		posts, _, _ := f.snapshot()
		// Socket Mode delivers the same payload; it is acknowledged after the decision is stored.
		snooze := click(f, posts[0], shortlist.ActionSnooze, buttonValue(t, posts[0], shortlist.ActionSnooze, 1), "ULI", 1)
		preview := click(f, posts[0], shortlist.ActionPreview, buttonValue(t, posts[0], shortlist.ActionPreview, 0), "UMAYA", 2)
		var acked []string
		ack := func(r socketmode.Request, _ ...any) error { acked = append(acked, r.EnvelopeID); return nil }
		svc.handleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: snooze, Request: &socketmode.Request{EnvelopeID: "e1"}}, ack)
		svc.handleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: preview, Request: &socketmode.Request{EnvelopeID: "e2"}}, ack)
		svc.handleSocketEvent(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: slack.InteractionCallback{Type: slack.InteractionTypeBlockActions,
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: shortlist.ActionApprove, Value: "garbage"}}}},
			Request: &socketmode.Request{EnvelopeID: "e3"}}, ack)
		if err := svc.Close(ctx); err != nil {
			t.Fatal(err)
		}
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
		_, _, responses := f.snapshot()
		if len(responses) != 1 || !strings.Contains(responses[0], "ephemeral") || !strings.Contains(responses[0], "champ@cust00.io") ||
			!strings.Contains(responses[0], "Subject:") {
			t.Errorf("preview reply %q, want an ephemeral invitation to champ@cust00.io", responses)
		}
	})
}

func BenchmarkPostShortlist(b *testing.B) {
	for _, n := range []int{20, 50} {
		b.Run(strconvI(int64(n)), func(b *testing.B) {
			st := storetest.SQLite(b)
			seed(b, st, n)
			f := newFakeSlack(b)
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				if _, err := st.DB().Exec(`DELETE FROM shortlists`); err != nil {
					b.Fatal(err)
				}
				svc, _ := newService(b, st, f, func(o *Options) {
					o.Policy.Size = n
					o.Now = func() time.Time { return t0.Add(time.Duration(i) * time.Second) }
				})
				b.StartTimer()
				res, err := svc.PostWeek(context.Background())
				if err != nil || res.Sent == 0 {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
