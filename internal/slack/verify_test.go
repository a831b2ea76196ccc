package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/advocate-hq/advocate/internal/slack"
)

// workspace is a Slack Web API answering the calls VerifyAccess makes as Slack does: a
// workspace with a public channel the bot is in, a public one it is not in, an archived one,
// and (hidden from conversations.info unless a member) a private one.
func workspace(t *testing.T, token string, emailScope bool) string {
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	channels := []map[string]any{
		{"id": "C0MEMBER01", "name": "cs-advocates", "is_channel": true, "is_member": true},
		{"id": "C0OUTSIDE1", "name": "general", "is_channel": true, "is_member": false},
		{"id": "C0ARCHIVE1", "name": "old", "is_channel": true, "is_member": true, "is_archived": true},
	}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		guard := func(h http.HandlerFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				if r.Header.Get("Authorization") != "Bearer "+token && r.FormValue("token") != token {
					reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
					return
				}
				h(w, r)
			}
		}
		c.Handle("/auth.test", guard(func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"ok": true, "team": "Acme", "user": "advocate", "user_id": "UBOT"})
		}))
		c.Handle("/conversations.info", guard(func(w http.ResponseWriter, r *http.Request) {
			for _, ch := range channels {
				if ch["id"] == r.FormValue("channel") {
					reply(w, map[string]any{"ok": true, "channel": ch})
					return
				}
			}
			reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		}))
		c.Handle("/conversations.list", guard(func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"ok": true, "channels": channels, "response_metadata": map[string]any{"next_cursor": ""}})
		}))
		c.Handle("/users.lookupByEmail", guard(func(w http.ResponseWriter, r *http.Request) {
			if !emailScope {
				reply(w, map[string]any{"ok": false, "error": "missing_scope", "needed": "users:read.email", "provided": "chat:write"})
				return
			}
			reply(w, map[string]any{"ok": false, "error": "users_not_found"})
		}))
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv.GetAPIURL()
}

func TestVerifyAccess(t *testing.T) {
	const token = "xoxb-right"
	tests := []struct {
		name       string
		token      string
		channel    string
		dm         bool
		emailScope bool
		wantErr    string // "" = passes
		wantNote   string
	}{
		{"channel id, bot is a member", token, "C0MEMBER01", false, true, "", ""},
		{"channel by name", token, "#cs-advocates", false, true, "", ""},
		{"public channel, bot not a member", token, "C0OUTSIDE1", false, true, "", "chat:write.public"},
		{"revoked token", "xoxb-revoked", "C0MEMBER01", false, true, "Slack rejected the bot token (invalid_auth)", ""},
		{"unknown channel id", token, "C0NOWHERE1", false, true, "channel C0NOWHERE1 not found", ""},
		{"unknown channel name", token, "#nowhere", false, true, "no channel #nowhere the bot can see", ""},
		{"archived channel", token, "C0ARCHIVE1", false, true, "is archived", ""},
		{"direct messages", token, "", true, true, "", ""},
		{"direct messages without the e-mail scope", token, "", true, false, "lacks the users:read.email scope", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := slack.New(slack.Config{BotToken: tc.token, APIURL: workspace(t, token, tc.emailScope)})
			defer c.Close(context.Background())
			a, err := c.VerifyAccess(context.Background(), tc.channel, tc.dm)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if err == nil && (a.Team != "Acme" || a.BotUser != "advocate") {
				t.Errorf("access = %+v", a)
			}
			if !strings.Contains(a.Note, tc.wantNote) || (tc.wantNote == "" && a.Note != "") {
				t.Errorf("note = %q, want %q", a.Note, tc.wantNote)
			}
			if err != nil && strings.Contains(err.Error(), tc.token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}
