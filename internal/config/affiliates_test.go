package config

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAffiliatesSection(t *testing.T) {
	c, err := Parse("advocate.yaml", []byte(`affiliates:
  platform: dub
  base_url: "https://api.dub.test"
  api_key: "${DUB_KEY}"
  campaign: grp_1
  webhook_secret: whsec
`), envOf(map[string]string{"DUB_KEY": "dub_secret"}))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Affiliates
	if !a.Configured() || a.Platform != "dub" || a.APIKey != "dub_secret" || a.Campaign != "grp_1" || a.Schedule != DefaultAffiliateSchedule {
		t.Errorf("parsed %+v", a)
	}
	r := c.Redacted().Affiliates
	if r.APIKey != Redaction || r.WebhookSecret != Redaction || c.Affiliates.APIKey != "dub_secret" {
		t.Errorf("redacted %+v, original %+v", r, c.Affiliates)
	}
	b, _ := json.Marshal(c.Affiliates)
	if strings.Contains(string(b), "dub_secret") || strings.Contains(string(b), "whsec") {
		t.Errorf("secrets marshalled: %s", b)
	}
	if d, err := Parse("advocate.yaml", []byte("shortlist:\n  size: 10\n"), nil); err != nil || d.Affiliates.Configured() {
		t.Errorf("no section: configured=%v err=%v", d.Affiliates.Configured(), err)
	}
}

func TestAffiliatesErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"affiliates:\n  platform: tapfiliate\n  api_key: k\n", `advocate.yaml:2: affiliates.platform: must be one of rewardful, partnerstack, firstpromoter, dub, got "tapfiliate"`},
		{"affiliates:\n  platform: dub\n  api_key: k\n  base_url: api.dub.co\n", `advocate.yaml:4: affiliates.base_url: must be an absolute http(s) URL, got "api.dub.co"`},
		{"affiliates:\n  platform: dub\n  api_key: k\n  base_url: https://api.dub.co/v1\n", `advocate.yaml:4: affiliates.base_url: scheme and host only (the client adds the API's path), got "https://api.dub.co/v1"`},
		{"affiliates:\n  platform: rewardful\n", `advocate.yaml:2: affiliates.api_key: required for platform rewardful`},
		{"affiliates:\n  platform: partnerstack\n  api_key: k\n", `advocate.yaml:2: affiliates.public_key: PartnerStack needs its public key`},
		{"affiliates:\n  platform: firstpromoter\n  api_key: k\n", `advocate.yaml:2: affiliates.account_id: FirstPromoter needs its ACCOUNT-ID`},
		{"affiliates:\n  api_key: k\n", `advocate.yaml:2: affiliates.platform: required when the affiliates section is set (one of rewardful, partnerstack, firstpromoter, dub)`},
		{"affiliates:\n  platform: partnerstack\n  api_key: k\n  public_key: p\n  webhook_secret: s\n", `advocate.yaml:5: affiliates.webhook_secret: PartnerStack's webhooks carry no signature Advocate can verify`},
		{"affiliates:\n  platform: dub\n  api_key: k\n  schedule: hourly\n", `advocate.yaml:4: affiliates.schedule: bad cron spec "hourly"`},
	}
	for _, tt := range tests {
		_, err := Parse("advocate.yaml", []byte(tt.data), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q):\n got %v\nwant %s", tt.data, err, tt.want)
		}
	}
}

func TestStarterShowsAffiliates(t *testing.T) {
	text := string(Starter())
	for _, key := range []string{"# affiliates:", "platform:", "public_key:", "account_id:", "webhook_secret:"} {
		if !strings.Contains(text, key) {
			t.Errorf("starter does not show %s", key)
		}
	}
}
