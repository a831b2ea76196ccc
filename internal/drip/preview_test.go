package drip_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/outbox/smtptest"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestTemplatesDirOverrides: files in email.templates_dir replace the embedded ones file by
// file, in previews and in the emails the drip plans; the rest stay embedded.
func TestTemplatesDirOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &clock{t: monday}
		s.Now = clk.Now
		seed(t, s, connectors.Page{
			Customers: []connectors.Customer{{Ref: ref("cedarwave.io"), Name: "Cedarwave Inc.", Owner: "sam@vendor.io",
				Attributes: map[string]string{"customer_since": "2022-03-14"}}},
			Contacts: []connectors.Contact{{Customer: ref("cedarwave.io"), Email: "jo@cedarwave.io", Name: "Jo Park", Champion: true}},
		})
		cfg := testConfig(t, smtptest.Start(t), "")
		cfg.Email.TemplatesDir = filepath.Join("testdata", "templates")
		d, err := drip.FromConfig(ctx, cfg, s, drip.Runtime{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		pv, err := d.Preview(ctx, "cedarwave.io", "invite")
		if err != nil {
			t.Fatal(err)
		}
		if pv.Subject != "Cedarwave Inc. + us: you're invited" {
			t.Errorf("invite subject = %q, want the override's", pv.Subject)
		}
		for _, want := range []string{"Thank you for building with us at Cedarwave Inc. Teams", "You have been with us since March 2022", "Best,\nSam\nYour customer success manager"} {
			if !strings.Contains(pv.Text, want) {
				t.Errorf("invite text (embedded) lacks %q:\n%s", want, pv.Text)
			}
		}
		if pv.From != `"Sam" <sam@vendor.io>` {
			t.Errorf("invite From = %q, want the CSM (step from: csm)", pv.From)
		}

		fs, err := d.Preview(ctx, "cedarwave.io", "first_step")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(fs.Text, "Marketing's own first step for Cedarwave Inc.: share") || !strings.Contains(fs.HTML, "Get my referral link") {
			t.Errorf("first_step: text from the override, HTML embedded; got text:\n%s", fs.Text)
		}
		if !strings.Contains(fs.Text, "Best,\nDana from Vendor") || fs.From != "Dana from Vendor <dana@vendor.io>" {
			t.Errorf("first_step is from marketing (%s), so it signs as marketing:\n%s", fs.From, fs.Text)
		}

		// The emails the drip plans use the overrides too.
		enroll(t, s, "cedarwave.io", "jo@cedarwave.io")
		if _, err := d.Plan(ctx, false); err != nil {
			t.Fatal(err)
		}
		rows, err := s.OutboxEmails(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Subject != "Cedarwave Inc. + us: you're invited" {
			t.Errorf("planned %+v, want the invitation with the override's subject", rows)
		}
	})
}

// TestPreviewWriteHTML: `drip preview --html FILE` is a page a browser opens: From, To and
// Subject above the email's HTML part, and the text part.
func TestPreviewWriteHTML(t *testing.T) {
	p := drip.Preview{Customer: "Acme (acme.io)", To: "jo@acme.io", Sequence: "default", Step: "invite", From: "Dana <dana@vendor.io>",
		Subject: "Jo, an invitation", Text: "Hi Jo,\n", HTML: "<!DOCTYPE html><p>Hi Jo,</p>"}
	var b strings.Builder
	if err := p.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>Preview: Jo, an invitation</title>", "Dana &lt;dana@vendor.io&gt;", "<dd>jo@acme.io</dd>",
		"step invite (day 0)", `srcdoc="&lt;!DOCTYPE html&gt;&lt;p&gt;Hi Jo,&lt;/p&gt;"`, "<pre>Hi Jo,\n</pre>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q:\n%s", want, b.String())
		}
	}
}
