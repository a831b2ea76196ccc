package affiliates_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/dub/dubfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/firstpromoter/firstpromoterfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/partnerstack/partnerstackfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/rewardful/rewardfulfake"
)

// TestVerify checks each platform's credential check against its fake, which refuses any
// credential but its own with a 401 as the platform does: the right keys pass, a wrong key
// fails naming the platform and the setting, without showing the key.
func TestVerify(t *testing.T) {
	const wrong = "wrong-key-0123456789"
	tests := []struct {
		platform string
		fake     http.Handler
		settings affiliates.Settings
		want     string
	}{
		{"rewardful", rewardfulfake.New(), rewardfulfake.Settings(), "Rewardful rejected the api_key (401"},
		{"partnerstack", partnerstackfake.New(), partnerstackfake.Settings(), "PartnerStack rejected the public_key and api_key (401"},
		{"firstpromoter", firstpromoterfake.New(), firstpromoterfake.Settings(), "FirstPromoter rejected the api_key and account_id (401"},
		{"dub", dubfake.New(), dubfake.Settings(), "Dub rejected the api_key (401"},
	}
	for _, tc := range tests {
		t.Run(tc.platform, func(t *testing.T) {
			srv := httptest.NewServer(tc.fake)
			defer srv.Close()
			verify := func(s affiliates.Settings) error {
				s.Platform, s.BaseURL = tc.platform, srv.URL
				p, err := affiliates.New(s)
				if err != nil {
					t.Fatal(err)
				}
				return p.(interface{ Verify(context.Context) error }).Verify(context.Background())
			}
			if err := verify(tc.settings); err != nil {
				t.Fatalf("right keys: %v", err)
			}
			s := tc.settings
			s.APIKey = wrong
			err := verify(s)
			var ce *connectors.CredentialError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("wrong key: %v, want %q…", err, tc.want)
			}
			if strings.Contains(err.Error(), wrong) {
				t.Errorf("error shows the key: %q", err)
			}
		})
	}
}
