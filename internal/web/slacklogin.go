package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// Sign in with Slack is OpenID Connect's authorization-code flow against Slack
// (https://api.slack.com/authentication/sign-in-with-slack): /login/slack sends the browser to
// Slack with a state and a nonce kept in a short-lived cookie; Slack sends it back to
// /login/slack/callback with a code, which is exchanged at openid.connect.token; the email
// comes from openid.connect.userInfo and must belong to an existing dashboard user. Nobody is
// created by signing in.

// SlackAuthorizeURL is where the browser signs in to Slack.
const SlackAuthorizeURL = "https://slack.com/openid/connect/authorize"

const oidcCookie = "advocate_oidc"

// slackOIDC is the configured Sign in with Slack, or nil.
type slackOIDC struct {
	clientID, clientSecret string
	apiURL                 string // Slack's Web API base, ending in "/"
	redirect               string // <public_url>/login/slack/callback
}

// slackLogin reads the Slack login settings from the config in force; nil when not configured.
func (s *Server) slackLogin() *slackOIDC {
	if s.Config == nil {
		return nil
	}
	c := s.Config()
	if c == nil || c.Slack.ClientID == "" || c.Slack.ClientSecret == "" || c.Server.PublicURL == "" {
		return nil
	}
	api := c.Slack.APIURL
	if api == "" {
		api = "https://slack.com/api/"
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	return &slackOIDC{clientID: c.Slack.ClientID, clientSecret: c.Slack.ClientSecret, apiURL: api,
		redirect: strings.TrimSuffix(c.Server.PublicURL, "/") + "/login/slack/callback"}
}

// slackStart sends the browser to Slack's authorize page.
func (s *Server) slackStart(w http.ResponseWriter, r *http.Request) {
	o := s.slackLogin()
	if o == nil {
		s.refuse(w, r, http.StatusNotFound, "Sign in with Slack is not configured (slack.client_id and slack.client_secret).")
		return
	}
	state, nonce := randomToken(), randomToken()
	next := safeNext(r.URL.Query().Get("next"))
	s.setCookie(w, oidcCookie, state+"."+nonce+"."+base64.RawURLEncoding.EncodeToString([]byte(next)), int((10 * time.Minute).Seconds()))
	q := url.Values{"response_type": {"code"}, "scope": {"openid email profile"}, "client_id": {o.clientID},
		"state": {state}, "nonce": {nonce}, "redirect_uri": {o.redirect}}
	http.Redirect(w, r, SlackAuthorizeURL+"?"+q.Encode(), http.StatusSeeOther)
}

// slackCallback finishes the flow: it checks the state, exchanges the code, reads the email
// and signs in the user who has it.
func (s *Server) slackCallback(w http.ResponseWriter, r *http.Request) {
	o := s.slackLogin()
	if o == nil {
		s.refuse(w, r, http.StatusNotFound, "Sign in with Slack is not configured (slack.client_id and slack.client_secret).")
		return
	}
	deny := func(status int, msg string) {
		s.renderLogin(w, r, status, loginPage{Next: "/", Error: msg})
	}
	c, err := r.Cookie(oidcCookie)
	s.setCookie(w, oidcCookie, "", -1) // one use
	parts := strings.Split(valueOr(c, err), ".")
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") == "" || q.Get("state") != parts[0] {
		deny(http.StatusBadRequest, "The Slack sign-in expired or did not start here. Please try again.")
		return
	}
	if e := q.Get("error"); e != "" {
		deny(http.StatusUnauthorized, "Slack did not sign you in ("+e+").")
		return
	}
	email, err := o.email(r.Context(), q.Get("code"), parts[1])
	if err != nil {
		s.log().Warn("web: sign in with Slack failed", "err", err)
		deny(http.StatusBadGateway, "Slack sign-in failed: "+err.Error())
		return
	}
	u, err := s.Store.WebUser(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) {
		s.log().Info("web: Slack sign-in of an unknown user", "email", email)
		deny(http.StatusForbidden, fmt.Sprintf("%s has no dashboard account. Ask an admin to run `advocate user add %s`.", email, email))
		return
	}
	if err != nil {
		s.fail(w, r, "read user", err)
		return
	}
	if err := s.startSession(w, r, u.Email); err != nil {
		s.fail(w, r, "start session", err)
		return
	}
	next, _ := base64.RawURLEncoding.DecodeString(parts[2])
	http.Redirect(w, r, safeNext(string(next)), http.StatusSeeOther)
}

func valueOr(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}

var slackHTTP = &http.Client{Timeout: 15 * time.Second}

// email exchanges code for tokens, checks the ID token's nonce and audience, and reads the
// verified email from userInfo. The ID token comes straight from Slack's token endpoint over
// TLS, which OpenID Connect accepts in place of checking its signature (Core 3.1.3.7).
func (o *slackOIDC) email(ctx context.Context, code, nonce string) (string, error) {
	if code == "" {
		return "", errors.New("no code in Slack's answer")
	}
	form := url.Values{"client_id": {o.clientID}, "client_secret": {o.clientSecret}, "code": {code},
		"redirect_uri": {o.redirect}, "grant_type": {"authorization_code"}}
	var tok struct {
		OK          bool   `json:"ok"`
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.apiURL+"openid.connect.token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := call(req, &tok); err != nil {
		return "", fmt.Errorf("openid.connect.token: %w", err)
	}
	if !tok.OK {
		return "", fmt.Errorf("openid.connect.token: %s", tok.Error)
	}
	var claims struct {
		Nonce string `json:"nonce"`
		Aud   any    `json:"aud"`
	}
	if seg := strings.Split(tok.IDToken, "."); len(seg) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(seg[1]); err == nil {
			json.Unmarshal(b, &claims)
		}
	}
	if claims.Nonce != nonce || fmt.Sprint(claims.Aud) != o.clientID {
		return "", errors.New("the ID token is not for this sign-in (nonce or audience differ)")
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, o.apiURL+"openid.connect.userInfo", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var info struct {
		OK            bool   `json:"ok"`
		Error         string `json:"error"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := call(req, &info); err != nil {
		return "", fmt.Errorf("openid.connect.userInfo: %w", err)
	}
	switch {
	case !info.OK:
		return "", fmt.Errorf("openid.connect.userInfo: %s", info.Error)
	case info.Email == "" || !info.EmailVerified:
		return "", errors.New("Slack did not give a verified email address")
	}
	return strings.ToLower(info.Email), nil
}

func call(req *http.Request, out any) error {
	resp, err := slackHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.Unmarshal(body, out)
}
