package delighted

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/connectortest"
	"github.com/advocate-hq/advocate/internal/store"
)

func settings() connectors.Settings {
	return connectors.Settings{Name: "nps", Type: "delighted", APIKey: fakeKey, Options: map[string]string{"page_size": "3"}}
}

func TestConformance(t *testing.T) {
	connectortest.Conformance(t, connectortest.Case{
		Settings: settings(),
		Fake:     func() http.Handler { return newFake() },
		// 12 responses in pages of 3: four full pages, then the empty page that ends the stream.
		MinRequests: 5,
		Check:       checkStore,
	})
}

// checkStore asserts what a user sees after a full sync of newFake.
func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	all := connectortest.Customers(t, st)
	var domains []string
	for _, c := range all {
		domains = append(domains, c.Domain)
	}
	want := []string{"acme.io", "globex.com", "hooli.xyz", "initech.io", "piedpiper.com", "umbrella.co"}
	if got := sorted(domains); !reflect.DeepEqual(got, want) {
		t.Errorf("customer domains = %v, want %v (no gmail.com customer)", got, want)
	}
	latest := func(domain string) advocate.SignalValue {
		t.Helper()
		v, ok := connectortest.Latest(t, st, connectortest.Find(t, st, domain).ID)["nps"]
		if !ok {
			t.Fatalf("%s has no nps signal", domain)
		}
		return v
	}
	for _, tc := range []struct {
		domain string
		value  float64
		at     int64
	}{
		{"acme.io", 10, day(8)},      // Ana's second answer is the newest of three
		{"globex.com", 9, day(6)},    // Heidi's 9 is newer than Bob's 6; Frank's CES answer is not NPS
		{"umbrella.co", 7, day(9)},   // observed when the answer was last edited
		{"hooli.xyz", 0, day(7)},     // a 0 is a real answer
		{"piedpiper.com", 5, day(8)}, //
	} {
		v := latest(tc.domain)
		if v.Value != tc.value || !v.ObservedAt.Equal(time.Unix(tc.at, 0)) || v.Source != "nps" {
			t.Errorf("%s nps = %v at %s from %q, want %v at %s", tc.domain, v.Value, v.ObservedAt, v.Source, tc.value, time.Unix(tc.at, 0).UTC())
		}
	}
	acme, _ := st.FindCustomer(ctx, "acme.io")
	hist, err := st.SignalHistory(ctx, acme.ID, "nps")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Errorf("acme.io nps history has %d observations, want 3 (9, 10, 10)", len(hist))
	}
	contacts, err := st.Contacts(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for _, c := range contacts[acme.ID] {
		people = append(people, c.Email+"="+c.Name)
	}
	if want := []string{"ana@acme.io=Ana Lima", "dan@acme.io=Dan Wu"}; !reflect.DeepEqual(people, want) {
		t.Errorf("acme.io contacts = %v, want %v", people, want)
	}
	hooli, _ := st.FindCustomer(ctx, "hooli.xyz")
	hc, _ := st.Contacts(ctx, hooli.ID)
	if len(hc[hooli.ID]) != 1 || hc[hooli.ID][0].Email != "ivan@hooli.xyz" {
		t.Errorf("hooli.xyz contacts = %+v, want ivan@hooli.xyz (lower-cased)", hc[hooli.ID])
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func start(t *testing.T, f *fake) connectors.Settings {
	t.Helper()
	srv := connectortest.NewServer(t, f)
	return connectortest.Point(settings(), srv, &connectortest.Waits{})
}

func TestIncrementalSyncReadsFromHighWaterMarkMinusOverlap(t *testing.T) {
	f := newFake()
	s := start(t, f)
	first := connectortest.Collect(t, s, "")
	for _, q := range f.seen() {
		if q.Has("updated_since") {
			t.Fatalf("full sync sent updated_since=%s", q.Get("updated_since"))
		}
		if q.Get("expand[]") != "person" || q.Get("per_page") != "3" {
			t.Errorf("query %v, want expand[]=person and per_page=3", q)
		}
	}
	var cur cursor
	if err := json.Unmarshal([]byte(first.Cursor()), &cur); err != nil {
		t.Fatal(err)
	}
	if cur != (cursor{HWM: day(9)}) {
		t.Fatalf("cursor after a full pass = %+v, want only hwm = newest updated_at %d", cur, day(9))
	}

	// Bob changes his mind: 6 -> 9.
	f.update("102", 9, day(10))
	n := len(f.seen())
	second := connectortest.Collect(t, s, first.Cursor())
	qs := f.seen()[n:]
	wantSince := day(9) - int64(connectors.Overlap/time.Second)
	if len(qs) == 0 || qs[0].Get("updated_since") != itoa(wantSince) || qs[0].Get("page") != "1" {
		t.Fatalf("incremental queries = %v, want page 1 with updated_since=%d", qs, wantSince)
	}
	got := map[string]float64{}
	for _, sg := range second.All().Signals {
		got[sg.Customer.Domain+"@"+sg.ObservedAt.Format("01-02")] = sg.Value
	}
	want := map[string]float64{"globex.com@10-10": 9, "umbrella.co@10-09": 7}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("incremental signals = %v, want %v (the edit, and the overlap re-read)", got, want)
	}
	if err := json.Unmarshal([]byte(second.Cursor()), &cur); err != nil || cur.HWM != day(10) {
		t.Errorf("cursor after incremental = %s, want hwm %d", second.Cursor(), day(10))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHighWaterMarkIsCappedAtPassStart(t *testing.T) {
	// A clock behind the data stands for a pass that started before the newest edits: an edit
	// made during the pass may sit on a page already read, so the next pass must reach back
	// to the pass start, not to the newest edit seen.
	s := start(t, newFake())
	passStart := time.Unix(day(6), 0)
	s.Runtime.Now = func() time.Time { return passStart }
	sink := connectortest.Collect(t, s, "")
	var cur cursor
	if err := json.Unmarshal([]byte(sink.Cursor()), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.HWM != day(6) {
		t.Errorf("hwm = %d, want the pass start %d", cur.HWM, day(6))
	}
}

func TestResumesMidPassWhereTheCursorSays(t *testing.T) {
	f := newFake()
	s := start(t, f)
	mid := connectors.EncodeCursor(cursor{HWM: day(3), Page: 2, Since: day(3) - 600, Max: day(5), Start: day(20)})
	sink := connectortest.Collect(t, s, mid)
	qs := f.seen()
	if qs[0].Get("page") != "2" || qs[0].Get("updated_since") != itoa(day(3)-600) {
		t.Errorf("first query after resume = %v, want page 2 with the pass's updated_since", qs[0])
	}
	if !strings.Contains(sink.Cursor(), `"hwm":`+itoa(day(9))) {
		t.Errorf("final cursor = %s, want hwm %d", sink.Cursor(), day(9))
	}
	for _, p := range sink.Pages {
		if p.Cursor == "" {
			t.Error("a page was committed without a cursor")
		}
	}
}

func TestMapPage(t *testing.T) {
	at := time.Unix(day(2), 0).UTC()
	acme := connectors.Ref{Domain: "acme.io"}
	tests := []struct {
		name     string
		json     string
		contacts []connectors.Contact
		signals  []connectors.Signal
		problems int
		skipped  skips
	}{
		{"OK", `[{"id":"1","person":{"id":"9","email":" Ana@Acme.io ","name":"Ana"},"survey_type":"nps","score":9,"created_at":1,"updated_at":` + itoa(day(2)) + `}]`,
			[]connectors.Contact{{Customer: acme, Email: "ana@acme.io", Name: "Ana"}},
			[]connectors.Signal{{Customer: acme, Name: "nps", Value: 9, ObservedAt: at}}, 0, skips{}},
		{"NumericIDAndNoSurveyTypeUsesCreatedAt", `[{"id":7,"person":{"email":"a@acme.io"},"score":0,"created_at":` + itoa(day(2)) + `}]`,
			[]connectors.Contact{{Customer: acme, Email: "a@acme.io"}},
			[]connectors.Signal{{Customer: acme, Name: "nps", Value: 0, ObservedAt: at}}, 0, skips{}},
		{"FreeMailSkipped", `[{"id":"1","person":{"email":"x@gmail.com"},"survey_type":"nps","score":9,"created_at":5}]`, nil, nil, 0, skips{freemail: 1}},
		{"UnexpandedPersonSkipped", `[{"id":"1","person":"9","survey_type":"nps","score":9,"created_at":5}]`, nil, nil, 0, skips{noEmail: 1}},
		{"OtherSurveyTypeSkipped", `[{"id":"1","person":{"email":"a@acme.io"},"survey_type":"csat","score":4,"created_at":5}]`, nil, nil, 0, skips{otherType: 1}},
		{"ScoreOutOfRangeIsAProblem", `[{"id":"1","person":{"email":"a@acme.io"},"survey_type":"nps","score":11,"created_at":5}]`, nil, nil, 1, skips{}},
		{"NoScoreIsAProblem", `[{"id":"1","person":{"email":"a@acme.io"},"survey_type":"nps","score":null,"created_at":5}]`, nil, nil, 1, skips{}},
		{"NoTimeIsAProblem", `[{"id":"1","person":{"email":"a@acme.io"},"survey_type":"nps","score":5}]`, nil, nil, 1, skips{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var batch []response
			if err := json.Unmarshal([]byte(tc.json), &batch); err != nil {
				t.Fatal(err)
			}
			page, sk := mapPage(batch)
			if !reflect.DeepEqual(page.Contacts, tc.contacts) || !reflect.DeepEqual(page.Signals, tc.signals) {
				t.Errorf("records = %+v %+v, want %+v %+v", page.Contacts, page.Signals, tc.contacts, tc.signals)
			}
			if len(page.Problems) != tc.problems || sk != tc.skipped {
				t.Errorf("problems = %v, skips = %+v; want %d problems, skips %+v", page.Problems, sk, tc.problems, tc.skipped)
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"ErrAPIKeyRequired", connectors.Settings{Name: "nps", Type: "delighted"}, "needs api_key"},
		{"ErrPageSizeTooBig", connectors.Settings{Name: "nps", Type: "delighted", APIKey: "k", Options: map[string]string{"page_size": "101"}}, "page_size"},
		{"ErrPageSizeNotANumber", connectors.Settings{Name: "nps", Type: "delighted", APIKey: "k", Options: map[string]string{"page_size": "lots"}}, "page_size"},
		{"ErrUnknownOption", connectors.Settings{Name: "nps", Type: "delighted", APIKey: "k", Options: map[string]string{"survey": "nps"}}, `unknown option "survey"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := connectors.New(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
