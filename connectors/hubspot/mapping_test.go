package hubspot

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func mustConnector(t *testing.T, opts map[string]string) *Connector {
	t.Helper()
	s := connectors.Settings{Name: "crm", Type: "hubspot", Token: "t", Options: opts}
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

func decode(t *testing.T, js string) object {
	t.Helper()
	var o object
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return o
}

var now = time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)

func TestMapCompany(t *testing.T) {
	c := mustConnector(t, map[string]string{"ltv_property": "total_revenue", "arr_property": "annual_recurring_revenue",
		"health_property": "health_score_custom", "attr.plan": "plan_tier"})
	owners := map[string]string{"101": "dana@acme-saas.io"}
	mod := time.Date(2026, 11, 1, 10, 0, 0, 123e6, time.UTC)
	acme := connectors.Ref{ExternalID: "9001", Domain: "acme.io"}
	tests := []struct {
		name      string
		json      string
		wantCust  connectors.Customer
		wantSigs  []connectors.Signal
		wantProbs int
	}{
		{"AllFields", `{"id":"9001","properties":{"name":"Acme Corp","domain":"WWW.Acme.io","industry":"COMPUTER_SOFTWARE",
			"lifecyclestage":"customer","numberofemployees":"250","hubspot_owner_id":"101","plan_tier":"enterprise",
			"hs_lastmodifieddate":"2026-11-01T10:00:00.123Z","total_revenue":"125000.5","annual_recurring_revenue":"60000",
			"health_score_custom":"87"},"createdAt":"2024-01-10T09:00:00Z","updatedAt":"2026-11-01T10:00:00.123Z","archived":false}`,
			connectors.Customer{Ref: acme, Name: "Acme Corp", Owner: "dana@acme-saas.io", Attributes: map[string]string{
				"industry": "COMPUTER_SOFTWARE", "lifecycle_stage": "customer", "employees": "250", "plan": "enterprise"}},
			[]connectors.Signal{{Customer: acme, Name: "ltv", Value: 125000.5, ObservedAt: mod},
				{Customer: acme, Name: "mrr", Value: 5000, ObservedAt: mod},
				{Customer: acme, Name: "health_score", Value: 87, ObservedAt: mod}}, 0},
		{"NullsAndEmptiesAreUnknown", `{"id":"9002","properties":{"name":"Globex","domain":null,"industry":null,
			"hubspot_owner_id":"","total_revenue":"","health_score_custom":null,"hs_lastmodifieddate":"1762077600000"}}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "9002"}, Name: "Globex"}, nil, 0},
		{"UnreadableNumberIsAProblem", `{"id":"9003","properties":{"name":"Initech","domain":"initech.com",
			"total_revenue":"n/a","health_score_custom":"NaN","hubspot_owner_id":"999"},"updatedAt":"2026-11-03T10:00:00Z"}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "9003", Domain: "initech.com"}, Name: "Initech"}, nil, 2},
		{"NoModifiedTimeUsesTheClock", `{"id":"9004","properties":{"name":"Umbrella","health_score_custom":"40"}}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "9004"}, Name: "Umbrella"},
			[]connectors.Signal{{Customer: connectors.Ref{ExternalID: "9004"}, Name: "health_score", Value: 40, ObservedAt: now}}, 0},
		{"UnquotedNumbersAreRead", `{"id":9005,"properties":{"name":"Hooli","numberofemployees":1200,"health_score_custom":66.5,
			"hs_lastmodifieddate":"2026-11-01T10:00:00.123Z"}}`,
			connectors.Customer{Ref: connectors.Ref{ExternalID: "9005"}, Name: "Hooli", Attributes: map[string]string{"employees": "1200"}},
			[]connectors.Signal{{Customer: connectors.Ref{ExternalID: "9005"}, Name: "health_score", Value: 66.5, ObservedAt: mod}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cust, sigs, probs := c.mapCompany(decode(t, tt.json), owners, 0, now)
			if !reflect.DeepEqual(cust, tt.wantCust) {
				t.Errorf("customer = %+v, want %+v", cust, tt.wantCust)
			}
			if !reflect.DeepEqual(sigs, tt.wantSigs) {
				t.Errorf("signals = %+v, want %+v", sigs, tt.wantSigs)
			}
			if len(probs) != tt.wantProbs {
				t.Errorf("problems = %v, want %d", probs, tt.wantProbs)
			}
		})
	}
}

func TestMapContact(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		json string
		want connectors.Contact
		ok   bool
	}{
		{"PrimaryCompanyProperty", nil, `{"id":"501","properties":{"email":" Jane@Acme.io ","firstname":"Jane","lastname":"Doe",
			"jobtitle":"VP Customer Success","associatedcompanyid":"9001","hs_email_optout":"false"},
			"associations":{"companies":{"results":[{"id":"9005","type":"contact_to_company_unlabeled"}]}}}`,
			connectors.Contact{Customer: connectors.Ref{ExternalID: "9001"}, Email: "jane@acme.io", Name: "Jane Doe", Role: "VP Customer Success"}, true},
		{"PrimaryAssociation", nil, `{"id":"502","properties":{"email":"bob@acme.io","firstname":"Bob","lastname":null,
			"associatedcompanyid":null,"hs_email_optout":"true"},"associations":{"companies":{"results":[
			{"id":"9005","type":"contact_to_company_unlabeled"},{"id":"9001","type":"contact_to_company"}]}}}`,
			connectors.Contact{Customer: connectors.Ref{ExternalID: "9001"}, Email: "bob@acme.io", Name: "Bob", OptedOut: true}, true},
		{"CustomOptOutAndChampion", map[string]string{"optout_property": "do_not_recruit", "champion_property": "is_champion"},
			`{"id":"503","properties":{"email":"ann@globex.com","associatedcompanyid":"9002","hs_email_optout":"true",
			"do_not_recruit":"Yes","is_champion":"true"}}`,
			connectors.Contact{Customer: connectors.Ref{ExternalID: "9002"}, Email: "ann@globex.com", Champion: true, OptedOut: true}, true},
		{"ChampionIgnoredWithoutMapping", nil, `{"id":"504","properties":{"email":"x@globex.com","associatedcompanyid":"9002","is_champion":"true"}}`,
			connectors.Contact{Customer: connectors.Ref{ExternalID: "9002"}, Email: "x@globex.com"}, true},
		{"NoEmailSkipped", nil, `{"id":"505","properties":{"email":null,"associatedcompanyid":"9003"}}`, connectors.Contact{}, false},
		{"NoCompanySkipped", nil, `{"id":"506","properties":{"email":"lead@gmail.com","associatedcompanyid":"0"}}`, connectors.Contact{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustConnector(t, tt.opts).mapContact(decode(t, tt.json))
			if ok != tt.ok || got != tt.want {
				t.Errorf("mapContact = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestUpsellRule(t *testing.T) {
	deal := func(dealtype, stage, won, closed string) string {
		return `{"id":"701","properties":{"dealtype":"` + dealtype + `","dealstage":"` + stage + `","hs_is_closed_won":"` + won +
			`","closedate":"` + closed + `"},"associations":{"companies":{"results":[{"id":"9001","type":"deal_to_company"}]}}}`
	}
	tests := []struct {
		name string
		opts map[string]string
		json string
		want bool
	}{
		{"WonExpansionThisYear", nil, deal("existingbusiness", "closedwon", "true", "2026-03-01T00:00:00Z"), true},
		{"WonInCustomPipeline", nil, deal("existingbusiness", "1284735", "true", "2026-03-01T00:00:00Z"), true},
		{"StageClosedWonWithoutFlag", nil, deal("existingbusiness", "closedwon", "", "2026-03-01T00:00:00Z"), true},
		{"EpochMillisCloseDate", nil, deal("existingbusiness", "closedwon", "true", "1772323200000"), true},
		{"JustInsideTwelveMonths", nil, deal("existingbusiness", "closedwon", "true", "2025-11-16T06:00:01Z"), true},
		{"ExactlyTwelveMonthsAgo", nil, deal("existingbusiness", "closedwon", "true", "2025-11-16T06:00:00Z"), false},
		{"NewBusiness", nil, deal("newbusiness", "closedwon", "true", "2026-03-01T00:00:00Z"), false},
		{"Open", nil, deal("existingbusiness", "contractsent", "false", "2026-03-01T00:00:00Z"), false},
		{"ClosesInTheFuture", nil, deal("existingbusiness", "closedwon", "true", "2026-12-01T00:00:00Z"), false},
		{"NoCloseDate", nil, deal("existingbusiness", "closedwon", "true", ""), false},
		{"CustomDealType", map[string]string{"upsell_dealtype": "Upsell"}, deal("upsell", "closedwon", "true", "2026-03-01T00:00:00Z"), true},
		{"NoCompany", nil, `{"id":"707","properties":{"dealtype":"existingbusiness","dealstage":"closedwon","closedate":"2026-03-01"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			company, ok := mustConnector(t, tt.opts).upsell(decode(t, tt.json), now)
			if ok != tt.want || (ok && company != "9001") {
				t.Errorf("upsell = %q, %v; want counted: %v (for 9001)", company, ok, tt.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-01T10:00:00.123Z", time.Date(2026, 11, 1, 10, 0, 0, 123e6, time.UTC), true},
		{"2026-11-01T12:00:00+02:00", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), true},
		{"1762077600000", time.UnixMilli(1762077600000).UTC(), true},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"last tuesday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTime(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
