package firstpromoter

import (
	"net/http"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
)

// FirstPromoter webhooks are authenticated by the custom header the subscription sends; it
// does not cover the body, so a changed body is not a case here.
func TestVerifyWebhook(t *testing.T) {
	const secret = "fp-shared-3c9d"
	affiliatestest.CheckWebhooks(t, affiliatestest.WebhookHarness{
		Verifier:  &Client{},
		Secret:    secret,
		Fixture:   affiliatestest.ReadFixture(t, "testdata/webhook_referral_created.json"),
		Delivered: http.Header{"X-Advocate-Webhook-Secret": {secret}},
		Authenticate: func(h http.Header, _ []byte, secret string) {
			h.Set(SecretHeader, secret)
		},
		Header: SecretHeader,
		Want: affiliates.WebhookEvent{ID: "a1b2c3d4-e5f6-7890-abcd-ef1234567890", Type: "referral.created",
			At: time.Date(2026, 1, 30, 14, 5, 11, 103e6, time.UTC)},
	})
}
