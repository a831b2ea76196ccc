package stripe_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
)

// companyAttrs runs one pass over f and returns the attributes published per Stripe customer.
func companyAttrs(t *testing.T, s connectors.Settings, f *fakeStripe) (map[string]map[string]string, connectors.Page) {
	t.Helper()
	srv := connectortest.NewServer(t, f)
	all := connectortest.Collect(t, connectortest.Point(s, srv, &connectortest.Waits{}), "").All()
	out := map[string]map[string]string{}
	for _, c := range all.Customers {
		out[c.ExternalID] = c.Attributes
	}
	return out, all
}

func TestCustomerAttributesArriveNormalised(t *testing.T) {
	got, _ := companyAttrs(t, settings(), newFakeStripe())
	for _, tc := range []struct{ customer, attr, want string }{
		// the company's earliest active subscription start_date (sub_2 of cus_A2), for both of
		// its Stripe customers
		{"cus_A1", "customer_since", "2022-04-15"},
		{"cus_A2", "customer_since", "2022-04-15"},
		{"cus_G", "customer_since", "2024-07-03"},
		// trialing only: no active subscription, so the customer's created time
		{"cus_F", "customer_since", "2026-09-21"},
		{"cus_J", "customer_since", "2026-09-21"}, // no subscription at all
		// the largest subscription's main item: price nickname, trimmed
		{"cus_A1", "plan", "Business (annual)"},
		{"cus_A2", "plan", "Business (annual)"},
		// no nickname: the product's name (GET /v1/products/prod_pro)
		{"cus_G", "plan", "Pro"},
		{"cus_E", "plan", "Pro"}, // a euro subscription still names a plan
		{"cus_T", "plan", "Volume"},
		{"cus_M", "plan", "Team"},
		{"cus_F", "plan", ""}, // trialing does not count
		{"cus_J", "plan", ""},
	} {
		if v := got[tc.customer][tc.attr]; v != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.customer, tc.attr, v, tc.want)
		}
	}
}

func TestMetadataKeysOverrideTheDefaults(t *testing.T) {
	f := newFakeStripe()
	f.customers[2]["metadata"] = map[string]string{"company_domain": "https://globex.com", "customer_since": "2021-06-01"}
	f.customers[4]["metadata"] = map[string]string{"customer_since": "not a date"}
	s := settings()
	s.Options["plan_metadata_key"] = "tier"
	s.Options["customer_since_metadata_key"] = "customer_since"
	got, all := companyAttrs(t, s, f)
	if g := got["cus_G"]; g["plan"] != "Globex Custom" || g["customer_since"] != "2021-06-01" {
		t.Errorf("globex = %v, want the plan and customer_since from metadata", g)
	}
	if a := got["cus_A1"]; a["plan"] != "Business (annual)" || a["customer_since"] != "2022-04-15" {
		t.Errorf("acme (no such metadata) = %v, want the defaults", a)
	}
	if _, ok := got["cus_E"]["customer_since"]; ok || len(all.Problems) != 1 || !strings.Contains(all.Problems[0].Message, "not a date") {
		t.Errorf("an unreadable metadata date: attrs %v, problems %v; want it skipped and reported", got["cus_E"], all.Problems)
	}
}

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	c, err := connectors.New(settings())
	if err != nil {
		t.Fatal(err)
	}
	_, all := companyAttrs(t, settings(), newFakeStripe())
	if got, want := all.Provides(), c.(connectors.Describer).Provides(); !reflect.DeepEqual(got, want) {
		t.Errorf("a sync published %+v, Provides says %+v", got, want)
	}
}

// Product names are read once per product and run, not once per subscription.
func TestProductNamesAreReadOncePerRun(t *testing.T) {
	f := newFakeStripe()
	companyAttrs(t, settings(), f)
	n := map[string]int{}
	for _, p := range f.paths() {
		if strings.HasPrefix(p, "/v1/products/") {
			n[p]++
		}
	}
	for p, k := range n {
		if k != 1 {
			t.Errorf("%s read %d times", p, k)
		}
	}
	if n["/v1/products/prod_pro?"] != 1 {
		t.Errorf("product reads = %v, want prod_pro among them", n)
	}
}
