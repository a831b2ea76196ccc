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
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/advocate-hq/advocate/templates"
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
	Highlights        []string // why we thought of them, e.g. the top scoring reasons
	Personal          string   // optional reviewed LLM paragraph(s); empty = the template's text
	ReplyTo           string   // optional Reply-To (the CSM, for steps sent in their name)

	// Attributes and Signals are the customer's other facts (plan, industry, nps, active_users
	// ...), for templates that want them: {{index .Attributes "plan"}}.
	Attributes map[string]string
	Signals    map[string]float64

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

type inviteTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// stepTemplates caches parsed templates by name ("invite", "first_step", ...). Templates are
// embedded, so a name either always parses or never does.
var stepTemplates = struct {
	sync.Mutex
	m map[string]inviteTemplates
}{m: map[string]inviteTemplates{}}

func loadTemplates(name string) (inviteTemplates, error) {
	stepTemplates.Lock()
	defer stepTemplates.Unlock()
	if t, ok := stepTemplates.m[name]; ok {
		return t, nil
	}
	if name == "" || strings.ContainsAny(name, "/.\\") {
		return inviteTemplates{}, fmt.Errorf("email: bad template name %q", name)
	}
	var t inviteTemplates
	var err error
	// No FuncMap: templates see their data and nothing else (no env, no files).
	if t.subject, err = texttemplate.ParseFS(templates.FS, "email/"+name+".subject.tmpl"); err != nil {
		return t, fmt.Errorf("email: parse %s subject template: %w", name, err)
	}
	if t.text, err = texttemplate.ParseFS(templates.FS, "email/"+name+".txt.tmpl"); err != nil {
		return t, fmt.Errorf("email: parse %s text template: %w", name, err)
	}
	if t.html, err = htmltemplate.ParseFS(templates.FS, "email/"+name+".html.tmpl"); err != nil {
		return t, fmt.Errorf("email: parse %s HTML template: %w", name, err)
	}
	stepTemplates.m[name] = t
	return t, nil
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
		if f := strings.Fields(d.ContactName); len(f) > 0 && !strings.Contains(f[0], "@") {
			d.ContactFirstName = f[0]
		}
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

// RenderInviteContent renders subject, text and HTML of the invitation.
func RenderInviteContent(d InviteData) (InviteContent, error) {
	d, err := d.normalize()
	if err != nil {
		return InviteContent{}, err
	}
	return renderContent(d)
}

// RenderStepContent renders subject, text and HTML of the drip step template name
// (templates/email/<name>.*.tmpl) for d; "invite" is the invitation.
func RenderStepContent(name string, d InviteData) (InviteContent, error) {
	d, err := d.normalize()
	if err != nil {
		return InviteContent{}, err
	}
	return renderNamed(name, d)
}

func renderContent(d InviteData) (InviteContent, error) { return renderNamed("invite", d) }

func renderNamed(name string, d InviteData) (InviteContent, error) {
	t, err := loadTemplates(name)
	if err != nil {
		return InviteContent{}, err
	}
	var subject, text, html strings.Builder
	if err := t.subject.Execute(&subject, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s subject: %w", name, err)
	}
	if err := t.text.Execute(&text, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s text: %w", name, err)
	}
	if err := t.html.Execute(&html, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s HTML: %w", name, err)
	}
	c := InviteContent{Subject: oneLine(subject.String()), Text: text.String(), HTML: html.String()}
	if c.Subject == "" {
		return InviteContent{}, fmt.Errorf("email: %s subject template rendered an empty subject", name)
	}
	return c, nil
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
