package intercom

import (
	"reflect"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
)

func collect(t *testing.T, s connectors.Settings) (map[string]map[string]string, connectors.Page) {
	t.Helper()
	srv := connectortest.NewServer(t, newFake())
	all := connectortest.Collect(t, connectortest.Point(s, srv, &connectortest.Waits{}), "").All()
	out := map[string]map[string]string{}
	for _, c := range all.Customers {
		out[c.ExternalID] = c.Attributes
	}
	return out, all
}

func TestCompanyAttributesArriveNormalised(t *testing.T) {
	got, _ := collect(t, settings())
	for _, tc := range []struct{ company, attr, want string }{
		{"c1", "customer_since", "2022-04-15"}, // remote_created_at, Unix seconds
		{"c4", "customer_since", "2020-09-13"},
		{"c2", "customer_since", ""}, // no remote_created_at: created_at is not a stand-in
		{"c5", "customer_since", ""}, // remote_created_at null
		{"c1", "plan", "Enterprise"},
		{"c1", "industry", "Software"},
		{"c1", "acquisition_channel", ""}, // no standard field; only with channel_attribute
	} {
		if v := got[tc.company][tc.attr]; v != tc.want {
			t.Errorf("company %s %s = %q, want %q", tc.company, tc.attr, v, tc.want)
		}
	}
}

func TestCustomAttributeOptions(t *testing.T) {
	s := settings()
	s.Options["customer_since_attribute"] = "became_customer"
	s.Options["channel_attribute"] = "signup_channel"
	got, _ := collect(t, s)
	for _, tc := range []struct{ company, attr, want string }{
		{"c1", "customer_since", "2021-01-05"}, // the custom date wins over remote_created_at
		{"c4", "customer_since", "2017-07-14"}, // a custom attribute holding Unix seconds
		{"c3", "customer_since", "2020-09-13"}, // no custom value: remote_created_at
		{"c1", "acquisition_channel", "paid_search"},
		{"c4", "acquisition_channel", "referral"},
	} {
		if v := got[tc.company][tc.attr]; v != tc.want {
			t.Errorf("company %s %s = %q, want %q", tc.company, tc.attr, v, tc.want)
		}
	}
	s.Options["channel_attribute"] = " "
	if _, err := New(s); err == nil || !strings.Contains(err.Error(), "channel_attribute") {
		t.Errorf("a blank channel_attribute: err = %v, want it named", err)
	}
}

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	withChannel := settings()
	withChannel.Options["channel_attribute"] = "signup_channel"
	for _, s := range []connectors.Settings{settings(), withChannel} {
		c, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		_, all := collect(t, s)
		if got, want := all.Provides(), c.(connectors.Describer).Provides(); !reflect.DeepEqual(got, want) {
			t.Errorf("options %v: a sync published %+v, Provides says %+v", s.Options, got, want)
		}
	}
}
