package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// slackOIDCFake answers openid.connect.token and openid.connect.userInfo as Slack documents
// them (https://api.slack.com/methods/openid.connect.token): a code it issued buys an access
// token and an ID token carrying the nonce of the authorize request.
type slackOIDCFake struct {
	mu    sync.Mutex
	nonce string // of the authorize request the code belongs to
	email string
	form  url.Values // what the token endpoint received
}

func (f *slackOIDCFake) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/openid.connect.token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.form = r.PostForm
		if r.PostForm.Get("code") != "good-code" || r.PostForm.Get("client_secret") != "s3cret" {
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_code"})
			return
		}
		claims, _ := json.Marshal(map[string]any{"iss": "https://slack.com", "aud": "1.2", "nonce": f.nonce, "email": f.email})
		idToken := "e30." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "access_token": "xoxp-1", "token_type": "Bearer", "id_token": idToken})
	})
	mux.HandleFunc("GET /api/openid.connect.userInfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer xoxp-1" {
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "sub": "U1", "email": f.email, "email_verified": true})
	})
	return mux
}

// TestSignInWithSlack: the authorize redirect carries scope, state and nonce; the callback
// signs in the user who has the Slack email, refuses an unknown one, and refuses a callback
// whose state did not start here.
func TestSignInWithSlack(t *testing.T) {
	st := storetest.SQLite(t)
	fake := &slackOIDCFake{}
	api := httptest.NewServer(fake.handler(t))
	t.Cleanup(api.Close)
	s := newSite(t, st, nil)
	cfg := s.Config()
	cfg.Slack.ClientID, cfg.Slack.ClientSecret, cfg.Slack.APIURL = "1.2", "s3cret", api.URL+"/api/"
	cfg.Server.PublicURL = s.URL
	s.addUser(t, "maya@vendor.io", RoleCSM)

	// start follows /login/slack to Slack's authorize URL and returns its query.
	start := func(b *browser) url.Values {
		t.Helper()
		resp, err := b.c.Get(s.URL + "/login/slack?next=%2Fdrip")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(u.String(), SlackAuthorizeURL+"?") {
			t.Fatalf("/login/slack = %d %q", resp.StatusCode, u)
		}
		return u.Query()
	}

	b := s.browser(t)
	if _, page := b.get(t, "/login"); !strings.Contains(page, "Sign in with Slack") {
		t.Error("the login page offers no Sign in with Slack")
	}
	q := start(b)
	if q.Get("scope") != "openid email profile" || q.Get("client_id") != "1.2" || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("redirect_uri") != s.URL+"/login/slack/callback" || q.Get("response_type") != "code" {
		t.Fatalf("authorize query %v", q)
	}
	fake.mu.Lock()
	fake.nonce, fake.email = q.Get("nonce"), "Maya@vendor.io"
	fake.mu.Unlock()
	status, _ := b.get(t, "/login/slack/callback?code=good-code&state=wrong")
	if status != http.StatusBadRequest {
		t.Errorf("callback with a foreign state = %d, want 400", status)
	}
	q = start(b)
	fake.mu.Lock()
	fake.nonce = q.Get("nonce")
	fake.mu.Unlock()
	status, loc, _ := func() (int, string, string) {
		resp, err := b.c.Get(s.URL + "/login/slack/callback?code=good-code&state=" + url.QueryEscape(q.Get("state")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location"), ""
	}()
	if status != http.StatusSeeOther || loc != "/drip" {
		t.Fatalf("callback = %d %q, want to be signed in and sent to /drip", status, loc)
	}
	if status, page := b.get(t, "/drip"); status != http.StatusOK || !strings.Contains(page, "maya@vendor.io (csm)") {
		t.Errorf("after Slack sign-in GET /drip = %d", status)
	}
	fake.mu.Lock()
	sent := fake.form.Get("redirect_uri")
	fake.mu.Unlock()
	if sent != s.URL+"/login/slack/callback" {
		t.Errorf("token exchange sent redirect_uri %q", sent)
	}

	// An email with no dashboard user is refused, clearly.
	b2 := s.browser(t)
	q = start(b2)
	fake.mu.Lock()
	fake.nonce, fake.email = q.Get("nonce"), "stranger@vendor.io"
	fake.mu.Unlock()
	status, page := b2.get(t, "/login/slack/callback?code=good-code&state="+url.QueryEscape(q.Get("state")))
	if status != http.StatusForbidden || !strings.Contains(page, "stranger@vendor.io has no dashboard account") {
		t.Errorf("unknown Slack email: %d\n%.300s", status, page)
	}
	if status, _ := b2.get(t, "/"); status != http.StatusSeeOther {
		t.Error("an unknown Slack user got a session")
	}

	// Without client_id the button and the route are gone.
	cfg.Slack.ClientID = ""
	if _, page := s.browser(t).get(t, "/login"); strings.Contains(page, "Sign in with Slack") {
		t.Error("Sign in with Slack offered without slack.client_id")
	}
}
