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

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/slack/slackfake"
	"github.com/advocate-hq/advocate/internal/store"
)

// t0 is a Monday 09:00 UTC in 2026-W47.
var t0 = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

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

// env is a review service wired as serve wires it: one Slack client, the decide service
// updating the messages through the adapter, against the fake Slack.
type env struct {
	svc    *Service
	slack  *slack.Client
	decide *decide.Service
	f      *slackfake.Server
	slept  *[]time.Duration
}

// close waits for the queued Slack calls (message updates, replies).
func (e env) close(t testing.TB) {
	t.Helper()
	if err := e.slack.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// newService makes a Service against f, with a fixed clock and a sleep that records.
func newService(t testing.TB, st *store.Store, f *slackfake.Server, mod func(*Options)) env {
	t.Helper()
	var slept []time.Duration
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := slack.New(slack.Config{BotToken: "xoxb-test", APIURL: f.URL(), Log: log,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return nil
		}})
	t.Cleanup(func() { client.Close(context.Background()) })
	now := func() time.Time { return t0 }
	dec, err := decide.New(decide.Options{Store: st, Messages: slack.NewUpdater(client, st, time.UTC), Log: log, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Store: st, Slack: client, Decider: dec, SigningSecret: secret,
		Channel: "#cs-advocates", Now: now, Log: log,
		Preview: InvitePreview("Dana from Acme <dana@acme.io>", "https://acme.io/partners", now),
	}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return env{svc: s, slack: client, decide: dec, f: f, slept: &slept}
}

// posted seeds n customers, posts the week's shortlist to a fresh fake Slack, and returns the
// service and what was posted.
func posted(t *testing.T, st *store.Store, n int) (env, []slackfake.Message) {
	t.Helper()
	seed(t, st, n)
	e := newService(t, st, slackfake.New(t), nil)
	res, err := e.svc.PostWeek(context.Background())
	posts, _, _ := e.f.Snapshot()
	if err != nil || len(posts) == 0 {
		t.Fatalf("post: %+v, %d messages, %v", res, len(posts), err)
	}
	return e, posts
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// press builds a signed block_actions request as Slack sends it.
func press(t testing.TB, sec string, ts time.Time, cb slackapi.InteractionCallback) *http.Request {
	t.Helper()
	raw, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	body := "payload=" + url.QueryEscape(string(raw))
	r := httptest.NewRequest(http.MethodPost, "/slack/actions", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", slack.Sign(sec, stamp, []byte(body)))
	return r
}

// click is the payload of pressing button actionID under a candidate of a posted message.
func click(f *slackfake.Server, p slackfake.Message, actionID, value, user string, nonce int) slackapi.InteractionCallback {
	cb := slackapi.InteractionCallback{
		Type:        slackapi.InteractionTypeBlockActions,
		User:        slackapi.User{ID: user},
		ResponseURL: f.ResponseURL(),
		ActionTs:    strconv.Itoa(nonce),
		Container:   slackapi.Container{Type: "message", ChannelID: p.Channel, MessageTs: p.TS},
	}
	cb.Channel.ID = p.Channel
	cb.ActionCallback.BlockActions = []*slackapi.BlockAction{{ActionID: actionID, Value: value, BlockID: "advocate_actions_1"}}
	return cb
}
