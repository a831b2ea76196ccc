package email

import (
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
