package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func TestAffiliates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		if _, err := s.AffiliateByEmail(ctx, "dub", "ann@acme.io"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("empty store: %v, want ErrNotFound", err)
		}
		a := store.Affiliate{Platform: "dub", Email: " Ann@Acme.io ", CustomerID: "c_1", AffiliateID: "pn_1", Links: []string{"https://dub.sh/ann", "https://dub.sh/ann2"}}
		if err := s.SaveAffiliate(ctx, a); err != nil {
			t.Fatal(err)
		}
		// Saved again later (a retry, a refresh): one row, created_at kept, newest links, a
		// known customer not erased by an empty one.
		s.Now = func() time.Time { return t0.Add(time.Hour) }
		a.CustomerID, a.Links = "", []string{"https://dub.sh/ann-new"}
		if err := s.SaveAffiliate(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "rewardful", Email: "ann@acme.io", CustomerID: "c_1", AffiliateID: "rw_1"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AffiliateByEmail(ctx, "dub", "ANN@acme.io")
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "ann@acme.io" || got.CustomerID != "c_1" || got.AffiliateID != "pn_1" || !slices.Equal(got.Links, []string{"https://dub.sh/ann-new"}) ||
			!got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || got.Link() != "https://dub.sh/ann-new" {
			t.Errorf("got %+v", got)
		}
		if n, err := s.CountAffiliates(ctx, "dub"); err != nil || n != 1 {
			t.Errorf("CountAffiliates(dub) = %d, %v; want 1", n, err)
		}
		all, err := s.AffiliatesOfCustomer(ctx, "c_1")
		if err != nil || len(all) != 2 {
			t.Fatalf("AffiliatesOfCustomer = %+v, %v; want 2 rows", all, err)
		}
		if rw := all[1]; rw.Platform != "rewardful" || rw.Links == nil || len(rw.Links) != 0 || rw.Link() != "" {
			t.Errorf("an affiliate without links: %+v", rw)
		}
		if err := s.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "x@y.z"}); err == nil {
			t.Error("saved an affiliate without an id")
		}
	})
}
