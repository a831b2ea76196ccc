package config

import (
	"strings"
	"testing"
)

// Sign in with Slack needs both OAuth credentials and a public URL to come back to; a half
// configuration is an error naming the key and line, not a login button that fails later.
func TestSlackLoginKeys(t *testing.T) {
	cases := []struct {
		name, yaml, wantErr string
	}{
		{"both", "server: {public_url: \"https://adv.acme.io\"}\nslack:\n  client_id: \"1.2\"\n  client_secret: s3cret\n", ""},
		{"neither", "slack: {api_url: \"https://slack.com/api/\"}\n", ""},
		{"id only", "server: {public_url: \"https://adv.acme.io\"}\nslack:\n  client_id: \"1.2\"\n", "advocate.yaml:3: slack.client_id: needs slack.client_secret too"},
		{"secret only", "slack:\n  client_secret: s3cret\n", "advocate.yaml:2: slack.client_secret: needs slack.client_id too"},
		{"no public url", "slack:\n  client_id: \"1.2\"\n  client_secret: s3cret\n", "advocate.yaml:2: slack.client_id: Sign in with Slack needs server.public_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("advocate.yaml", []byte(c.yaml), nil)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(cfg.Redacted().Slack.ClientSecret, "s3cret") {
					t.Error("Redacted shows the client secret")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}
