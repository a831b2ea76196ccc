// Package fakes lists the conformance kit's harness for every affiliate platform, each its
// client against its docs-faithful fake, so a test can run the same story on every platform.
// It is for tests only: production code never imports it (internal/archtest).
package fakes

import (
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"github.com/advocate-hq/advocate/connectors/affiliates/dub"
	"github.com/advocate-hq/advocate/connectors/affiliates/dub/dubfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/firstpromoter"
	"github.com/advocate-hq/advocate/connectors/affiliates/firstpromoter/firstpromoterfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/partnerstack"
	"github.com/advocate-hq/advocate/connectors/affiliates/partnerstack/partnerstackfake"
	"github.com/advocate-hq/advocate/connectors/affiliates/rewardful"
	"github.com/advocate-hq/advocate/connectors/affiliates/rewardful/rewardfulfake"
)

// All is every platform's harness, in the registry's name order.
func All() []affiliatestest.Harness {
	return []affiliatestest.Harness{Dub(), FirstPromoter(), PartnerStack(), Rewardful()}
}

// Rewardful is Rewardful's client against rewardfulfake.
func Rewardful() affiliatestest.Harness {
	return affiliatestest.Harness{
		Platform:        rewardful.Name,
		NewFake:         func() affiliatestest.Fake { return rewardfulfake.New() },
		New:             rewardful.New,
		Settings:        rewardfulfake.Settings(),
		IsCreate:        rewardfulfake.IsCreate,
		IsOutcomeList:   rewardfulfake.IsOutcomeList,
		ListsAffiliates: true,
	}
}

// PartnerStack is PartnerStack's client against partnerstackfake.
func PartnerStack() affiliatestest.Harness {
	return affiliatestest.Harness{
		Platform:        partnerstack.Name,
		NewFake:         func() affiliatestest.Fake { return partnerstackfake.New() },
		New:             partnerstack.New,
		Settings:        partnerstackfake.Settings(),
		IsCreate:        partnerstackfake.IsCreate,
		IsOutcomeList:   partnerstackfake.IsOutcomeList,
		ListsAffiliates: true,
	}
}

// FirstPromoter is FirstPromoter's client against firstpromoterfake.
func FirstPromoter() affiliatestest.Harness {
	return affiliatestest.Harness{
		Platform:        firstpromoter.Name,
		NewFake:         func() affiliatestest.Fake { return firstpromoterfake.New() },
		New:             firstpromoter.New,
		Settings:        firstpromoterfake.Settings(),
		IsCreate:        firstpromoterfake.IsCreate,
		IsOutcomeList:   firstpromoterfake.IsOutcomeList,
		ListsAffiliates: true,
	}
}

// Dub is Dub's client against dubfake. Dub's create is an upsert by email.
func Dub() affiliatestest.Harness {
	return affiliatestest.Harness{
		Platform:        dub.Name,
		NewFake:         func() affiliatestest.Fake { return dubfake.New() },
		New:             dub.New,
		Settings:        dubfake.Settings(),
		IsCreate:        dubfake.IsCreate,
		IsOutcomeList:   dubfake.IsOutcomeList,
		Upsert:          true,
		ListsAffiliates: true,
	}
}
