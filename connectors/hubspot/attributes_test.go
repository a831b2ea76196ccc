package hubspot

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/providestest"
)

func TestCompanyAttributesArriveNormalised(t *testing.T) {
	got := providestest.Attributes(t, settings(), newFake())
	providestest.CheckAttributes(t, got, [][3]string{
		// hs_lifecyclestage_customer_date, an ISO time late in the day: its UTC day
		{"9001", "customer_since", "2024-02-01"},
		// no customer date: the earliest won deal's closedate (703 before 704)
		{"9002", "customer_since", "2025-10-01"},
		// a won deal of a custom pipeline's won stage counts too
		{"9003", "customer_since", "2026-07-01"},
		// only a won deal that closes in the future: no customer_since
		{"9005", "customer_since", ""},
		{"9001", "acquisition_channel", "organic_search"},
		{"9002", "acquisition_channel", "referral"},
		{"9003", "acquisition_channel", "paid_social"},
		{"9004", "acquisition_channel", ""},
		{"9001", "industry", "COMPUTER_SOFTWARE"},
		{"9002", "industry", "FINANCIAL_SERVICES"},
		{"9001", "plan", "enterprise"},
	})
}

func TestAttributePropertiesCanBeOverridden(t *testing.T) {
	s := settings()
	s.Options["channel_property"] = "lead_channel"
	s.Options["customer_since_property"] = "createdate"
	s.Options["industry_property"] = "plan_tier"
	got := providestest.Attributes(t, s, newFake())
	want := map[string]string{"acquisition_channel": "partner", "customer_since": "2024-01-10", "industry": "enterprise"}
	for k, v := range want {
		if got["9001"][k] != v {
			t.Errorf("acme %s = %q, want %q (from the overriding property)", k, got["9001"][k], v)
		}
	}
	if _, err := New(connectors.Settings{Type: "hubspot", Token: "x", Options: map[string]string{"channel_property": "not a name"}}); err == nil {
		t.Error("a channel_property that is not a property name was accepted")
	}
}

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	bare := settings()
	bare.Options = map[string]string{"requests_per_10s": "100000", "search_per_second": "10000"}
	arr := settings()
	delete(arr.Options, "mrr_property")
	arr.Options["arr_property"] = "mrr"
	for _, s := range []connectors.Settings{settings(), bare, arr} {
		providestest.Check(t, s, newFake())
	}
}

// truncateOnce wraps a fake so that its n-th answer (1-based) is cut off once: the headers and
// half the body arrive, then the connection closes. No Content-Length is sent, so only the
// JSON ending mid-document tells the client the page is incomplete.
type truncateOnce struct {
	h    http.Handler
	n    int32
	seen atomic.Int32
}

func (tr *truncateOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if tr.seen.Add(1) != tr.n {
		tr.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, r)
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	body := rec.Body.Bytes()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nConnection: close\r\n\r\n", rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"))
	buf.Write(body[:len(body)/2])
	buf.Flush()
}

// One page cut off in transit costs one retry, not the run: the sync ends with the same
// records as a clean one.
func TestTruncatedPageIsRetried(t *testing.T) {
	clean := providestest.Collect(t, settings(), newFake())
	for _, n := range []int32{1, 2, 5, 8, 12} { // owners, deals, companies, contacts pages
		t.Run(fmt.Sprintf("request %d", n), func(t *testing.T) {
			srv := connectortest.NewServer(t, &truncateOnce{h: newFake(), n: n})
			waits := &connectortest.Waits{}
			got := connectortest.Collect(t, connectortest.Point(settings(), srv, waits), "").All()
			if !reflect.DeepEqual(got, clean) {
				t.Errorf("after a cut-off page the sync published\n%+v\nwant the clean run's\n%+v", got, clean)
			}
			if len(waits.All()) != 1 {
				t.Errorf("waits = %v, want one retry", waits.All())
			}
		})
	}
}
