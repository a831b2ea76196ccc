package dub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"golang.org/x/time/rate"
)

func TestConformance(t *testing.T) {
	affiliatestest.Run(t, affiliatestest.Harness{
		Platform: Name,
		NewFake:  newFake,
		New:      New,
		Settings: affiliates.Settings{APIKey: fakeKey},
		IsCreate: func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/partners" },
		IsOutcomeList: func(r *http.Request) bool {
			return r.URL.Path == "/customers" || r.URL.Path == "/commissions"
		},
		Upsert: true,
	})
}

func TestCommissionStatus(t *testing.T) {
	cases := map[string]string{
		"pending": affiliates.CommissionPending, "processed": affiliates.CommissionDue, "paid": affiliates.CommissionPaid,
		"refunded": affiliates.CommissionVoided, "duplicate": affiliates.CommissionVoided, "fraud": affiliates.CommissionVoided,
		"canceled": affiliates.CommissionVoided, "something-new": affiliates.CommissionPending,
	}
	for in, want := range cases {
		if got := commissionStatus(in); got != want {
			t.Errorf("commissionStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFindsByTenantIDFirst: our id outlives an email change, so the person is found by it.
func TestFindsByTenantIDFirst(t *testing.T) {
	f := newFake()
	srv := httptest.NewServer(f)
	defer srv.Close()
	p, err := New(affiliates.Settings{APIKey: fakeKey, BaseURL: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	first, err := p.FindOrCreate(context.Background(), affiliates.Person{Email: "old@acme.io", ExternalID: "contact-7"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.FindOrCreate(context.Background(), affiliates.Person{Email: "new@acme.io", ExternalID: "contact-7"})
	if err != nil || again.ID != first.ID || again.Created {
		t.Fatalf("FindOrCreate after an email change = %+v, %v; want %s found", again, err, first.ID)
	}
	if f.Count("new@acme.io") != 0 {
		t.Error("a second partner was created for the new email")
	}
}
