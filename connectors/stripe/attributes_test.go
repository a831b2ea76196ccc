package stripe_test

import (
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/providestest"
)

func TestCustomerAttributesArriveNormalised(t *testing.T) {
	got := providestest.Attributes(t, settings(), newFakeStripe())
	providestest.CheckAttributes(t, got, [][3]string{
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
	})
}

func TestMetadataKeysOverrideTheDefaults(t *testing.T) {
	f := newFakeStripe()
	f.customers[2]["metadata"] = map[string]string{"company_domain": "https://globex.com", "customer_since": "2021-06-01"}
	f.customers[4]["metadata"] = map[string]string{"customer_since": "not a date"}
	s := settings()
	s.Options["plan_metadata_key"] = "tier"
	s.Options["customer_since_metadata_key"] = "customer_since"
	got, all := providestest.Attributes(t, s, f), providestest.Collect(t, s, f)
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
	providestest.Check(t, settings(), newFakeStripe())
}

// Product names are read once per product and run, not once per subscription.
func TestProductNamesAreReadOncePerRun(t *testing.T) {
	f := newFakeStripe()
	providestest.Collect(t, settings(), f)
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
