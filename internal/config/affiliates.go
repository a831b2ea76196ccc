package config

import (
	"net/url"
	"strings"

	"github.com/robfig/cron/v3"
)

// AffiliatePlatforms are the platforms `affiliates.platform` may name (connectors/affiliates).
var AffiliatePlatforms = []string{"rewardful", "partnerstack", "firstpromoter", "dub"}

// DefaultAffiliateSchedule is how often affiliate outcomes are synced.
const DefaultAffiliateSchedule = "@every 1h"

// Affiliates configures the affiliate platform approved customers are made affiliates on
// (DESIGN.md, Contract: `affiliates:`). The section is optional: without it (Platform "")
// no affiliate is created and emails carry the program URL only.
type Affiliates struct {
	// Platform is rewardful, partnerstack, firstpromoter or dub; "" = no platform.
	Platform string `yaml:"platform"`
	// BaseURL is the API's scheme and host only (the client adds /v1/…, /api/v2/…).
	// Default "": the platform's own host.
	BaseURL string `yaml:"base_url"`
	// APIKey is the Rewardful API secret, PartnerStack secret key, FirstPromoter API key or
	// Dub dub_ key. A secret: never printed (Redacted) nor marshalled.
	APIKey string `yaml:"api_key" json:"-"`
	// PublicKey is PartnerStack's public key (PartnerStack only; required there).
	PublicKey string `yaml:"public_key"`
	// AccountID is FirstPromoter's ACCOUNT-ID (FirstPromoter only; required there).
	AccountID string `yaml:"account_id"`
	// Campaign is the Rewardful campaign_id, PartnerStack group_key, FirstPromoter campaign id
	// or Dub groupId new affiliates join; optional.
	Campaign string `yaml:"campaign"`
	// Schedule is when outcomes are synced (cron spec). Default DefaultAffiliateSchedule.
	Schedule string `yaml:"schedule"`
	// WebhookSecret verifies webhooks at POST /webhooks/affiliates; optional. A secret. It is
	// the Rewardful or Dub webhook signing secret, or for FirstPromoter the value of the custom
	// header the subscription sends (internal/affiliates/webhook); PartnerStack's webhooks
	// cannot be verified, and serve refuses to start with it set there.
	WebhookSecret string `yaml:"webhook_secret" json:"-"`
}

// Configured says whether an affiliate platform is configured.
func (a Affiliates) Configured() bool { return a.Platform != "" }

// redacted hides the section's secrets.
func (a Affiliates) redacted() Affiliates {
	for _, s := range []*string{&a.APIKey, &a.WebhookSecret} {
		if *s != "" {
			*s = Redaction
		}
	}
	return a
}

func (p *parser) validateAffiliates(c *Config) {
	a := &c.Affiliates
	if !a.Configured() {
		if p.hasKeyUnder("affiliates.") {
			p.report("affiliates.platform", "affiliates.platform: required when the affiliates section is set (one of rewardful, partnerstack, firstpromoter, dub)")
		}
		return
	}
	p.checkOneOf("affiliates.platform", a.Platform, AffiliatePlatforms)
	p.checkURL("affiliates.base_url", a.BaseURL)
	if u, err := url.Parse(a.BaseURL); err == nil && strings.Trim(u.Path, "/") != "" {
		p.report("affiliates.base_url", "affiliates.base_url: scheme and host only (the client adds the API's path), got %s", p.show("affiliates.base_url", a.BaseURL))
	}
	if a.APIKey == "" {
		p.report("affiliates.api_key", "affiliates.api_key: required for platform %s", a.Platform)
	}
	if a.Platform == "partnerstack" && a.PublicKey == "" {
		p.report("affiliates.public_key", "affiliates.public_key: PartnerStack needs its public key")
	}
	if a.Platform == "firstpromoter" && a.AccountID == "" {
		p.report("affiliates.account_id", "affiliates.account_id: FirstPromoter needs its ACCOUNT-ID")
	}
	if a.Platform == "partnerstack" && a.WebhookSecret != "" {
		// PartnerStack documents no way to sign or authenticate its webhooks, so a secret would
		// promise a check Advocate cannot make (internal/affiliates/webhook).
		p.report("affiliates.webhook_secret", "affiliates.webhook_secret: PartnerStack's webhooks carry no signature Advocate can verify; remove it (the scheduled outcome sync keeps PartnerStack's outcomes current)")
	}
	if a.Schedule == "" {
		a.Schedule = DefaultAffiliateSchedule
	}
	if _, err := cron.ParseStandard(a.Schedule); err != nil {
		p.report("affiliates.schedule", "affiliates.schedule: bad cron spec %s: %v", p.show("affiliates.schedule", a.Schedule), err)
	}
}

// hasKeyUnder says whether the file sets any key whose path starts with prefix.
func (p *parser) hasKeyUnder(prefix string) bool {
	for path := range p.lines {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
