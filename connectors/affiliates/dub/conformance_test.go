package dub_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"golang.org/x/time/rate"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest/fakes"
	"github.com/advocate-hq/advocate/connectors/affiliates/dub"
	"github.com/advocate-hq/advocate/connectors/affiliates/dub/dubfake"
)

// TestConformance runs the kit against dubfake, written from the vendor's docs.
func TestConformance(t *testing.T) { affiliatestest.Run(t, fakes.Dub()) }

// TestFindsByTenantIDFirst: our id outlives an email change, so the person is found by it.
func TestFindsByTenantIDFirst(t *testing.T) {
	f := dubfake.New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	p, err := dub.New(affiliates.Settings{APIKey: dubfake.Key, BaseURL: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
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
