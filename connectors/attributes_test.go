package connectors

import (
	"reflect"
	"testing"
)

// checkStrings runs a string normaliser over {input, want} cases.
func checkStrings(t *testing.T, name string, f func(string) string, cases []struct{ in, want string }) {
	t.Helper()
	for _, tc := range cases {
		if got := f(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", name, tc.in, got, tc.want)
		}
	}
}

func TestChannel(t *testing.T) {
	checkStrings(t, "Channel", Channel, []struct{ in, want string }{
		// HubSpot hs_analytics_source internal values and labels
		{"ORGANIC_SEARCH", "organic_search"},
		{"PAID_SEARCH", "paid_search"},
		{"SOCIAL_MEDIA", "organic_social"},
		{"Organic social", "organic_social"},
		{"PAID_SOCIAL", "paid_social"},
		{"REFERRALS", "referral"},
		{"DIRECT_TRAFFIC", "direct"},
		{"Direct traffic", "direct"},
		{"EMAIL_MARKETING", "email"},
		{"OFFLINE", "offline"},
		{"Offline sources", "offline"},
		{"OTHER_CAMPAIGNS", "campaign"},
		// Salesforce AccountSource default picklist and documented examples
		{"Web", "web"},
		{"Phone Inquiry", "phone"},
		{"Partner Referral", "partner"},
		{"Purchased List", "outbound"},
		{"Other", "other"},
		{"Trade Show", "event"},
		{"Advertisement", "advertisement"},
		// plain spellings
		{" referral ", "referral"},
		{"Word of mouth", "referral"},
		// unknown values are snake_cased, not dropped
		{"Podcast Ads", "podcast_ads"},
		{"G2 / Capterra", "g2_capterra"},
		{"PAID-SOCIAL", "paid_social"},
		{"", ""},
		{"  --  ", ""},
	})
}

func TestDay(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"1700000000000", "2023-11-14", true}, // HubSpot epoch ms
		{"1700000000", "2023-11-14", true},    // Stripe / Intercom epoch s
		{"1394531169", "2014-03-11", true},    // Intercom's documented example
		{"2024-03-05T23:30:00Z", "2024-03-05", true},
		{"2024-03-05T23:30:00-02:00", "2024-03-06", true},    // UTC day, not the writer's
		{"2024-03-05T10:00:00.000+0000", "2024-03-05", true}, // Salesforce dateTime
		{"2024-03-05T10:00:00.123Z", "2024-03-05", true},     // HubSpot v3
		{"2024-03-05", "2024-03-05", true},                   // Salesforce Date
		{" 2024-03-05 ", "2024-03-05", true},
		{"", "", false},
		{"0", "", false}, // an unset epoch field, never 1970-01-01
		{"-5", "", false},
		{"yesterday", "", false},
		{"05/03/2024", "", false}, // ambiguous between locales: not guessed
	} {
		got, ok := Day(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Day(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if d, ok := UnixDay(0); ok || d != "" {
		t.Errorf("UnixDay(0) = %q, %v; want unset", d, ok)
	}
	if d, _ := UnixDay(1700000000); d != "2023-11-14" {
		t.Errorf("UnixDay = %q", d)
	}
}

func TestPlan(t *testing.T) {
	checkStrings(t, "Plan", Plan, []struct{ in, want string }{
		{"  Pro  ", "Pro"},
		{"Enterprise\t 2024", "Enterprise 2024"},
		{"", ""},
	})
}

func TestSetAttributes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         map[string]string
		want       map[string]string
		unreadable []string
	}{
		{"normalised", map[string]string{"customer_since": "1700000000000", "acquisition_channel": "REFERRALS",
			"plan": " Pro ", "industry": "COMPUTER_SOFTWARE", "account_type": "Customer - Direct"},
			map[string]string{"customer_since": "2023-11-14", "acquisition_channel": "referral", "plan": "Pro",
				"industry": "COMPUTER_SOFTWARE", "account_type": "Customer - Direct"}, nil},
		{"blanks left out", map[string]string{"customer_since": "", "plan": "  "}, nil, nil},
		{"unreadable date reported", map[string]string{"customer_since": "soon", "plan": "Pro"},
			map[string]string{"plan": "Pro"}, []string{"customer_since"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Customer
			un := c.SetAttributes(tc.in)
			if !reflect.DeepEqual(c.Attributes, tc.want) || !reflect.DeepEqual(un, tc.unreadable) {
				t.Errorf("got %v (unreadable %v), want %v (%v)", c.Attributes, un, tc.want, tc.unreadable)
			}
		})
	}
}
