package intercom

import (
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/providestest"
)

func TestCompanyAttributesArriveNormalised(t *testing.T) {
	got := providestest.Attributes(t, settings(), newFake())
	providestest.CheckAttributes(t, got, [][3]string{
		{"c1", "customer_since", "2022-04-15"}, // remote_created_at, Unix seconds
		{"c4", "customer_since", "2020-09-13"},
		{"c2", "customer_since", ""}, // no remote_created_at: created_at is not a stand-in
		{"c5", "customer_since", ""}, // remote_created_at null
		{"c1", "plan", "Enterprise"},
		{"c1", "industry", "Software"},
		{"c1", "acquisition_channel", ""}, // no standard field; only with channel_attribute
	})
}

func TestCustomAttributeOptions(t *testing.T) {
	s := settings()
	s.Options["customer_since_attribute"] = "became_customer"
	s.Options["channel_attribute"] = "signup_channel"
	got := providestest.Attributes(t, s, newFake())
	providestest.CheckAttributes(t, got, [][3]string{
		{"c1", "customer_since", "2021-01-05"}, // the custom date wins over remote_created_at
		{"c4", "customer_since", "2017-07-14"}, // a custom attribute holding Unix seconds
		{"c6", "customer_since", "2020-09-13"}, // no custom value: remote_created_at
		{"c1", "acquisition_channel", "paid_search"},
		{"c4", "acquisition_channel", "referral"},
	})
	s.Options["channel_attribute"] = " "
	if _, err := New(s); err == nil || !strings.Contains(err.Error(), "channel_attribute") {
		t.Errorf("a blank channel_attribute: err = %v, want it named", err)
	}
}

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	withChannel := settings()
	withChannel.Options["channel_attribute"] = "signup_channel"
	for _, s := range []connectors.Settings{settings(), withChannel} {
		providestest.Check(t, s, newFake())
	}
}
