package affiliates

// Signed webhooks (issue 12): a platform whose webhook authentication Advocate can check
// implements WebhookVerifier. The verifier only authenticates a delivery and names the event;
// what a webhook makes happen (the outcome sync runs soon) is decided in internal/, because the
// periodic sync, not the webhook body, is the source of truth.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// WebhookEvent is what an authenticated webhook delivery announces.
type WebhookEvent struct {
	// ID identifies the event across the platform's retries: the platform's event id, or
	// "sha256:<hex of the raw body>" when the body carries none.
	ID   string
	Type string    // the platform's event name, e.g. commission.created; "" when not given
	At   time.Time // when the platform says the event happened; zero when not given
}

// WebhookVerifier is implemented by platforms whose webhook authentication is documented well
// enough to check. Platforms without it cannot receive webhooks: an unauthenticated webhook
// would let anyone make Advocate call the platform's API.
type WebhookVerifier interface {
	// VerifyWebhook authenticates one delivery from its headers and the raw body exactly as
	// received, then reads the event from the body. An authentication failure wraps
	// ErrWebhookAuth; an authenticated body that is not the platform's JSON is another error.
	VerifyWebhook(h http.Header, body []byte, secret string) (WebhookEvent, error)
}

// ErrWebhookAuth marks a delivery that failed authentication (missing header, malformed or
// wrong signature). Its messages never contain the secret.
var ErrWebhookAuth = errors.New("webhook authentication failed")

// VerifyHexHMAC checks that header holds the hex HMAC-SHA256 of body keyed with secret (the
// scheme of Rewardful and Dub), comparing the raw digests in constant time.
func VerifyHexHMAC(h http.Header, header string, body []byte, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrWebhookAuth)
	}
	got := strings.TrimSpace(h.Get(header))
	if got == "" {
		return fmt.Errorf("%w: missing %s header", ErrWebhookAuth, header)
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("%w: %s header is not hex", ErrWebhookAuth, header)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("%w: %s does not match the body signed with the webhook secret", ErrWebhookAuth, header)
	}
	return nil
}

// VerifySharedSecret checks that header carries secret itself, for platforms that can only be
// told to send a custom header. Both sides are hashed first so the comparison takes the same
// time whatever the lengths.
func VerifySharedSecret(h http.Header, header, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrWebhookAuth)
	}
	got := h.Get(header)
	if got == "" {
		return fmt.Errorf("%w: missing %s header", ErrWebhookAuth, header)
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if !hmac.Equal(a[:], b[:]) {
		return fmt.Errorf("%w: %s does not match the webhook secret", ErrWebhookAuth, header)
	}
	return nil
}

// WebhookEventID is id, or a digest of the raw body when the platform sent no id: a retry
// resends the same bytes, so it dedupes the same way.
func WebhookEventID(id string, body []byte) string {
	if id = strings.TrimSpace(id); id != "" {
		return id
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// WebhookTime reads an RFC 3339 event time; a missing or unreadable one is zero (the event
// time is informational, never a reason to refuse a delivery the platform signed).
func WebhookTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
