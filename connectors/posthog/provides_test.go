package posthog

import (
	"reflect"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
)

// Provides promises exactly what a full sync of the fake publishes.
func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	c, err := connectors.New(settings())
	if err != nil {
		t.Fatal(err)
	}
	srv := connectortest.NewServer(t, newFake())
	all := connectortest.Collect(t, connectortest.Point(settings(), srv, &connectortest.Waits{}), "").All()
	d, ok := c.(connectors.Describer)
	if !ok {
		t.Fatalf("%T does not say what it publishes", c)
	}
	if got, want := all.Provides(), d.Provides(); !reflect.DeepEqual(got, want) {
		t.Errorf("a sync published %+v, Provides says %+v", got, want)
	}
}
