package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// Role is what a user may do: csm decides, marketing edits the model preview, admin all.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleMarketing Role = "marketing"
	RoleCSM       Role = "csm"
)

// User is the signed-in dashboard user.
type User struct {
	Email string
	Role  Role
}

// may reports whether u may do what role names: "" is anyone signed in, admin may do all.
func (u *User) may(role Role) bool {
	return u != nil && (role == "" || u.Role == RoleAdmin || u.Role == role)
}

type userKey struct{}
type sessionKey struct{}

// userFrom returns the signed-in user the guard put on the request's context.
func userFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

func sessionFrom(ctx context.Context) *store.WebSession {
	s, _ := ctx.Value(sessionKey{}).(*store.WebSession)
	return s
}

// Cookie names, and how long things last.
const (
	sessionCookie = "advocate_session"
	// preCSRFCookie carries the CSRF value of a browser that is not signed in yet (the login
	// form): the form must post the same value back (double submit).
	preCSRFCookie = "advocate_csrf"
	// SessionLifetime is how long a sign-in lasts.
	SessionLifetime = 7 * 24 * time.Hour
	// LoginWindow, MaxFailuresPerAccount and MaxFailuresPerAddress rate-limit sign-ins: after
	// that many failures within the window, further attempts answer 429 until it has passed.
	// An address gets more tries than an account: several people may sign in from one office.
	LoginWindow           = 15 * time.Minute
	MaxFailuresPerAccount = 5
	MaxFailuresPerAddress = 20
)

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is what the store keeps of a session token.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// sessionCSRF derives a session's CSRF token from its secret: forms carry this, not the secret.
func sessionCSRF(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("advocate csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// secure reports whether cookies get the Secure flag: when people reach us over https.
func (s *Server) secure() bool {
	if s.Config == nil {
		return false
	}
	c := s.Config()
	return c != nil && strings.HasPrefix(strings.ToLower(c.Server.PublicURL), "https://")
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure()})
}

// csrfToken returns the token state-changing forms must post as csrf_token: derived from the
// session when signed in, else the pre-session cookie's value (set here when missing).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if ss := sessionFrom(r.Context()); ss != nil {
		return sessionCSRF(ss.CSRFSecret)
	}
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	s.setCookie(w, preCSRFCookie, tok, int((12 * time.Hour).Seconds()))
	// A second render in the same request (none today) must see the same value.
	r.AddCookie(&http.Cookie{Name: preCSRFCookie, Value: tok})
	return tok
}

// csrfOK checks the posted csrf_token against what csrfToken handed out for this browser.
func (s *Server) csrfOK(r *http.Request) bool {
	got := r.PostFormValue("csrf_token")
	if got == "" {
		return false
	}
	var want string
	if ss := sessionFrom(r.Context()); ss != nil {
		want = sessionCSRF(ss.CSRFSecret)
	} else if c, err := r.Cookie(preCSRFCookie); err == nil {
		want = c.Value
	}
	return want != "" && hmac.Equal([]byte(got), []byte(want))
}

// session reads the signed-in session of r, or nil.
func (s *Server) session(r *http.Request) (*store.WebSession, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ss, err := s.Store.WebSessionOf(r.Context(), hashToken(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ss, nil
}

// withSession puts the session and its user on the request's context.
func withSession(r *http.Request, ss *store.WebSession) *http.Request {
	ctx := context.WithValue(r.Context(), sessionKey{}, ss)
	ctx = context.WithValue(ctx, userKey{}, &User{Email: ss.Email, Role: Role(ss.Role)})
	return r.WithContext(ctx)
}

// guard serves h only to a signed-in user whose role may do it; "" = any role. Without a
// session it redirects to /login (and back afterwards); a user whose role may not is refused
// with 403; a state-changing request (anything but GET and HEAD) without the session's CSRF
// token is refused with 403 before h runs.
func (s *Server) guard(role Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.session(r)
		if err != nil {
			s.fail(w, r, "read session", err)
			return
		}
		if ss == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		r = withSession(r, ss)
		if !userFrom(r.Context()).may(role) {
			s.refuse(w, r, http.StatusForbidden, fmt.Sprintf("Your role (%s) may not do this; it needs %s.", ss.Role, role))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.csrfOK(r) {
			s.refuse(w, r, http.StatusForbidden, "This form has expired or did not come from this site (missing CSRF token). Reload the page and try again.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	})
}

// refuse renders an error page with status.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", view{Title: http.StatusText(status), Page: msg})
}

// fail logs an internal error and answers 500 without the detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log().Error("web: "+what, "path", r.URL.Path, "err", err)
	http.Error(w, "internal error; see the server log", http.StatusInternalServerError)
}

// remoteAddr is the client's address without the port. X-Forwarded-For is not trusted: anyone
// can send it, and it would let an attacker pick their own rate-limit bucket.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps a post-login redirect on this site: a local path, never "//host" or a URL.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginPage struct {
	Email string
	Next  string
	Error string
	Slack bool // "Sign in with Slack" is configured
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if ss, _ := s.session(r); ss != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginPage{Next: safeNext(r.URL.Query().Get("next")), Error: r.URL.Query().Get("error")})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.Slack = s.slackLogin() != nil
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "login", view{Title: "Sign in", Page: p})
}

// login checks the posted email and password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	p := loginPage{Email: email, Next: safeNext(r.PostFormValue("next"))}
	if !s.csrfOK(r) {
		p.Error = "This form has expired (missing CSRF token). Please try again."
		s.renderLogin(w, r, http.StatusForbidden, p)
		return
	}
	ctx := r.Context()
	now := s.now()
	remote := remoteAddr(r)
	byAddr, byAccount, err := s.Store.LoginFailures(ctx, remote, email, now.Add(-LoginWindow))
	if err != nil {
		s.fail(w, r, "count login failures", err)
		return
	}
	if byAccount >= MaxFailuresPerAccount || byAddr >= MaxFailuresPerAddress {
		p.Error = fmt.Sprintf("Too many failed sign-ins. Wait %d minutes and try again, or ask an admin to check your account.", int(LoginWindow.Minutes()))
		w.Header().Set("Retry-After", fmt.Sprint(int(LoginWindow.Seconds())))
		s.renderLogin(w, r, http.StatusTooManyRequests, p)
		return
	}
	u, err := authenticate(ctx, s.Store, email, r.PostFormValue("password"))
	if errors.Is(err, errBadLogin) {
		if err := s.Store.RecordLoginFailure(ctx, remote, email, now, now.Add(-24*time.Hour)); err != nil {
			s.fail(w, r, "record login failure", err)
			return
		}
		s.log().Info("web: failed sign-in", "email", email, "remote", remote)
		p.Error = "Wrong email or password."
		s.renderLogin(w, r, http.StatusUnauthorized, p)
		return
	}
	if err != nil {
		s.fail(w, r, "sign in", err)
		return
	}
	if err := s.Store.ClearLoginFailures(ctx, u.Email); err != nil {
		s.fail(w, r, "clear login failures", err)
		return
	}
	if err := s.startSession(w, r, u.Email); err != nil {
		s.fail(w, r, "start session", err)
		return
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// startSession stores a new session for email and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, email string) error {
	tok := randomToken()
	err := s.Store.CreateWebSession(r.Context(), store.WebSession{TokenHash: hashToken(tok), Email: email,
		CSRFSecret: randomToken(), ExpiresAt: s.now().Add(SessionLifetime)}, s.now())
	if err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, tok, int(SessionLifetime.Seconds()))
	s.setCookie(w, preCSRFCookie, "", -1)
	s.log().Info("web: signed in", "email", email)
	return nil
}

// logout ends the session (guarded: POST with the session's CSRF token).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Store.DeleteWebSession(r.Context(), hashToken(c.Value)); err != nil {
			s.fail(w, r, "sign out", err)
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// search is the nav's customer box: it goes to the customer page of an id or domain.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/customers/"+url.PathEscape(q), http.StatusSeeOther)
}

// shellRoutes mounts login/logout, static assets, This week (/) and Drip (/drip).
func (s *Server) shellRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /login/slack", s.slackStart)
	mux.HandleFunc("GET /login/slack/callback", s.slackCallback)
	mux.Handle("GET /logout", s.guard("", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "logout", view{Title: "Sign out"})
	}))
	mux.Handle("POST /logout", s.guard("", s.logout))
	mux.Handle("GET /static/", staticHandler())
	mux.Handle("GET /search", s.guard("", s.search))
	mux.Handle("GET /{$}", s.guard("", s.week))
	mux.Handle("POST /decide", s.guard(RoleCSM, s.decide))
	mux.Handle("GET /drip", s.guard("", s.dripPage))
	mux.Handle("POST /drip/resume", s.guard(RoleCSM, s.resume))
	// Anything else is a 404 page, behind the login so it does not reveal what exists.
	mux.Handle("/", s.guard("", func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	}))
}
