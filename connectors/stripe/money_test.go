package stripe

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestItemMRR(t *testing.T) {
	tests := []struct {
		name string
		item string // subscription item JSON as Stripe sends it
		want float64
		err  error
	}{
		{"Monthly", `{"quantity":3,"price":{"unit_amount":1000,"recurring":{"interval":"month","interval_count":1,"usage_type":"licensed"}}}`, 3000, nil},
		{"Yearly", `{"quantity":1,"price":{"unit_amount":120000,"recurring":{"interval":"year","interval_count":1}}}`, 10000, nil},
		{"EveryTwoYears", `{"quantity":1,"price":{"unit_amount":240000,"recurring":{"interval":"year","interval_count":2}}}`, 10000, nil},
		{"Quarterly", `{"quantity":2,"price":{"unit_amount":3000,"recurring":{"interval":"month","interval_count":3}}}`, 2000, nil},
		{"Weekly", `{"quantity":1,"price":{"unit_amount":100,"recurring":{"interval":"week","interval_count":1}}}`, 433, nil},
		{"Daily", `{"quantity":1,"price":{"unit_amount":100,"recurring":{"interval":"day","interval_count":1}}}`, 3000, nil},
		{"QuantityMissingIsOne", `{"price":{"unit_amount":500,"recurring":{"interval":"month","interval_count":1}}}`, 500, nil},
		{"SubCentDecimalWins", `{"quantity":1000,"price":{"unit_amount":1,"unit_amount_decimal":"0.5","recurring":{"interval":"month","interval_count":1}}}`, 500, nil},
		{"MeteredCountsZero", `{"price":{"unit_amount":2,"recurring":{"interval":"month","interval_count":1,"usage_type":"metered"}}}`, 0, nil},
		{"TieredHasNoUnitAmount", `{"quantity":5,"price":{"billing_scheme":"tiered","unit_amount":null,"unit_amount_decimal":null,"recurring":{"interval":"month","interval_count":1}}}`, 0, errNoUnitAmount},
		{"OneTimePriceIgnored", `{"quantity":1,"price":{"unit_amount":9900,"recurring":null}}`, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var it subscriptionItem
			if err := json.Unmarshal([]byte(tt.item), &it); err != nil {
				t.Fatal(err)
			}
			got, err := itemMRR(it)
			if !errors.Is(err, tt.err) || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("itemMRR = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestToMajor(t *testing.T) {
	tests := []struct {
		currency string
		minor    float64
		want     float64
	}{
		{"usd", 244999, 2449.99},
		{"usd", 34330.0000001, 343.3}, // MRR sums are fractional cents: rounded to the cent
		{"jpy", 500000, 500000},
		{"kwd", 12345, 12.345},
	}
	for _, tt := range tests {
		if got := toMajor(tt.minor, minorUnitExponent(tt.currency)); got != tt.want {
			t.Errorf("toMajor(%v %s) = %v, want %v", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestCompanyMatching(t *testing.T) {
	tests := []struct {
		name        string
		metadataKey string
		customer    customer
		key, domain string
	}{
		{"WorkEmail", "", customer{ID: "cus_1", Email: "Ops@Acme.io"}, "d:acme.io", "acme.io"},
		{"FreeMailHasNoDomain", "", customer{ID: "cus_2", Email: "dee@gmail.com"}, "c:cus_2", ""},
		{"NoEmail", "", customer{ID: "cus_3"}, "c:cus_3", ""},
		{"MetadataWins", "company_domain", customer{ID: "cus_4", Email: "ops@acme.io",
			Metadata: map[string]string{"company_domain": "https://www.globex.com/"}}, "d:globex.com", "globex.com"},
		{"MetadataWithoutDomainFallsBack", "company_domain", customer{ID: "cus_5", Email: "ops@acme.io",
			Metadata: map[string]string{"company_domain": "n/a"}}, "d:acme.io", "acme.io"},
		{"MetadataIgnoredUnlessConfigured", "", customer{ID: "cus_6", Email: "a@gmail.com",
			Metadata: map[string]string{"company_domain": "globex.com"}}, "c:cus_6", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connector{metadataKey: tt.metadataKey}
			key, domain, _ := c.company(tt.customer)
			if key != tt.key || domain != tt.domain {
				t.Errorf("company = %q, %q; want %q, %q", key, domain, tt.key, tt.domain)
			}
		})
	}
}

func TestExpandableCustomer(t *testing.T) {
	var inv invoice
	if err := json.Unmarshal([]byte(`{"id":"in_1","customer":"cus_9"}`), &inv); err != nil || inv.Customer.ID != "cus_9" || inv.Customer.expanded {
		t.Errorf("customer id form: %+v, %v", inv.Customer, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"in_2","customer":{"id":"cus_8","object":"customer","deleted":true}}`), &inv); err != nil ||
		inv.Customer.ID != "cus_8" || !inv.Customer.Deleted {
		t.Errorf("deleted customer form: %+v, %v", inv.Customer, err)
	}
}
