package email

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestStepTemplates renders every drip step template: a subject, both parts, the unsubscribe
// link, the customer's facts, and HTML escaping of names that came from a CRM.
func TestStepTemplates(t *testing.T) {
	for _, name := range []string{"invite", "first_step", "case_study", "assets", "check_in"} {
		t.Run(name, func(t *testing.T) {
			d := sampleInvite()
			d.CustomerName = `Northwind <Traders> & Co`
			c, err := RenderStepContent(name, d)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject == "" || strings.Contains(c.Subject, "\n") {
				t.Errorf("subject = %q", c.Subject)
			}
			for part, body := range map[string]string{"text": c.Text, "html": c.HTML} {
				if !strings.Contains(body, "https://advocate.acme.io/u/tok_abc") {
					t.Errorf("%s part has no unsubscribe link", part)
				}
				if !strings.Contains(body, "https://acme.io/partners") {
					t.Errorf("%s part has no program link", part)
				}
				if !strings.Contains(body, "Priya") {
					t.Errorf("%s part does not greet the contact", part)
				}
			}
			if strings.Contains(c.HTML, "<Traders>") || !strings.Contains(c.HTML, "Northwind &lt;Traders&gt; &amp; Co") {
				t.Errorf("HTML does not escape the customer name")
			}
		})
	}
	if _, err := RenderStepContent("../secrets", sampleInvite()); err == nil {
		t.Error("a template name with a path was accepted")
	}
}

func TestNameFromAddress(t *testing.T) {
	for addr, want := range map[string]string{"sam.rivera@acme.io": "Sam Rivera", "maya_lopez@x.io": "Maya Lopez", "jo@x.io": "Jo", "a-b.c@x": "A B C"} {
		if got := NameFromAddress(addr); got != want {
			t.Errorf("NameFromAddress(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestLoadTemplatesOverrides: a folder's files replace the embedded ones file by file; the
// rest stay embedded.
func TestLoadTemplatesOverrides(t *testing.T) {
	tm, err := LoadTemplates(filepath.Join("testdata", "overrides", "ok"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := tm.Render("invite", sampleInvite())
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "Priya, join the Northwind Traders crowd in our partner program" {
		t.Errorf("overridden subject = %q", c.Subject)
	}
	if !strings.Contains(c.Text, "Thank you for building with us at Northwind Traders") {
		t.Errorf("the invite's text part should stay embedded:\n%s", c.Text)
	}
	c, err = tm.Render("check_in", sampleInvite())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "Checking in from marketing") || !strings.Contains(c.HTML, "<!DOCTYPE html>") {
		t.Errorf("check_in: text overridden, HTML embedded; got text:\n%s", c.Text)
	}
}

func TestLoadTemplatesErrors(t *testing.T) {
	dir := filepath.Join("testdata", "overrides")
	tests := []struct {
		name string
		want []string
	}{
		{"parse_error", []string{filepath.Join(dir, "parse_error", "invite.txt.tmpl") + ":8: unexpected EOF"}},
		{"unknown_file", []string{filepath.Join(dir, "unknown_file", "invitation.txt.tmpl") + ": not an email template name", "invite.txt.tmpl", "check_in.html.tmpl"}},
		{"bad_field", []string{filepath.Join(dir, "bad_field", "first_step.html.tmpl") + ":4: ", "ActiveUsers"}},
		{"internal_word", []string{filepath.Join(dir, "internal_word", "case_study.txt.tmpl") + ":5: ", `"health"`, "not customers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTemplates(filepath.Join(dir, tt.name))
			var tes TemplateErrors
			if !errors.As(err, &tes) {
				t.Fatalf("err = %v, want TemplateErrors", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	if _, err := LoadTemplates(filepath.Join(dir, "no-such-folder")); err == nil || !strings.Contains(err.Error(), "cannot read the templates folder") {
		t.Errorf("missing folder: err = %v", err)
	}
}

func TestWritePreviewPage(t *testing.T) {
	c, err := RenderStepContent("invite", sampleInvite())
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := WritePreviewPage(&buf, PageHeader{From: "Dana from Acme <dana@acme.io>", To: "priya@northwind.example", Subject: c.Subject}, c); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"<!DOCTYPE html>", "Dana from Acme &lt;dana@acme.io&gt;", "priya@northwind.example",
		"<dd>" + c.Subject + "</dd>", `srcdoc="&lt;!DOCTYPE html&gt;`, "<pre>Hi Priya,"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
