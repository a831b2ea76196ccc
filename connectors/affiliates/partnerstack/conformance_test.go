package partnerstack_test

import (
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest/fakes"
)

// TestConformance runs the kit against partnerstackfake, written from the vendor's docs.
func TestConformance(t *testing.T) { affiliatestest.Run(t, fakes.PartnerStack()) }
