package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func TestDecodeAcceptsAValidPayload(t *testing.T) {
	page, err := Decode(strings.NewReader(`{
		"customers": [{"domain": "https://www.Acme.io", "external_id": "42", "name": "Acme", "owner": "maya@vendor.io", "attributes": {"plan": "growth"}}],
		"contacts":  [{"customer": {"external_id": "42"}, "email": "jo@acme.io", "name": "Jo", "role": "VP CS", "champion": true}],
		"signals":   [{"customer": {"domain": "acme.io"}, "name": "nps", "value": 0, "observed_at": "2026-11-15T10:00:00+01:00"}]
	}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if page.Customers[0].Domain != "acme.io" || page.Contacts[0].Customer.ExternalID != "42" {
		t.Errorf("page = %+v", page)
	}
	s := page.Signals[0]
	if s.Value != 0 || !s.ObservedAt.Equal(time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("signal = %+v (a zero value must be kept, times normalised to UTC)", s)
	}
}

func TestDecodeRejectsWholePayloadListingEveryProblem(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"malformed JSON", `{"signals": [`, []string{"truncated JSON"}},
		{"unknown field", `{"signal": []}`, []string{`unknown field "signal"`}},
		{"wrong type", `{"signals": [{"customer": {"domain": "a.io"}, "name": "nps", "value": "ten", "observed_at": "2026-11-15T10:00:00Z"}]}`,
			[]string{"signals.value: expected float64, got string"}},
		{"empty", `{}`, []string{"no customers, contacts or signals"}},
		{"every field checked", `{
			"customers": [{"domain": "localhost", "owner": "not-an-email", "attributes": {"Plan Tier": "x"}}],
			"contacts": [{"customer": {}, "email": "Jo <jo@acme.io>"}],
			"signals": [
				{"customer": {"domain": "acme.io"}, "name": "NPS Score", "value": 9, "observed_at": "2026-11-15T10:00:00Z"},
				{"customer": {"domain": "acme.io"}, "name": "nps", "observed_at": "yesterday"},
				{"customer": {"domain": "acme.io"}, "name": "nps", "value": 9, "observed_at": "2027-01-01T00:00:00Z"}
			]}`,
			[]string{
				`customers[0].domain: "localhost" is not a web domain`,
				`customers[0].owner: "not-an-email" is not an email address`,
				`customers[0].attributes: key "Plan Tier" must be lower_snake_case`,
				`contacts[0].customer: needs a domain or an external_id`,
				`contacts[0].email: "Jo <jo@acme.io>" is not an email address`,
				`signals[0].name: "NPS Score" must be lower_snake_case`,
				`signals[1].value: required`,
				`signals[1].observed_at: "yesterday" is not an RFC 3339 time`,
				`signals[2].observed_at: 2027-01-01T00:00:00Z is more than a day in the future`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := Decode(strings.NewReader(tc.body), now)
			var inv *Invalid
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want *Invalid", err)
			}
			if page.Records() != 0 {
				t.Error("a rejected payload still produced records")
			}
			got := strings.Join(inv.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems lack %q; got:\n%s", w, got)
				}
			}
		})
	}
}

func TestDecodeLimitsRecords(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"signals":[`)
	for i := range MaxRecords + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"customer":{"domain":"a.io"},"name":"nps","value":9,"observed_at":"2026-11-15T10:00:00Z"}`)
	}
	b.WriteString(`]}`)
	_, err := Decode(strings.NewReader(b.String()), now)
	if err == nil || !strings.Contains(err.Error(), "at most 10000 per request") {
		t.Errorf("err = %v", err)
	}
}
