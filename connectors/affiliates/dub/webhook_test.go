package dub

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// Dub's signature is the hex HMAC-SHA256 of the raw body; testdata/*.sig was computed with
// `openssl dgst -sha256 -hmac whsec_test_8f3a` over the fixture.
func TestVerifyWebhook(t *testing.T) {
	sig := strings.TrimSpace(affiliatestest.ReadFixture(t, "testdata/webhook_commission_created.sig"))
	affiliatestest.CheckWebhooks(t, affiliatestest.WebhookHarness{
		Verifier:     &Client{},
		Secret:       "whsec_test_8f3a",
		Fixture:      affiliatestest.ReadFixture(t, "testdata/webhook_commission_created.json"),
		Delivered:    http.Header{"Dub-Signature": {sig}},
		Authenticate: affiliatestest.HexHMAC(SignatureHeader),
		Header:       SignatureHeader,
		BindsBody:    true,
		Want: affiliates.WebhookEvent{ID: "evt_KpD5nF1nD7s1tIfw0kKq9mXb", Type: "commission.created",
			At: time.Date(2026, 1, 30, 14, 5, 11, 940e6, time.UTC)},
	})
}
