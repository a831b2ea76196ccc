package unsubscribe

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func signer(t *testing.T, secret string) *Signer {
	t.Helper()
	s, err := NewSigner([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokens(t *testing.T) {
	s := signer(t, "0123456789abcdef-secret")
	tok := s.Token("Jo@Acme.io")
	if addr, err := s.Verify(tok); err != nil || addr != "jo@acme.io" {
		t.Fatalf("Verify(Token) = %q, %v", addr, err)
	}
	enc := base64.RawURLEncoding
	_, mac, _ := strings.Cut(tok, ".")
	forged := enc.EncodeToString([]byte("ceo@acme.io")) + "." + mac
	flipped := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
	for name, bad := range map[string]string{
		"other address, same MAC": forged,
		"altered MAC":             flipped,
		"other secret":            signer(t, "another-secret-of-16+").Token("jo@acme.io"),
		"no MAC":                  enc.EncodeToString([]byte("jo@acme.io")),
		"empty":                   "",
		"garbage":                 "!!!.???",
	} {
		if _, err := s.Verify(bad); err == nil {
			t.Errorf("%s: Verify accepted %q", name, bad)
		}
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("NewSigner accepted a 5-byte secret")
	}
	if got := s.URL("https://advocate.acme.io/", "jo@acme.io"); got != "https://advocate.acme.io/u/"+s.Token("jo@acme.io") {
		t.Errorf("URL = %q", got)
	}
}

type fakeStore struct{ suppressed map[string]string }

func (f *fakeStore) Suppress(_ context.Context, email, reason string) (int, error) {
	f.suppressed[email] = reason
	return 1, nil
}

func TestHandler(t *testing.T) {
	s := signer(t, "0123456789abcdef-secret")
	st := &fakeStore{suppressed: map[string]string{}}
	mux := http.NewServeMux()
	mux.Handle("/u/", &Handler{Signer: s, Store: st, Sender: "Acme"})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	link := s.URL(srv.URL, "jo@acme.io")

	// GET (a person, or a mail scanner following links) only shows the confirmation.
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	if res.StatusCode != 200 || !strings.Contains(body, `<form method="post">`) || !strings.Contains(body, "jo@acme.io") {
		t.Fatalf("GET = %d %s", res.StatusCode, body)
	}
	if len(st.suppressed) != 0 {
		t.Fatal("GET suppressed the address; only POST may")
	}

	// RFC 8058 one-click: the mail client POSTs without ever showing a page.
	res, err = http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, res)
	if res.StatusCode != 200 || st.suppressed["jo@acme.io"] != ReasonOneClick {
		t.Fatalf("one-click POST = %d, suppressed %v", res.StatusCode, st.suppressed)
	}

	// The confirmation button posts an empty form.
	res, _ = http.Post(s.URL(srv.URL, "sam@acme.io"), "application/x-www-form-urlencoded", nil)
	readAll(t, res)
	if st.suppressed["sam@acme.io"] != ReasonLink {
		t.Errorf("button POST: suppressed %v", st.suppressed)
	}

	// A forged or damaged link changes nothing and says so.
	res, _ = http.Post(srv.URL+"/u/"+base64.RawURLEncoding.EncodeToString([]byte("x@y.z"))+".AAAAAAAAAAAAAAAAAAAAAA", "", nil)
	readAll(t, res)
	if res.StatusCode != 404 || len(st.suppressed) != 2 {
		t.Errorf("forged POST = %d, suppressed %v", res.StatusCode, st.suppressed)
	}
	req, _ := http.NewRequest(http.MethodDelete, link, nil)
	res, _ = http.DefaultClient.Do(req)
	readAll(t, res)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE = %d, want 405", res.StatusCode)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
