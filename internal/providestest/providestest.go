// Package providestest checks a connector's promise against its behaviour: what Provides says
// the connector publishes must be exactly what a full sync of the vendor's fake publishes, so
// that Advocate's "no source provides customer_since" hints are neither false alarms nor
// silent.
package providestest

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
)

// Collect runs one full sync of the connector s describes against fake, without waits, and
// returns everything it committed as one page.
func Collect(t testing.TB, s connectors.Settings, fake http.Handler) connectors.Page {
	t.Helper()
	srv := connectortest.NewServer(t, fake)
	return connectortest.Collect(t, connectortest.Point(s, srv, &connectortest.Waits{}), "").All()
}

// Attributes is Collect's customers' attributes by the source's id.
func Attributes(t testing.TB, s connectors.Settings, fake http.Handler) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, c := range Collect(t, s, fake).Customers {
		out[c.ExternalID] = c.Attributes
	}
	return out
}

// Check fails t unless the connector s describes says what it publishes and a full sync of
// fake publishes exactly that.
func Check(t testing.TB, s connectors.Settings, fake http.Handler) {
	t.Helper()
	c, err := connectors.New(s)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := c.(connectors.Describer)
	if !ok {
		t.Fatalf("%T does not say what it publishes (connectors.Describer)", c)
	}
	all := Collect(t, s, fake)
	if got, want := all.Provides(), d.Provides(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s with options %v: a sync published %+v, Provides says %+v", s.Type, s.Options, got, want)
	}
}

// CheckAttributes fails t for every want that got (from Attributes) does not meet. A want is
// {customer id, attribute, value}; value "" means the customer should not have the attribute.
func CheckAttributes(t testing.TB, got map[string]map[string]string, wants [][3]string) {
	t.Helper()
	for _, w := range wants {
		if v := got[w[0]][w[1]]; v != w[2] {
			t.Errorf("customer %s attribute %s = %q, want %q", w[0], w[1], v, w[2])
		}
	}
}
