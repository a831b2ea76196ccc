package email_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/advocate-hq/advocate/internal/email"
)

// mailServer is a real SMTP server on loopback: optionally STARTTLS (a self-signed
// certificate) and AUTH PLAIN for one user. It counts MAIL commands: a check must send none.
type mailServer struct {
	port   int
	mails  atomic.Int64
	client *tls.Config // trusts the server's certificate
}

func startMailServer(t *testing.T, withTLS, withAuth bool) *mailServer {
	t.Helper()
	ms := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		if withAuth {
			return &authSession{session{ms}}, nil
		}
		return &session{ms}, nil
	}))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if withTLS {
		hs := httptest.NewUnstartedServer(http.NotFoundHandler())
		hs.StartTLS() // only for its self-signed certificate for 127.0.0.1
		t.Cleanup(hs.Close)
		srv.TLSConfig = &tls.Config{Certificates: hs.TLS.Certificates}
		ms.client = &tls.Config{RootCAs: hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

type session struct{ ms *mailServer }

func (s *session) Mail(string, *smtp.MailOptions) error { s.ms.mails.Add(1); return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }

type authSession struct{ session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "dana" || pass != "right-password" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		return nil
	}), nil
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestVerifySMTP(t *testing.T) {
	plain := startMailServer(t, false, false)
	secure := startMailServer(t, true, true)
	tests := []struct {
		name   string
		ms     *mailServer
		s      email.SMTP
		stage  string // "" = passes
		trusts bool   // give the client the server's certificate
	}{
		{"plain relay", plain, email.SMTP{TLS: "none"}, "", false},
		{"starttls and login", secure, email.SMTP{TLS: "starttls", Username: "dana", Password: "right-password"}, "", true},
		{"wrong password", secure, email.SMTP{TLS: "starttls", Username: "dana", Password: "wrong-password"}, email.StageAuth, true},
		{"starttls required, server has none", plain, email.SMTP{TLS: "starttls"}, email.StageTLS, false},
		{"untrusted certificate", secure, email.SMTP{TLS: "starttls", Username: "dana", Password: "right-password"}, email.StageTLS, false},
		{"implicit tls to a plain server", plain, email.SMTP{TLS: "tls"}, email.StageTLS, false},
		{"login without AUTH on the server", plain, email.SMTP{TLS: "none", Username: "dana", Password: "right-password"}, email.StageAuth, false},
		{"nobody listening", nil, email.SMTP{TLS: "none"}, email.StageConnect, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Host, s.Timeout = "127.0.0.1", 5*time.Second
			if tc.ms != nil {
				s.Port = tc.ms.port
				if tc.trusts {
					s.TLSConfig = tc.ms.client
				}
			} else {
				s.Port = closedPort(t)
			}
			err := email.VerifySMTP(context.Background(), s)
			t.Log(err)
			var se *email.SMTPError
			switch {
			case tc.stage == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.stage != "" && (!errors.As(err, &se) || se.Stage != tc.stage):
				t.Fatalf("err = %v, want a failure at %s", err, tc.stage)
			}
			if err != nil && s.Password != "" && strings.Contains(err.Error(), s.Password) {
				t.Errorf("error shows the password: %v", err)
			}
			if tc.ms != nil && tc.ms.mails.Load() != 0 {
				t.Errorf("the check sent MAIL %d times", tc.ms.mails.Load())
			}
		})
	}
}
