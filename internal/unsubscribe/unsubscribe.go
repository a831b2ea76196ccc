// Package unsubscribe makes and checks the signed one-click unsubscribe links every drip email
// carries, and serves them: GET /u/{token} shows a confirmation page with a button, POST
// /u/{token} (the button, or a mail client's RFC 8058 one-click request) suppresses the address
// and stops every enrollment for it.
//
// A token is the address and an HMAC-SHA256 over it with a server secret:
// base64url(address) "." base64url(first 16 bytes of the MAC). It cannot be guessed (128-bit
// MAC) or altered (a changed address fails the MAC), needs no database row, and never expires:
// RFC 8058 links must keep working for as long as the mail sits in an inbox. The secret is
// never logged; tokens are not logged either.
package unsubscribe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
)

// purpose separates these MACs from any other use of the same secret.
const purpose = "advocate/unsubscribe/v1\x00"

// macLen is the truncated MAC length: 128 bits is beyond guessing and keeps links short.
const macLen = 16

// Signer signs and verifies tokens with one secret.
type Signer struct{ secret []byte }

// NewSigner returns a Signer; the secret must have at least 16 bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 16 {
		return nil, errors.New("unsubscribe: the signing secret must have at least 16 bytes")
	}
	return &Signer{secret: append([]byte(nil), secret...)}, nil
}

func (s *Signer) mac(addr string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose))
	m.Write([]byte(addr))
	return m.Sum(nil)[:macLen]
}

func normalize(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// Token returns the token for an address (case does not matter).
func (s *Signer) Token(addr string) string {
	a := normalize(addr)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(a)) + "." + enc.EncodeToString(s.mac(a))
}

// URL returns base + "/u/" + token; base is server.public_url.
func (s *Signer) URL(base, addr string) string {
	return strings.TrimRight(base, "/") + "/u/" + s.Token(addr)
}

// ErrBadToken is returned for a token that was not made with this secret.
var ErrBadToken = errors.New("unsubscribe: invalid token")

// Verify returns the address a genuine token names.
func (s *Signer) Verify(token string) (string, error) {
	enc := base64.RawURLEncoding
	a, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return "", ErrBadToken
	}
	addr, err1 := enc.DecodeString(a)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || len(mac) != macLen {
		return "", ErrBadToken
	}
	want := s.mac(string(addr))
	if subtle.ConstantTimeCompare(mac, want) != 1 || string(addr) != normalize(string(addr)) || !strings.Contains(string(addr), "@") {
		return "", ErrBadToken
	}
	return string(addr), nil
}

// Suppressor records an unsubscribe; *store.Store implements it (Suppress also stops every
// enrollment of the address and cancels its unsent emails).
type Suppressor interface {
	Suppress(ctx context.Context, email, reason string) (stopped int, err error)
}

// Handler serves GET and POST /u/{token}. Mount it at "/u/" (it reads the token from the last
// path segment, so a prefix such as "/email/u/" works too).
type Handler struct {
	Signer *Signer
	Store  Suppressor
	Log    *slog.Logger
	// Sender names who the emails come from on the pages ("Acme"); optional.
	Sender string
}

// Reasons stored in the suppression list.
const (
	ReasonOneClick = "unsubscribed (one-click)"
	ReasonLink     = "unsubscribed (link)"
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	w.Header().Set("X-Frame-Options", "DENY")
	token := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	addr, err := h.Signer.Verify(token)
	if err != nil {
		h.page(w, http.StatusNotFound, pageData{Title: "Link not valid", Message: "This unsubscribe link is not valid. If you copied it from an email, make sure the whole link was copied."})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		// Never unsubscribe on GET: mail scanners and link previews fetch every link.
		h.page(w, http.StatusOK, pageData{Title: "Unsubscribe", Address: addr, Sender: h.Sender, Confirm: true})
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		reason := ReasonLink
		if err := r.ParseForm(); err == nil && r.PostForm.Get("List-Unsubscribe") == "One-Click" {
			reason = ReasonOneClick
		}
		stopped, err := h.Store.Suppress(r.Context(), addr, reason)
		if err != nil {
			h.log().Error("unsubscribe failed", "address", Mask(addr), "err", err)
			h.page(w, http.StatusInternalServerError, pageData{Title: "Please try again", Message: "We could not record your request just now. Please try again in a minute."})
			return
		}
		h.log().Info("unsubscribed", "address", Mask(addr), "reason", reason, "enrollments_stopped", stopped)
		h.page(w, http.StatusOK, pageData{Title: "You are unsubscribed", Address: addr, Sender: h.Sender,
			Message: "You will not receive any more of these emails."})
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// Mask shortens an address for logs: "jo@acme.io" -> "j…@acme.io".
func Mask(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "…"
	}
	return fmt.Sprintf("%c…@%s", local[0], domain)
}

type pageData struct {
	Title, Message, Address, Sender string
	Confirm                         bool
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:520px;margin:48px auto;padding:0 16px;color:#1f2328;line-height:1.5">
<h1 style="font-size:22px">{{.Title}}</h1>
{{- if .Confirm}}
<p>Stop all partner-program emails{{with .Sender}} from {{.}}{{end}} to <strong>{{.Address}}</strong>?</p>
<form method="post"><button type="submit" style="font-size:16px;padding:10px 20px;border-radius:6px;border:0;background:#2f6feb;color:#fff;cursor:pointer">Unsubscribe</button></form>
{{- else}}
<p>{{.Message}}</p>{{with .Address}}<p style="color:#6e7781">{{.}}</p>{{end}}
{{- end}}
</body></html>
`))

func (h *Handler) page(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	pageTmpl.Execute(w, d)
}
