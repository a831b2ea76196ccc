package review

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/shortlist"
)

// TestInvitePreviewIsCustomerSafe: the Slack preview shows what the customer will get, so the
// scoring reasons the CSM reads next to it are not in it; the customer-safe highlights are.
func TestInvitePreviewIsCustomerSafe(t *testing.T) {
	preview := InvitePreview("Dana from Acme <dana@acme.io>", "https://acme.io/partners", func() time.Time { return t0 })
	e := shortlist.Entry{
		Customer: advocate.Customer{ID: "c1", Name: "Cedarwave Inc.", Domain: "cedarwave.io", Owner: "sam@acme.io",
			Attributes: map[string]string{"customer_since": "2021-05-03", "plan": "scale"}},
		Contact: advocate.Contact{Email: "jo@cedarwave.io", Name: "Jo Park"},
		Reasons: []string{"health score 97 (top 2%)", "NPS 10 (promoter)", "only 1 support ticket in 90 days"},
	}
	c, err := preview(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{c.Subject, c.Text, c.HTML} {
		if term := email.InternalTerm(part); term != "" {
			t.Errorf("the preview says %q", term)
		}
	}
	if !strings.Contains(c.Text, "You have been with us since May 2021") || strings.Contains(c.Text, "Inc..") {
		t.Errorf("preview text:\n%s", c.Text)
	}
}
