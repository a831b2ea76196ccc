package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestAccess walks the doors of the dashboard: who gets in, who is sent to /login, who is
// refused, and which forms are refused without their CSRF token.
func TestAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st, nil)
		ids := s.seedWeek(t, 2)
		anon := s.browser(t)
		csm := s.signIn(t, RoleCSM)
		marketing := s.signIn(t, RoleMarketing)
		admin := s.signIn(t, RoleAdmin)
		approve := url.Values{"customer": {ids[0]}, "kind": {"approve"}, "week": {"2026-W47"}}

		gets := []struct {
			name     string
			b        *browser
			path     string
			want     int
			contains string
		}{
			{"anonymous week", anon, "/", http.StatusSeeOther, ""},
			{"anonymous drip", anon, "/drip", http.StatusSeeOther, ""},
			{"anonymous unknown page", anon, "/nope", http.StatusSeeOther, ""},
			{"login form is public", anon, "/login", http.StatusOK, `name="csrf_token"`},
			{"stylesheet is public", anon, "/static/style.css", http.StatusOK, "focus-visible"},
			{"csm week", csm, "/", http.StatusOK, "Approve"},
			{"marketing sees the week without buttons", marketing, "/", http.StatusOK, "Customer 00"},
			{"admin drip", admin, "/drip", http.StatusOK, "Recruitment funnel"},
			{"sign-out page asks to confirm", admin, "/logout", http.StatusOK, `action="/logout" method="post"`},
			{"unknown page", csm, "/nope", http.StatusNotFound, "There is no page at /nope"},
		}
		for _, c := range gets {
			status, body := c.b.get(t, c.path)
			if status != c.want || !strings.Contains(body, c.contains) {
				t.Errorf("%s: GET %s = %d, want %d containing %q\n%.400s", c.name, c.path, status, c.want, c.contains, body)
			}
		}
		if _, body := marketing.get(t, "/"); strings.Contains(body, ">Approve<") {
			t.Error("marketing is offered Approve buttons; only csm and admin decide")
		}
		resp, err := anon.c.Get(s.URL + "/drip?x=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != "/login?next=%2Fdrip%3Fx%3D1" {
			t.Errorf("redirect to %q, want back to /drip?x=1 after login", got)
		}

		posts := []struct {
			name   string
			b      *browser
			form   url.Values
			csrf   string // "" = none; "session" = the browser's own
			want   int
			wantIn string
		}{
			{"anonymous decide", anon, approve, "", http.StatusSeeOther, ""},
			{"no csrf", csm, approve, "", http.StatusForbidden, "missing CSRF token"},
			{"another session's csrf", csm, approve, admin.CSRF, http.StatusForbidden, "missing CSRF token"},
			{"marketing may not decide", marketing, approve, "session", http.StatusForbidden, "may not do this"},
		}
		for _, c := range posts {
			form := url.Values{}
			for k, v := range c.form {
				form[k] = v
			}
			switch c.csrf {
			case "session":
				form.Set("csrf_token", c.b.CSRF)
			case "":
			default:
				form.Set("csrf_token", c.csrf)
			}
			status, _, body := c.b.postRaw(t, "/decide", form)
			if status != c.want || !strings.Contains(body, c.wantIn) {
				t.Errorf("%s: POST /decide = %d, want %d containing %q\n%.300s", c.name, status, c.want, c.wantIn, body)
			}
		}
		if d, _ := st.DecisionsOf(context.Background(), ids); len(d) != 0 {
			t.Fatalf("refused requests recorded decisions: %+v", d)
		}

		// Logout needs the CSRF token too, and ends the session for good.
		if status, _, _ := admin.postRaw(t, "/logout", url.Values{}); status != http.StatusForbidden {
			t.Errorf("logout without csrf = %d, want 403", status)
		}
		if status, loc, _ := admin.post(t, "/logout", nil); status != http.StatusSeeOther || loc != "/login" {
			t.Errorf("logout = %d %q", status, loc)
		}
		if status, _ := admin.get(t, "/"); status != http.StatusSeeOther {
			t.Errorf("after logout GET / = %d, want a redirect to /login", status)
		}
	})
}

// TestLogin: a wrong password and an unknown user get the same answer; the login form needs
// its CSRF token; the session cookie is HttpOnly, SameSite=Lax, and Secure behind https.
func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st, nil)
		s.addUser(t, "Maya@Vendor.io", RoleCSM)
		cases := []struct {
			name, email, password string
			want                  int
			wantIn                string
		}{
			{"wrong password", "maya@vendor.io", "not the password", http.StatusUnauthorized, "Wrong email or password."},
			{"unknown user", "nobody@vendor.io", testPassword, http.StatusUnauthorized, "Wrong email or password."},
			{"right, in another case", "MAYA@vendor.io", testPassword, http.StatusSeeOther, ""},
		}
		for _, c := range cases {
			status, _, body := s.browser(t).login(t, c.email, c.password)
			if status != c.want || !strings.Contains(body, c.wantIn) {
				t.Errorf("%s: %d, want %d containing %q", c.name, status, c.want, c.wantIn)
			}
		}
		if status, _, body := s.browser(t).postRaw(t, "/login", url.Values{"email": {"maya@vendor.io"}, "password": {testPassword}}); status != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("login without csrf_token = %d, want 403", status)
		}

		for _, public := range []string{"http://adv.local", "https://adv.acme.io"} {
			s.Config().Server.PublicURL = public
			b := s.browser(t)
			_, form := b.get(t, "/login")
			resp, err := b.c.PostForm(s.URL+"/login", url.Values{"email": {"maya@vendor.io"}, "password": {testPassword}, "csrf_token": {csrfIn(form)}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var c *http.Cookie
			for _, k := range resp.Cookies() {
				if k.Name == sessionCookie && k.Value != "" {
					c = k
				}
			}
			wantSecure := strings.HasPrefix(public, "https")
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != wantSecure {
				t.Errorf("%s: session cookie %+v, want HttpOnly, SameSite=Lax, Secure=%v", public, c, wantSecure)
			}
			// Only a hash of the token is stored.
			if _, err := st.WebSessionOf(context.Background(), c.Value, s.Now()); err == nil {
				t.Error("the raw session token is a key in the store; only its hash should be")
			}
		}
		s.Config().Server.PublicURL = ""

		// next stays on this site.
		b := s.browser(t)
		_, form := b.get(t, "/login")
		_, loc, _ := b.postRaw(t, "/login", url.Values{"email": {"maya@vendor.io"}, "password": {testPassword}, "csrf_token": {csrfIn(form)}, "next": {"//evil.example/x"}})
		if loc != "/" {
			t.Errorf("next=//evil.example/x redirected to %q, want /", loc)
		}
	})
}

// TestLoginRateLimit: five failures for an account within the window, or twenty from one
// address, and further tries answer 429 (even with the right password) until the window passes.
func TestLoginRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st, nil)
		s.addUser(t, "maya@vendor.io", RoleCSM)
		s.addUser(t, "li@vendor.io", RoleCSM)
		b := s.browser(t)
		for i := range MaxFailuresPerAccount {
			if status, _, _ := b.login(t, "maya@vendor.io", "wrong password!"); status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, status)
			}
		}
		status, _, body := b.login(t, "maya@vendor.io", testPassword)
		if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins. Wait 15 minutes") {
			t.Fatalf("after %d failures: %d\n%.300s", MaxFailuresPerAccount, status, body)
		}
		// Another account from the same address is not locked out by maya's failures.
		if status, _, _ := b.login(t, "li@vendor.io", testPassword); status != http.StatusSeeOther {
			t.Errorf("li after maya's failures: %d, want to sign in", status)
		}
		s.tick(LoginWindow + time.Second)
		if status, _, _ := s.browser(t).login(t, "maya@vendor.io", testPassword); status != http.StatusSeeOther {
			t.Errorf("after the window: %d, want to sign in", status)
		}

		// Per address: many accounts guessed from one address.
		s.tick(LoginWindow + time.Second)
		b = s.browser(t)
		for i := range MaxFailuresPerAddress {
			if status, _, _ := b.login(t, "guess"+string(rune('a'+i))+"@vendor.io", "whatever123456"); status != http.StatusUnauthorized {
				t.Fatalf("address failure %d: %d", i+1, status)
			}
		}
		if status, _, _ := b.login(t, "li@vendor.io", testPassword); status != http.StatusTooManyRequests {
			t.Errorf("after %d failures from one address: %d, want 429", MaxFailuresPerAddress, status)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/drip": "/drip", "": "/", "//evil.io": "/", "https://evil.io": "/", "/\\evil.io": "/", "drip": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
