package review

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/slack"
	"github.com/advocate-hq/advocate/internal/slack/slackfake"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// approveOnce posts the week on a fresh store, approves the first candidate with approve,
// and returns the chat.update calls Slack received.
func approveOnce(t *testing.T, st *store.Store, approve func(e env, posted slackfake.Message)) []slackfake.Message {
	t.Helper()
	e, posts := posted(t, st, 3)
	approve(e, posts[0])
	e.close(t)
	_, updates, _ := e.f.Snapshot()
	return updates
}

// The test: a CLI approval of a customer posted this week updates that Slack message
// exactly as pressing its Approve button does.
func TestCLIApproveUpdatesMessageLikeButton(t *testing.T) {
	// Per engine (the last element of the subtest's name): what each way of approving sent.
	byButton, byCLI := map[string][]slackfake.Message{}, map[string][]slackfake.Message{}
	engine := func(t *testing.T) string { return t.Name()[strings.LastIndex(t.Name(), "/")+1:] }
	// Distinct parent names: a repeated subtest name gets a "#01" suffix, which an SQLite
	// file: URI would read as a fragment.
	t.Run("button", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			byButton[engine(t)] = approveOnce(t, st, func(e env, p slackfake.Message) {
				w := httptest.NewRecorder()
				e.svc.Handler().ServeHTTP(w, press(t, secret, t0, click(e.f, p, slack.ActionApprove, buttonValue(t, p, slack.ActionApprove, 0), "UMAYA", 1)))
				if w.Code != http.StatusOK {
					t.Fatalf("button press: %d %s", w.Code, w.Body)
				}
			})
		})
	})
	t.Run("cli", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			byCLI[engine(t)] = approveOnce(t, st, func(e env, p slackfake.Message) {
				res, err := e.decide.Decide(context.Background(), decide.Request{Customer: "cust00.io", Kind: advocate.Approve, By: "maya@vendor.io", Via: decide.ViaCLI})
				if err != nil {
					t.Fatal(err)
				}
				if res.Messages != 1 || res.Enrollment == nil || res.Enrollment.ContactEmail != "champ@cust00.io" {
					t.Errorf("CLI approve: %+v, want one message updated and champ@cust00.io enrolled", res)
				}
			})
		})
	})
	if len(byButton) == 0 {
		t.Fatal("no engine ran")
	}
	for name, button := range byButton {
		cli := byCLI[name]
		if len(button) != 1 || len(cli) != 1 {
			t.Fatalf("%s: %d updates by the button, %d by the CLI; want one each", name, len(button), len(cli))
		}
		b, c := button[0], cli[0]
		if b.Channel != c.Channel || b.TS != c.TS || b.Text != c.Text || b.RawJSON != c.RawJSON {
			t.Errorf("%s: the CLI's update differs from the button's:\nbutton %s %s\n%s\ncli    %s %s\n%s", name, b.Channel, b.TS, b.RawJSON, c.Channel, c.TS, c.RawJSON)
		}
		if got := texts(c); !strings.Contains(got, "*Approved* by <@UMAYA>") || strings.Count(got, "Approve\n") != 2 {
			t.Errorf("%s: updated message should show who approved and keep the other candidates' buttons:\n%s", name, got)
		}
	}
}

// Bad input from Slack is the clicker's mistake: 400, a private reply saying so, nothing
// recorded. Never a 500 "please try again".
func TestBadButtonIsRejectedPrivately(t *testing.T) {
	tests := []struct {
		name, action, value, reply string
	}{
		{"MalformedValue", slack.ActionApprove, "garbage", "does not say which customer and week"},
		{"UnknownCustomer", slack.ActionApprove, "2026-W47|cus_nobody", "no such customer"},
		{"WeekThatDoesNotExist", slack.ActionSkip, "9999-W99|", "does not say which customer and week"},
		{"WeekThatDoesNotExistWithCustomer", slack.ActionSnooze, "9999-W99|cust00.io", "does not say which customer and week"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, posts := posted(t, st, 2)
		f := e.f
		h := e.svc.Handler()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, press(t, secret, t0, click(f, posts[0], tt.action, tt.value, "UMAYA", 100+i)))
				if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Nothing was recorded") {
					t.Errorf("answer %d %q, want 400 saying nothing was recorded", w.Code, w.Body)
				}
			})
		}
		e.close(t)
		if d, _ := st.LatestDecisions(ctx); len(d) != 0 {
			t.Errorf("bad presses recorded %v", d)
		}
		_, updates, responses := f.Snapshot()
		if len(updates) != 0 {
			t.Errorf("bad presses updated the message %d times", len(updates))
		}
		if len(responses) != len(tests) {
			t.Fatalf("%d private replies, want one per bad press: %q", len(responses), responses)
		}
		all := strings.Join(responses, "\n")
		for _, tt := range tests {
			if !strings.Contains(all, tt.reply) || strings.Count(all, `"response_type":"ephemeral"`) != len(tests) {
				t.Errorf("no private reply saying %q: %q", tt.reply, responses)
			}
		}
	})
}
