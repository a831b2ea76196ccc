package email

// This file checks an SMTP server without sending: VerifySMTP.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTP says how to reach a mail server, as smtp: in the config does.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string // secret: never in an error or a log
	TLS      string // none | starttls (required) | tls (implicit)
	Timeout  time.Duration
	// TLSConfig overrides the TLS settings (tests with a self-signed server).
	TLSConfig *tls.Config
}

// Stages of an SMTP conversation VerifySMTP goes through, in order; an SMTPError names the one
// that failed.
const (
	StageConnect  = "connect"
	StageGreeting = "EHLO"
	StageTLS      = "TLS"
	StageAuth     = "AUTH"
)

// SMTPError is a failed SMTP check: which stage failed, and why.
type SMTPError struct {
	Stage string // StageConnect, StageGreeting, StageTLS or StageAuth
	Addr  string // host:port
	Err   error
}

func (e *SMTPError) Error() string {
	switch e.Stage {
	case StageConnect:
		return fmt.Sprintf("cannot connect to %s: %v", e.Addr, e.Err)
	case StageAuth:
		return fmt.Sprintf("%s refused the login (AUTH): %v", e.Addr, e.Err)
	}
	return fmt.Sprintf("%s failed at %s: %v", e.Addr, e.Stage, e.Err)
}

func (e *SMTPError) Unwrap() error { return e.Err }

// ClientOptions are the go-mail options for s: TLS as configured (starttls is mandatory, not
// opportunistic: credentials never cross the network in clear text by surprise) and AUTH when a
// username is set.
func ClientOptions(s SMTP) []mail.Option {
	opts := []mail.Option{mail.WithPort(s.Port)}
	if s.Timeout > 0 {
		opts = append(opts, mail.WithTimeout(s.Timeout))
	}
	switch s.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(tlsConfig(s)))
	}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	return opts
}

// VerifySMTP checks that mail could be sent through s without sending any: it connects, says
// EHLO, sets up TLS as configured (STARTTLS or implicit), logs in when a username is set, then
// says QUIT. A failure is an *SMTPError naming the stage.
//
// It takes two connections: the first goes as far as TLS, watching each step, so a failure
// there is named exactly; the second is the same login the outbox does (ClientOptions), so a
// failure there is the login's.
func VerifySMTP(ctx context.Context, s SMTP) error {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	if err := verifyTransport(ctx, s, addr); err != nil {
		return err
	}
	if s.Username == "" {
		return nil
	}
	c, err := mail.NewClient(s.Host, ClientOptions(s)...)
	if err != nil {
		return &SMTPError{Stage: StageConnect, Addr: addr, Err: err}
	}
	if err := c.DialWithContext(ctx); err != nil {
		return &SMTPError{Stage: StageAuth, Addr: addr, Err: err}
	}
	return c.Close() // QUIT
}

// tlsConfig is s.TLSConfig (or the defaults) checking the certificate against s.Host.
func tlsConfig(s SMTP) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.Host
	}
	return cfg
}

// verifyTransport connects, greets and sets up TLS (no AUTH), naming the stage that fails.
func verifyTransport(ctx context.Context, s SMTP, addr string) error {
	w := &watch{}
	noAuth := s
	noAuth.Username = ""
	opts := append(ClientOptions(noAuth), mail.WithDialContextFunc(w.dial(s)))
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return &SMTPError{Stage: StageConnect, Addr: addr, Err: err}
	}
	if err := c.DialWithContext(ctx); err != nil {
		return &SMTPError{Stage: w.stage(err), Addr: addr, Err: err}
	}
	if err := c.Close(); err != nil { // QUIT
		return &SMTPError{Stage: StageGreeting, Addr: addr, Err: err}
	}
	return nil
}

// watch records how far a connection got: connected, TLS handshake done (implicit TLS), and
// whether STARTTLS was asked for.
type watch struct {
	mu                             sync.Mutex
	connected, handshook, starttls bool
}

// dial connects (and for implicit TLS, shakes hands) itself, so go-mail's steps after it can
// be told apart from the connection's.
func (w *watch) dial(s SMTP) mail.DialContextFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		w.connected = true
		w.mu.Unlock()
		if s.TLS != "tls" {
			return &watchedConn{Conn: conn, w: w}, nil
		}
		tc := tls.Client(conn, tlsConfig(s))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &tlsError{err}
		}
		w.mu.Lock()
		w.handshook = true
		w.mu.Unlock()
		return tc, nil
	}
}

// tlsError marks a failed implicit-TLS handshake.
type tlsError struct{ error }

func (e *tlsError) Unwrap() error { return e.error }

// stage names where a conversation that failed with err stopped.
func (w *watch) stage(err error) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var te *tlsError
	switch {
	case errors.As(err, &te):
		return StageTLS
	case !w.connected:
		return StageConnect
	case w.starttls || strings.Contains(err.Error(), "STARTTLS"):
		return StageTLS
	}
	return StageGreeting
}

// watchedConn notices the STARTTLS command on a plain connection.
type watchedConn struct {
	net.Conn
	w *watch
}

func (c *watchedConn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(bytes.ToUpper(p), []byte("STARTTLS")) {
		c.w.mu.Lock()
		c.w.starttls = true
		c.w.mu.Unlock()
	}
	return c.Conn.Write(p)
}
