package salesforce_test

import (
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/salesforce"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/providestest"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// The attributes reach the store on the right customers: the account's own record carries
// the channel and industry, the upsells phase's id-only record the customer_since.
func TestAccountAttributesArriveNormalised(t *testing.T) {
	st := storetest.SQLite(t)
	srv := connectortest.NewServer(t, newFakeOrg())
	if r := connectortest.Sync(t, st, connectortest.Point(settings(), srv, &connectortest.Waits{})); r.Failed() {
		t.Fatalf("sync: %s", r.Error)
	}
	for _, tc := range []struct{ customer, attr, want string }{
		{"acme.io", "customer_since", "2025-10-01"}, // the earliest of three won opportunities
		{"globex.com", "customer_since", "2026-06-01"},
		{"umbrella.co.uk", "customer_since", "2026-11-16"},
		{"hooli.xyz", "customer_since", "2025-11-16"},
		{"stark.com", "customer_since", ""}, // no won opportunity
		{"acme.io", "acquisition_channel", "web"},
		{"globex.com", "acquisition_channel", "partner"},
		{"umbrella.co.uk", "acquisition_channel", "event"},
		{"stark.com", "acquisition_channel", "podcast_sponsorship"}, // admin-added value: snake_cased
		{"hooli.xyz", "acquisition_channel", ""},
		{"acme.io", "industry", "Technology"},
		{"acme.io", "account_type", "Customer - Direct"},
		{"acme.io", "name", "Acme Corp"}, // the id-only record does not blank the name
	} {
		c := connectortest.Find(t, st, tc.customer)
		got := c.Attributes[tc.attr]
		if tc.attr == "name" {
			got = c.Name
		}
		if got != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.customer, tc.attr, got, tc.want)
		}
	}
}

func TestAttributeFieldsCanBeOverridden(t *testing.T) {
	s := settings()
	s.Options[salesforce.OptSinceField] = "Customer_Since__c"
	s.Options[salesforce.OptChannelField] = "Type"
	fake := newFakeOrg()
	got := providestest.Attributes(t, s, fake)
	if a := got["001A00000000001"]; a["customer_since"] != "2023-04-30" || a["acquisition_channel"] != "customer_direct" {
		t.Errorf("acme attributes = %v, want customer_since from Customer_Since__c and the channel from Type", a)
	}
	if _, ok := got["001E00000000005"]["customer_since"]; ok {
		t.Error("with customer_since_field set, an account without the field still got a customer_since")
	}
	for _, q := range fake.queries() {
		if strings.Contains(q, "FROM Opportunity WHERE IsWon = true ORDER BY Id") {
			t.Errorf("the first-won query ran although customer_since_field is set: %s", q)
		}
	}
	if _, err := salesforce.New(connectors.Settings{Type: "salesforce", InstanceURL: "https://x.my.salesforce.com", AccessToken: "t",
		Options: map[string]string{salesforce.OptChannelField: "Account Source"}}); err == nil {
		t.Error("a channel_field that is not an API name was accepted")
	}
}

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	bare := settings()
	bare.Options = nil
	since := settings()
	since.Options = map[string]string{salesforce.OptSinceField: "Customer_Since__c"}
	for _, s := range []connectors.Settings{settings(), bare, since} {
		providestest.Check(t, s, newFakeOrg())
	}
}
