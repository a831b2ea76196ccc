package program

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// slackPosts is a slacktest server that records chat.postMessage calls (channel, text and
// the texts of the blocks), answering channel_not_found while failing is set.
type slackPosts struct {
	mu      sync.Mutex
	failing bool
	posts   []post
}

type post struct{ channel, text, blocks string }

func newSlack(t *testing.T) (*slack.Client, *slackPosts) {
	t.Helper()
	sp := &slackPosts{}
	srv := slacktest.NewTestServer(func(cz slacktest.Customize) {
		cz.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			sp.mu.Lock()
			defer sp.mu.Unlock()
			if sp.failing {
				json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "channel_not_found"})
				return
			}
			sp.posts = append(sp.posts, post{r.FormValue("channel"), r.FormValue("text"), blockTexts(t, r.FormValue("blocks"))})
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C42", "ts": "1780.1"})
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	c := slack.New(slack.Config{BotToken: "xoxb-test", APIURL: srv.GetAPIURL(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { c.Close(context.Background()) })
	return c, sp
}

func (sp *slackPosts) fail(on bool) { sp.mu.Lock(); sp.failing = on; sp.mu.Unlock() }

func (sp *slackPosts) all() []post {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return append([]post(nil), sp.posts...)
}

// blockTexts joins every "text" string of a Block Kit JSON document, one per line.
func blockTexts(t *testing.T, raw string) string {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Errorf("blocks are not JSON: %v", err)
		return ""
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// seedOutcomes stores a small program: a1 made by Advocate on 2026-03-10, a2 known to the
// platform only.
func seedOutcomes(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	st.Now = func() time.Time { return day("2026-03-10") }
	if err := st.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "ann@x.io", AffiliateID: "a1"}); err != nil {
		t.Fatal(err)
	}
	refs := []store.AffiliateReferral{
		{ID: "r1", AffiliateID: "a1", Status: "lead", CreatedAt: day("2026-05-29")},
		{ID: "r2", AffiliateID: "a1", Status: "converted", CreatedAt: day("2026-04-15"), ConvertedAt: day("2026-05-30")},
		{ID: "r3", AffiliateID: "a2", Status: "lead", CreatedAt: day("2026-04-01")},
	}
	coms := []store.AffiliateCommission{{ID: "c1", AffiliateID: "a1", AmountMinor: 5000, Currency: "USD", Status: "paid", CreatedAt: day("2026-05-30")}}
	if err := st.SaveAffiliateOutcomes(ctx, "dub", refs, coms); err != nil {
		t.Fatal(err)
	}
}

func postedShortlist(t *testing.T, st *store.Store, week string) {
	t.Helper()
	ctx := context.Background()
	run, err := st.SaveScoreRun(ctx, "h", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveShortlist(ctx, week, run.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkShortlistPosted(ctx, week); err != nil {
		t.Fatal(err)
	}
}

// TestDigest: the digest waits for the week's shortlist, needs a platform or program data,
// goes out once per week to the shortlist channel with the 7- and 90-day KPIs computed by
// hand, and a failed post is tried again on the next turn.
func TestDigest(t *testing.T) {
	now := day("2026-06-01").Add(9 * time.Hour) // a Monday, 09:00 UTC
	week := advocate.Week(now)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		client, sp := newSlack(t)
		d := &Digest{Store: st, Slack: client, Channel: "#cs-advocates", Now: func() time.Time { return now },
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		turn := func(want bool) {
			t.Helper()
			posted, err := d.Post(ctx, week)
			if err != nil || posted != want {
				t.Fatalf("Post = %v, %v; want posted %v", posted, err, want)
			}
		}

		turn(false) // no shortlist this week yet
		run, _ := st.SaveScoreRun(ctx, "h", nil)
		if _, err := st.SaveShortlist(ctx, week, run.ID, nil); err != nil {
			t.Fatal(err)
		}
		turn(false) // built but not posted
		postedShortlist(t, st, week)
		turn(false) // no platform configured and no program data
		if n := len(sp.all()); n != 0 {
			t.Fatalf("%d Slack posts before the digest was due", n)
		}

		seedOutcomes(t, st)
		sp.fail(true)
		if _, err := d.Post(ctx, week); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
			t.Fatalf("failed post: err %v, want Slack's channel_not_found", err)
		}
		sp.fail(false)
		turn(true) // program data and no platform: posted, on the turn after the failure
		turn(false)
		turn(false) // the shortlist job running again posts nothing more

		posts := sp.all()
		if len(posts) != 1 {
			t.Fatalf("%d digests posted, want 1", len(posts))
		}
		p := posts[0]
		// 7 days from 05-25 09:00: affiliates a1 a2; active a1 (r1) = 50%; referrals r1;
		// conversions r2 (05-30); earnings 50.00 USD / 1 active. 90 days from 03-03 09:00:
		// active a1 a2 = 100%; referrals r1 r2 r3; conversions r2; 50.00 / 2 = 25.00.
		for _, want := range []string{
			"Affiliate program, week " + week,
			"*Last 7 days*\nAffiliates: 2\nActive: 1 (50%)\nReferrals: 1\nConversions: 1\nEarnings per active: 50.00 USD",
			"*Last 90 days*\nAffiliates: 2\nActive: 2 (100%)\nReferrals: 3\nConversions: 1\nEarnings per active: 25.00 USD",
			"*Funnel (all time)*\nshortlisted 0 → approved 0 → invited 0 → joined 0 → first referral 0",
		} {
			if !strings.Contains(p.blocks, want) {
				t.Errorf("digest lacks %q:\n%s", want, p.blocks)
			}
		}
		if p.channel != "#cs-advocates" || p.text != "Affiliate program, week "+week+": 2 of 2 affiliates active in 90 days, 3 referrals, 1 conversions" {
			t.Errorf("digest went to %q with text %q", p.channel, p.text)
		}

		// Another week with an affiliate platform configured: posted without waiting for data.
		next := advocate.Week(now.Add(7 * 24 * time.Hour))
		fresh := storetest.SQLite(t)
		postedShortlist(t, fresh, next)
		d2 := &Digest{Store: fresh, Slack: client, Channel: "#cs-advocates", Configured: true, Now: func() time.Time { return now }}
		if posted, err := d2.Post(ctx, next); err != nil || !posted {
			t.Fatalf("configured platform, no data: Post = %v, %v; want posted", posted, err)
		}
		if got := sp.all(); len(got) != 2 || !strings.Contains(got[1].blocks, "*Last 7 days*\nAffiliates: 0\nActive: 0 (0%)") {
			t.Errorf("second digest: %+v", got)
		}
	})
}
