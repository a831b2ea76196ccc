package email

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sampleInvite() InviteData {
	return InviteData{
		From:           "Dana from Acme <dana@acme.io>",
		ProgramURL:     "https://acme.io/partners",
		ReferralURL:    "https://acme.io/r/priya-42",
		UnsubscribeURL: "https://advocate.acme.io/u/tok_abc?x=1",
		CustomerName:   "Northwind Traders",
		ContactName:    "Priya Shah",
		ContactEmail:   "priya@northwind.example",
		CSMName:        "Sam Rivera",
		CSMEmail:       "sam@acme.io",
		Highlights:     []string{"You have been with us since March 2022", "40 people on your team use us"},
		MessageID:      "outbox-42@advocate.acme.io",
		Date:           time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC),
	}
}

// parsed is an invitation as a receiving mail client sees it.
type parsed struct {
	header     netmail.Header
	text, html string
}

func parseEML(t *testing.T, d InviteData) parsed {
	t.Helper()
	m, err := RenderInvite(d)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteEML(&buf, m); err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(&buf)
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		raw, err := io.ReadAll(part) // NextPart decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		body := strings.ReplaceAll(string(raw), "\r\n", "\n") // MIME lines end in CRLF
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			p.text = body
		case "text/html":
			p.html = body
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("want text/plain and text/html parts, got text=%d html=%d bytes", len(p.text), len(p.html))
	}
	return p
}

func TestRenderInviteMIME(t *testing.T) {
	p := parseEML(t, sampleInvite())
	h := p.header

	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "dana@acme.io" || from[0].Name != "Dana from Acme" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "priya@northwind.example" || to[0].Name != "Priya Shah" {
		t.Errorf("To = %v (%v)", to, err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Priya, an invitation for Northwind Traders to our partner program" {
		t.Errorf("Subject = %q (%v)", subject, err)
	}
	if got := h.Get("Message-Id"); got != "<outbox-42@advocate.acme.io>" {
		t.Errorf("Message-ID = %q, want the stable id we passed", got)
	}
	if date, err := h.Date(); err != nil || !date.Equal(sampleInvite().Date) {
		t.Errorf("Date = %v (%v)", date, err)
	}
	if got := h.Get("List-Unsubscribe"); got != "<https://advocate.acme.io/u/tok_abc?x=1>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q, want RFC 8058 one-click", got)
	}

	for _, want := range []string{"Hi Priya,", "https://acme.io/partners", "https://acme.io/r/priya-42", "Sam Rivera (sam@acme.io)",
		"  - You have been with us since March 2022", "Dana from Acme", "Unsubscribe here (one click, no login):\nhttps://advocate.acme.io/u/tok_abc?x=1"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.text)
		}
	}
	for _, want := range []string{`href="https://acme.io/partners"`, `href="https://advocate.acme.io/u/tok_abc?x=1"`, "<li", "mailto:sam@acme.io"} {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}

func TestRenderInviteEscapesHTML(t *testing.T) {
	d := sampleInvite()
	d.CustomerName = "<script>&"
	d.Personal = "We loved <b>your</b> talk.\n\nSecond & last paragraph."
	p := parseEML(t, d)
	if strings.Contains(p.html, "<script>") || strings.Contains(p.html, "<b>your") {
		t.Errorf("customer text reached the HTML unescaped:\n%s", p.html)
	}
	for _, want := range []string{"&lt;script&gt;&amp;", "<p style=\"margin:0 0 16px;\">We loved &lt;b&gt;your&lt;/b&gt; talk.</p>", "Second &amp; last paragraph."} {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, p.html)
		}
	}
	// Plain text is shown as written; escaping it would print "&lt;" to the reader.
	if !strings.Contains(p.text, "<script>&") || !strings.Contains(p.text, "We loved <b>your</b> talk.\n\nSecond & last") {
		t.Errorf("text part altered customer text:\n%s", p.text)
	}
	if strings.Contains(p.text, "Thank you for building with us") {
		t.Errorf("the personal paragraph should replace the template text")
	}
}

func TestRenderInviteGolden(t *testing.T) {
	c, err := RenderInviteContent(sampleInvite())
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"invite.subject.txt": c.Subject + "\n", "invite.txt": c.Text, "invite.html": c.HTML} {
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from golden (go test -update rewrites it); got:\n%s", name, got)
		}
	}
}

func TestRenderInviteOptionalParts(t *testing.T) {
	d := sampleInvite()
	d.ContactName, d.ContactFirstName = "", ""
	d.ReferralURL, d.CSMName, d.Highlights = "", "", nil
	d.UnsubscribeURL = "http://localhost:8080/u/tok"
	p := parseEML(t, d)
	subject, _ := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if subject != "An invitation for Northwind Traders to our partner program" {
		t.Errorf("Subject without a name = %q", subject)
	}
	if !strings.HasPrefix(p.text, "Hi there,") {
		t.Errorf("greeting without a name: %q", p.text[:20])
	}
	if strings.Contains(p.text, "What we have enjoyed seeing") || strings.Contains(p.text, "referral link") {
		t.Errorf("empty sections rendered:\n%s", p.text)
	}
	if !strings.Contains(p.text, "If you have any questions, sam@acme.io,") {
		t.Errorf("CSM email alone not offered:\n%s", p.text)
	}
	if got := p.header.Get("List-Unsubscribe"); got != "<http://localhost:8080/u/tok>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := p.header.Get("List-Unsubscribe-Post"); got != "" {
		t.Errorf("one-click header on a non-HTTPS URL: %q", got)
	}

	d.UnsubscribeURL = ""
	p = parseEML(t, d)
	if p.header.Get("List-Unsubscribe") != "" || strings.Contains(p.text, "Unsubscribe") {
		t.Errorf("unsubscribe rendered without a URL")
	}
}

func TestRenderInviteValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*InviteData)
		want   string
	}{
		{"ErrFromRequired", func(d *InviteData) { d.From = "" }, "From is empty"},
		{"ErrFromInvalid", func(d *InviteData) { d.From = "Dana" }, "From \"Dana\" is not an email address"},
		{"ErrToRequired", func(d *InviteData) { d.ContactEmail = " " }, "no recipient"},
		{"ErrToInvalid", func(d *InviteData) { d.ContactEmail = "priya at northwind" }, "recipient"},
		{"ErrCustomerName", func(d *InviteData) { d.CustomerName = "" }, "CustomerName is empty"},
		{"ErrProgramURL", func(d *InviteData) { d.ProgramURL = "" }, "ProgramURL is empty"},
		{"ErrUnsubscribeScheme", func(d *InviteData) { d.UnsubscribeURL = "javascript:alert(1)" }, "UnsubscribeURL"},
		{"ErrMessageIDRequired", func(d *InviteData) { d.MessageID = "" }, "MessageID is empty"},
		{"ErrMessageIDShape", func(d *InviteData) { d.MessageID = "no-at-sign" }, "MessageID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sampleInvite()
			tt.change(&d)
			_, err := RenderInvite(d)
			if !errors.Is(err, ErrInvalidInvite) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInvalidInvite mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("OKBracketedMessageID", func(t *testing.T) {
		d := sampleInvite()
		d.MessageID = "<outbox-42@advocate.acme.io>"
		if got := parseEML(t, d).header.Get("Message-Id"); got != "<outbox-42@advocate.acme.io>" {
			t.Errorf("Message-ID = %q", got)
		}
	})
	t.Run("OKHeaderInjectionFolded", func(t *testing.T) {
		d := sampleInvite()
		d.CustomerName = "Evil\r\nBcc: victim@example.com"
		h := parseEML(t, d).header
		if h.Get("Bcc") != "" {
			t.Errorf("a line break in a customer name added a header")
		}
	})
}
