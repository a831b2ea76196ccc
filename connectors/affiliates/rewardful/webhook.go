package rewardful

// Webhooks (developers.rewardful.com/webhooks/signed-webhooks, /webhooks/requests): every
// delivery carries X-Rewardful-Signature, the hex HMAC-SHA256 of the raw body keyed with the
// endpoint's Signing Secret. No timestamp is signed, so a captured delivery can be replayed:
// callers dedupe by event id. The body is {object, event{id, type, created_at, api_version},
// request{id}}; event.id stays the same across Rewardful's retries (up to 3 days).

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// SignatureHeader carries Rewardful's webhook signature.
const SignatureHeader = "X-Rewardful-Signature"

// VerifyWebhook implements affiliates.WebhookVerifier.
func (c *Client) VerifyWebhook(h http.Header, body []byte, secret string) (affiliates.WebhookEvent, error) {
	if err := affiliates.VerifyHexHMAC(h, SignatureHeader, body, secret); err != nil {
		return affiliates.WebhookEvent{}, fmt.Errorf("affiliates %s: %w", Name, err)
	}
	var p struct {
		Event struct {
			ID        string `json:"id"`
			Type      string `json:"type"`
			CreatedAt string `json:"created_at"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return affiliates.WebhookEvent{}, fmt.Errorf("affiliates %s: webhook body is not Rewardful's JSON {object, event, request}: %w", Name, err)
	}
	return affiliates.WebhookEvent{ID: affiliates.WebhookEventID(p.Event.ID, body), Type: p.Event.Type,
		At: affiliates.WebhookTime(p.Event.CreatedAt)}, nil
}
