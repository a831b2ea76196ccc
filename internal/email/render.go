// Package email is Advocate's email adapter: it renders the onboarding emails (the words
// come from templates/email, with text and HTML parts) and composes them as MIME messages with
// go-mail (stable Message-ID, Date, RFC 8058 List-Unsubscribe headers). internal/drip plans
// what to send and fills the templates' data; internal/outbox sends the composed messages.
//
// This file renders: InviteData, the template cache, RenderStepContent.
package email

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// InviteData is everything the invitation templates may use. Templates see this struct and its
// methods, nothing else.
type InviteData struct {
	From           string // "Dana from Acme <dana@acme.io>"
	ProgramURL     string // where the invitation's button leads; required
	ReferralURL    string // the contact's own referral link, if already issued
	UnsubscribeURL string // signed one-click link; sets List-Unsubscribe headers when present

	CustomerName      string
	ContactName       string
	ContactFirstName  string // derived from ContactName when empty
	ContactEmail      string // the recipient
	CSMName, CSMEmail string
	// FromCSM is set when the email is sent in the CSM's own name (From is the CSM): the
	// templates then sign as the CSM and do not introduce them as a third person. SendAsCSM
	// sets it.
	FromCSM bool
	// Highlights are customer-safe facts about the customer (Highlights in highlights.go:
	// "You have been with us since March 2022"), never the scoring reasons a CSM reads.
	Highlights []string
	Personal   string // optional reviewed LLM paragraph(s); empty = the template's text
	ReplyTo    string // optional Reply-To (the CSM, for steps sent in their name)

	// Plan and Industry are the customer's plan and industry as the customer knows them, for
	// templates that want them. Templates see no other attribute and no signal, so an edited
	// template cannot put an internal metric into an email.
	Plan, Industry string

	// MessageID is the stable Message-ID (without or with angle brackets), normally derived
	// from the outbox row, so a resend after a crash is recognisable as the same message.
	// Required: go-mail would otherwise invent a random one.
	MessageID string
	// Date is the Date header. Zero means the time of rendering.
	Date time.Time
}

// SenderName is the display name of From ("Dana from Acme"), for the signature.
func (d InviteData) SenderName() string {
	a, err := netmail.ParseAddress(d.From)
	if err != nil {
		return d.From
	}
	if a.Name != "" {
		return a.Name
	}
	return a.Address
}

// SendAsCSM makes the email come from the CSM (a drip step with `from: csm`): replies go to
// the CSM, and when the CSM's address is in From's domain (so SPF/DKIM/DMARC still align),
// From is the CSM too and the email signs as them. Otherwise From stays the configured sender,
// and so does the signature.
func (d *InviteData) SendAsCSM() {
	if d.CSMEmail == "" {
		return
	}
	d.ReplyTo = d.CSMEmail
	if !sameDomain(d.CSMEmail, d.From) {
		return
	}
	name := d.CSMName
	if name == "" {
		name = NameFromAddress(d.CSMEmail)
	}
	d.From = (&netmail.Address{Name: oneLine(name), Address: d.CSMEmail}).String()
	d.FromCSM = true
}

// sameDomain reports whether addr is in the domain of the address in from.
func sameDomain(addr, from string) bool {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return false
	}
	_, d1, _ := strings.Cut(strings.ToLower(addr), "@")
	_, d2, _ := strings.Cut(strings.ToLower(a.Address), "@")
	return d1 != "" && d1 == d2
}

// Lengths of names in subjects: a subject stays one short line in every inbox.
const (
	MaxSubject      = 78 // runes; longer subjects are clipped
	subjectCompany  = 22
	subjectFirstNam = 12
)

// ShortCustomerName is the customer's name clipped for a subject line.
func (d InviteData) ShortCustomerName() string { return advocate.Clip(d.CustomerName, subjectCompany) }

// ShortFirstName is the contact's first name clipped for a subject line.
func (d InviteData) ShortFirstName() string {
	return advocate.Clip(d.ContactFirstName, subjectFirstNam)
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

// PersonalParagraphs splits Personal at blank lines, so the HTML part keeps the paragraphs
// the reviewer saw in the text.
func (d InviteData) PersonalParagraphs() []string {
	var out []string
	for _, p := range blankLines.Split(strings.ReplaceAll(d.Personal, "\r\n", "\n"), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// InviteContent is the rendered invitation before it becomes MIME, e.g. for a preview in Slack.
type InviteContent struct {
	Subject string
	Text    string
	HTML    string
}

// ErrInvalidInvite is wrapped by every validation error from RenderInvite.
var ErrInvalidInvite = errors.New("invalid invitation")

func invalid(format string, args ...any) error {
	return fmt.Errorf("email: %w: %s", ErrInvalidInvite, fmt.Sprintf(format, args...))
}

// normalize validates d and fills the derived fields.
func (d InviteData) normalize() (InviteData, error) {
	if strings.TrimSpace(d.From) == "" {
		return d, invalid("From is empty; set email.from in the config, e.g. \"Dana from Acme <dana@acme.io>\"")
	}
	if _, err := netmail.ParseAddress(d.From); err != nil {
		return d, invalid("From %q is not an email address: %v", d.From, err)
	}
	if strings.TrimSpace(d.ContactEmail) == "" {
		return d, invalid("no recipient: contact %q of %q has no email address", d.ContactName, d.CustomerName)
	}
	if _, err := netmail.ParseAddress(d.ContactEmail); err != nil {
		return d, invalid("recipient %q is not an email address: %v", d.ContactEmail, err)
	}
	if strings.TrimSpace(d.CustomerName) == "" {
		return d, invalid("CustomerName is empty")
	}
	if err := checkURL("ProgramURL", d.ProgramURL, true); err != nil {
		return d, err
	}
	if err := checkURL("ReferralURL", d.ReferralURL, false); err != nil {
		return d, err
	}
	if err := checkURL("UnsubscribeURL", d.UnsubscribeURL, false); err != nil {
		return d, err
	}
	d.MessageID = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(d.MessageID), "<"), ">")
	if d.MessageID == "" {
		return d, invalid("MessageID is empty; pass the outbox row's stable id so a resend is the same message")
	}
	if at := strings.IndexByte(d.MessageID, '@'); at <= 0 || at == len(d.MessageID)-1 || strings.ContainsAny(d.MessageID, " \t\r\n<>") {
		return d, invalid("MessageID %q must look like \"local@domain\"", d.MessageID)
	}

	// Names end up in headers and one-line greetings: fold any line breaks a CRM let through.
	d.CustomerName = oneLine(d.CustomerName)
	d.ContactName = oneLine(d.ContactName)
	d.ContactFirstName = oneLine(d.ContactFirstName)
	if d.ContactFirstName == "" {
		d.ContactFirstName = FirstName(d.ContactName)
	}
	d.CSMName = oneLine(d.CSMName)
	if d.Date.IsZero() {
		d.Date = time.Now()
	}
	return d, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkURL accepts absolute http(s) URLs only: anything else would be a broken link, and
// html/template would turn a "javascript:" one into "#ZgotmplZ" without telling anyone.
func checkURL(field, raw string, required bool) error {
	if strings.TrimSpace(raw) == "" {
		if required {
			return invalid("%s is empty", field)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("%s %q must be an absolute http(s) URL", field, raw)
	}
	return nil
}

// RenderInviteContent renders subject, text and HTML of the invitation with the embedded
// templates.
func RenderInviteContent(d InviteData) (InviteContent, error) {
	return Embedded().Render("invite", d)
}

// RenderStepContent renders subject, text and HTML of the drip step template name
// (templates/email/<name>.*.tmpl) for d with the embedded templates; "invite" is the
// invitation. Callers with a config use its Templates (email.templates_dir overrides).
func RenderStepContent(name string, d InviteData) (InviteContent, error) {
	return Embedded().Render(name, d)
}

// FirstName is the first word of a person's name, for greetings; "" when the name is an
// address.
func FirstName(name string) string {
	if w := strings.Fields(name); len(w) > 0 && !strings.Contains(w[0], "@") {
		return w[0]
	}
	return ""
}

// NameFromAddress guesses a display name from an address, for greetings and signatures when
// no source gave one: "sam.rivera@acme.io" -> "Sam Rivera".
func NameFromAddress(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}
