package metrics

import "github.com/prometheus/client_golang/prometheus"

// Affiliate webhook outcomes (AffiliateWebhook's outcome label).
const (
	WebhookAccepted      = "accepted"       // a new event: recorded, the outcome sync nudged
	WebhookDuplicate     = "duplicate"      // an event seen before: answered 200, nothing done
	WebhookRejected      = "rejected"       // authentication failed (401)
	WebhookInvalid       = "invalid"        // authenticated, but not the platform's JSON (400)
	WebhookTooLarge      = "too_large"      // body over the limit (413)
	WebhookNotConfigured = "not_configured" // no platform or no webhook_secret (404)
	WebhookError         = "error"          // the store failed (500; the platform retries)
)

func (m *Metrics) registerWebhooks() {
	m.AffiliateWebhooks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "advocate_affiliate_webhooks_total",
		Help: "Affiliate-platform webhook deliveries at POST /webhooks/affiliates by outcome."}, []string{"platform", "outcome"})
	m.register(m.AffiliateWebhooks)
}

// AffiliateWebhook counts one webhook delivery; safe on a nil *Metrics.
func (m *Metrics) AffiliateWebhook(platform, outcome string) {
	if m != nil {
		m.AffiliateWebhooks.WithLabelValues(platform, outcome).Inc()
	}
}
