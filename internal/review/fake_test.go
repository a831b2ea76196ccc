package review

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
)

// t0 is a Monday 09:00 UTC in 2026-W47.
var t0 = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// posted is one chat.postMessage or chat.update the fake Slack received.
type posted struct {
	Method  string
	Channel string
	TS      string
	Text    string
	Blocks  []map[string]any
	RawJSON string
}

// fakeSlack is slacktest with our own handlers that record what was sent (the stock
// chat.postMessage records nothing, see TOOLCHAIN.md).
type fakeSlack struct {
	srv *slacktest.Server

	mu        sync.Mutex
	posts     []posted
	updates   []posted
	lookups   map[string]int // email -> calls
	responses []string       // bodies POSTed to the response_url
	opened    []string       // users conversations.open was called for
	n         int
	// rateLimit makes the next N chat.postMessage calls answer 429 with Retry-After: 7.
	rateLimit int
	// failAfter makes chat.postMessage fail once this many messages were accepted (0: never).
	failAfter int

	users    map[string]string // email -> user id
	respSrv  *httptest.Server
	response string // URL of the response_url endpoint
}

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{lookups: map[string]int{}, users: map[string]string{
		"maya@vendor.io": "UMAYA", "li@vendor.io": "ULI", "csm@vendor.io": "UCSM",
	}}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.update", f.update)
		c.Handle("/users.lookupByEmail", f.lookupByEmail)
		c.Handle("/users.info", f.userInfo)
		c.Handle("/conversations.open", f.conversationsOpen)
	})
	f.srv.Start()
	f.respSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.responses = append(f.responses, string(b))
		f.mu.Unlock()
		w.Write([]byte("ok"))
	}))
	f.response = f.respSrv.URL + "/response"
	t.Cleanup(func() { f.srv.Stop(); f.respSrv.Close() })
	return f
}

func (f *fakeSlack) url() string { return f.srv.GetAPIURL() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *fakeSlack) record(r *http.Request, method string) (posted, bool) {
	r.ParseForm()
	p := posted{Method: method, Channel: r.FormValue("channel"), TS: r.FormValue("ts"), Text: r.FormValue("text"), RawJSON: r.FormValue("blocks")}
	if p.RawJSON != "" {
		if err := json.Unmarshal([]byte(p.RawJSON), &p.Blocks); err != nil {
			return p, false
		}
	}
	return p, true
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	p, ok := f.record(r, "chat.postMessage")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	if f.rateLimit > 0 {
		f.rateLimit--
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if f.failAfter > 0 && len(f.posts) >= f.failAfter {
		writeJSON(w, map[string]any{"ok": false, "error": "fatal_error"})
		return
	}
	f.n++
	p.TS = fmt.Sprintf("1763283600.%06d", f.n)
	ch := p.Channel
	if strings.HasPrefix(ch, "#") {
		ch = "C" + strings.ToUpper(strings.TrimPrefix(ch, "#"))
	}
	p.Channel = ch
	f.posts = append(f.posts, p)
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": p.TS})
}

func (f *fakeSlack) update(w http.ResponseWriter, r *http.Request) {
	p, _ := f.record(r, "chat.update")
	f.mu.Lock()
	f.updates = append(f.updates, p)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
}

func (f *fakeSlack) lookupByEmail(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	email := r.FormValue("email")
	f.mu.Lock()
	f.lookups[email]++
	id, ok := f.users[email]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "users_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "profile": map[string]any{"email": email}}})
}

func (f *fakeSlack) userInfo(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := r.FormValue("user")
	f.mu.Lock()
	defer f.mu.Unlock()
	for email, uid := range f.users {
		if uid == id {
			writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "profile": map[string]any{"email": email}}})
			return
		}
	}
	writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
}

func (f *fakeSlack) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	users := r.FormValue("users")
	f.mu.Lock()
	f.opened = append(f.opened, users)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users}})
}

func (f *fakeSlack) snapshot() (posts, updates []posted, responses []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]posted(nil), f.posts...), append([]posted(nil), f.updates...), append([]string(nil), f.responses...)
}

// seed stores n customers (owners alternating between two CSMs, plus one unknown to Slack
// every fifth), each with a champion contact and signals, and a scoring run a week ago and
// one now.
func seed(t testing.TB, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	owners := []string{"maya@vendor.io", "li@vendor.io", "maya@vendor.io", "li@vendor.io", "ghost@vendor.io"}
	var page connectors.Page
	for i := range n {
		ref := connectors.Ref{ExternalID: strconv.Itoa(i), Domain: fmt.Sprintf("cust%02d.io", i)}
		page.Customers = append(page.Customers, connectors.Customer{Ref: ref, Name: fmt.Sprintf("Customer %02d", i), Owner: owners[i%len(owners)]})
		page.Contacts = append(page.Contacts, connectors.Contact{Customer: ref, Email: fmt.Sprintf("champ@cust%02d.io", i), Name: fmt.Sprintf("Champ %02d", i), Role: "VP Ops", Champion: true})
		page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: "nps", Value: 10, ObservedAt: t0.Add(-24 * time.Hour)},
			connectors.Signal{Customer: ref, Name: "health_score", Value: 90, ObservedAt: t0.Add(-24 * time.Hour)})
		if i == 1 {
			page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: "escalations_90d", Value: 2, ObservedAt: t0.Add(-24 * time.Hour)})
		}
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
	customers, err := st.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores := func(base float64) []store.Score {
		var out []store.Score
		for i, c := range customers {
			out = append(out, store.Score{CustomerID: c.ID, Rank: i + 1, Score: base - float64(i), Confidence: 0.9, Eligible: true,
				Reasons: []string{"NPS 10 (promoter)", "health 90", "growing usage", "fourth reason"}})
		}
		return out
	}
	clock := st.Now
	defer func() { st.Now = clock }()
	st.Now = func() time.Time { return t0.Add(-7 * 24 * time.Hour) }
	if _, err := st.SaveScoreRun(ctx, "m", scores(90)); err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return t0.Add(-time.Hour) }
	if _, err := st.SaveScoreRun(ctx, "m", scores(92.5)); err != nil {
		t.Fatal(err)
	}
}

// newService makes a Service against the fake, with a fixed clock and a sleep that records.
func newService(t testing.TB, st *store.Store, f *fakeSlack, mod func(*Options)) (*Service, *[]time.Duration) {
	t.Helper()
	var slept []time.Duration
	var mu sync.Mutex
	o := Options{
		Store: st, BotToken: "xoxb-test", APIURL: f.url(), SigningSecret: secret,
		Channel: "#cs-advocates", Now: func() time.Time { return t0 },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return nil
		},
		Preview: InvitePreview("Dana from Acme <dana@acme.io>", "https://acme.io/partners", func() time.Time { return t0 }),
	}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, &slept
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// press builds a signed block_actions request as Slack sends it.
func press(t testing.TB, sec string, ts time.Time, cb slack.InteractionCallback) *http.Request {
	t.Helper()
	raw, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	body := "payload=" + urlQueryEscape(string(raw))
	r := httptest.NewRequest(http.MethodPost, "/slack/actions", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", Sign(sec, stamp, []byte(body)))
	return r
}

// click is the payload of pressing button actionID under a candidate of a posted message.
func click(f *fakeSlack, p posted, actionID, value, user string, nonce int) slack.InteractionCallback {
	cb := slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		User:        slack.User{ID: user},
		ResponseURL: f.response,
		ActionTs:    strconv.Itoa(nonce),
		Container:   slack.Container{Type: "message", ChannelID: p.Channel, MessageTs: p.TS},
	}
	cb.Channel.ID = p.Channel
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionID, Value: value, BlockID: "advocate_actions_1"}}
	return cb
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
