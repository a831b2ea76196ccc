package dub

// Webhooks (dub.co/docs/concepts/webhooks/verify-webhook-requests, /event-types): every
// delivery carries Dub-Signature, the hex HMAC-SHA256 of the raw body keyed with the webhook's
// signing secret; no timestamp is signed. The body is {id: "evt_…", event, createdAt, data}.
// Webhooks need Dub's Business plan or higher.

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// SignatureHeader carries Dub's webhook signature.
const SignatureHeader = "Dub-Signature"

// VerifyWebhook implements affiliates.WebhookVerifier.
func (c *Client) VerifyWebhook(h http.Header, body []byte, secret string) (affiliates.WebhookEvent, error) {
	if err := affiliates.VerifyHexHMAC(h, SignatureHeader, body, secret); err != nil {
		return affiliates.WebhookEvent{}, fmt.Errorf("affiliates %s: %w", Name, err)
	}
	var p struct {
		ID        string `json:"id"`
		Event     string `json:"event"`
		CreatedAt string `json:"createdAt"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return affiliates.WebhookEvent{}, fmt.Errorf("affiliates %s: webhook body is not Dub's JSON {id, event, createdAt, data}: %w", Name, err)
	}
	return affiliates.WebhookEvent{ID: affiliates.WebhookEventID(p.ID, body), Type: p.Event,
		At: affiliates.WebhookTime(p.CreatedAt)}, nil
}
