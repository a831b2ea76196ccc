package email

// This file composes: Envelope, Compose (MIME with go-mail), WriteEML.

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// RenderInvite builds the invitation as a MIME message: text/plain with a text/html
// alternative, a stable Message-ID, a Date, and RFC 8058 unsubscribe headers.
//
// An https UnsubscribeURL gets both List-Unsubscribe and List-Unsubscribe-Post (one-click);
// an http one (a local demo server) gets List-Unsubscribe only, because RFC 8058 allows
// one-click over HTTPS alone and mailbox providers ignore it otherwise.
func RenderInvite(d InviteData) (*mail.Msg, error) {
	d, err := d.normalize()
	if err != nil {
		return nil, err
	}
	c, err := Embedded().Render("invite", d)
	if err != nil {
		return nil, err
	}

	return Compose(Envelope{From: d.From, ReplyTo: d.ReplyTo, ToName: d.ContactName, To: d.ContactEmail,
		MessageID: d.MessageID, Date: d.Date, UnsubscribeURL: d.UnsubscribeURL}, c)
}

// Envelope is what a message needs besides its content: who, when, which id, how to leave.
type Envelope struct {
	From, ReplyTo  string
	ToName, To     string
	MessageID      string // without angle brackets
	Date           time.Time
	UnsubscribeURL string
}

// Compose builds a rendered email as MIME: text/plain with a text/html alternative, the stable
// Message-ID, a Date, and RFC 8058 unsubscribe headers. The outbox calls it at send time with
// the content it stored when the step became due.
//
// An https UnsubscribeURL gets both List-Unsubscribe and List-Unsubscribe-Post (one-click);
// an http one (a local demo server) gets List-Unsubscribe only, because RFC 8058 allows
// one-click over HTTPS alone and mailbox providers ignore it otherwise.
func Compose(e Envelope, c InviteContent) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("email: From %q: %w", e.From, err)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, fmt.Errorf("email: Reply-To %q: %w", e.ReplyTo, err)
		}
	}
	if err := m.AddToFormat(oneLine(e.ToName), e.To); err != nil {
		return nil, fmt.Errorf("email: To %q: %w", e.To, err)
	}
	m.Subject(c.Subject)
	m.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(e.MessageID, "<"), ">"))
	if e.Date.IsZero() {
		e.Date = time.Now()
	}
	m.SetDateWithValue(e.Date)
	if e.UnsubscribeURL != "" {
		if strings.HasPrefix(e.UnsubscribeURL, "https:") {
			if err := m.SetListUnsubscribeOneClick(e.UnsubscribeURL); err != nil {
				return nil, fmt.Errorf("email: unsubscribe header: %w", err)
			}
		} else {
			m.SetListUnsubscribe(e.UnsubscribeURL)
		}
	}
	m.SetBodyString(mail.TypeTextPlain, c.Text)
	m.AddAlternativeString(mail.TypeTextHTML, c.HTML)
	return m, nil
}

// WriteEML writes m as an .eml file (RFC 5322), e.g. for the demo or a preview download.
func WriteEML(w io.Writer, m *mail.Msg) error {
	if m == nil {
		return errors.New("email: write EML: no message")
	}
	if _, err := m.WriteTo(w); err != nil {
		return fmt.Errorf("email: write EML: %w", err)
	}
	return nil
}
