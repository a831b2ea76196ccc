// Package smtptest runs a real SMTP server (emersion/go-smtp) on 127.0.0.1 for tests and
// benchmarks, recording what it receives.
package smtptest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one email the server accepted.
type Message struct {
	From      string
	To        []string
	MessageID string // without angle brackets
	Data      []byte // nil unless the server keeps data
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int
	// KeepData keeps every message's bytes (tests); benchmarks leave it off.
	KeepData bool
	// Rcpt, if set, may refuse a recipient with an *smtp.SMTPError (e.g. 550 or 451).
	Rcpt func(to string) error
	// OnMessage, if set, is called after each accepted message with the running count.
	OnMessage func(n int64)
	// BeforeAccept, if set, is called with each message after its data arrived and before the
	// server accepts it; the client waits for its reply meanwhile. Tests make a slow server by
	// blocking here on a channel they control (or by advancing an injected clock).
	BeforeAccept func(m Message)

	srv   *smtp.Server
	mu    sync.Mutex
	msgs  []Message
	count atomic.Int64
}

// Start starts a server on a free loopback port; it stops when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := Listen()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Listen starts a server outside a test (a benchmark helper process).
func Listen() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	// Clients killed mid-session (the crash test) are expected; don't litter test output.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv
	go srv.Serve(ln)
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Count is how many messages were accepted.
func (s *Server) Count() int64 { return s.count.Load() }

// Messages returns a copy of everything accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Reset forgets what was received.
func (s *Server) Reset() {
	s.mu.Lock()
	s.msgs = nil
	s.mu.Unlock()
	s.count.Store(0)
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.Rcpt != nil {
		if err := x.s.Rcpt(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	// Only a message read to its end counts: a client killed mid-DATA delivered nothing.
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, MessageID: messageID(data)}
	if m.MessageID == "" {
		return errors.New("smtptest: message without Message-ID")
	}
	if x.s.KeepData {
		m.Data = data
	}
	if x.s.BeforeAccept != nil {
		x.s.BeforeAccept(m)
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	n := x.s.count.Add(1)
	if x.s.OnMessage != nil {
		x.s.OnMessage(n)
	}
	x.from, x.to = "", nil
	return nil
}

// messageID reads the Message-ID header from the header block.
func messageID(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			return strings.Trim(strings.TrimSpace(v), "<>")
		}
	}
	return ""
}
