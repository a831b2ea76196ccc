package csvfile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/csvfile"
)

// memSink records every committed page, the way the sync job's store-backed sink would see it.
type memSink struct {
	pages []connectors.Page
	// after, when set, runs after each commit (to cancel the sync mid-file).
	after func(n int)
}

func (s *memSink) Commit(_ context.Context, p connectors.Page) error {
	s.pages = append(s.pages, p)
	if s.after != nil {
		s.after(len(s.pages))
	}
	return nil
}

func (s *memSink) all() (out connectors.Page) {
	for _, p := range s.pages {
		out.Customers = append(out.Customers, p.Customers...)
		out.Contacts = append(out.Contacts, p.Contacts...)
		out.Signals = append(out.Signals, p.Signals...)
		out.Problems = append(out.Problems, p.Problems...)
		out.Cursor = p.Cursor
	}
	return out
}

func mustNew(t testing.TB, s connectors.Settings) connectors.Connector {
	t.Helper()
	s.Type = "csv"
	if s.Dir == "" {
		s.Dir = "testdata"
	}
	c, err := connectors.New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func mustSync(t testing.TB, c connectors.Connector, cursor string) *memSink {
	t.Helper()
	sink := &memSink{}
	if err := c.Sync(context.Background(), cursor, sink); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return sink
}

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"ErrPathRequired", connectors.Settings{}, "path is required"},
		{"ErrKind", connectors.Settings{Path: "a.csv", Kind: "deals"}, `kind "deals" is not one of customers, contacts, signals`},
		{"ErrDelimiter", connectors.Settings{Path: "a.csv", Delimiter: ";;"}, "delimiter"},
		{"ErrDelimiterQuote", connectors.Settings{Path: "a.csv", Delimiter: `"`}, "delimiter"},
		{"ErrUnknownField", connectors.Settings{Path: "a.csv", Columns: map[string]string{"website": "Website"}},
			`"website" is not a field of a customers file (fields: external_id, domain, name, owner, observed_at)`},
		{"ErrFieldOfOtherKind", connectors.Settings{Path: "a.csv", Kind: "contacts", Columns: map[string]string{"domain": "d"}},
			`"domain" is not a field of a contacts file`},
		{"ErrSignalsOnContacts", connectors.Settings{Path: "a.csv", Kind: "contacts", Signals: map[string]string{"nps": "nps"}},
			"apply to kind customers only"},
		{"ErrEmptyColumn", connectors.Settings{Path: "a.csv", Signals: map[string]string{"nps": " "}}, "signals: nps: column name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.Type, tt.s.Name = "csv", "sheet"
			_, err := connectors.New(tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), `connector "sheet": `) {
				t.Errorf("error %q does not name the connector", err)
			}
		})
	}
}

// A CRM export with its own column names, a semicolon delimiter and Excel's BOM.
func TestCustomersWithMapping(t *testing.T) {
	c := mustNew(t, connectors.Settings{
		Path:       "crm_export.csv",
		Delimiter:  ";",
		Columns:    map[string]string{"domain": "Website", "name": "Company", "owner": "CSM", "external_id": "Account ID", "observed_at": "checked"},
		Signals:    map[string]string{"nps": "NPS Score", "mrr": "MRR"},
		Attributes: map[string]string{"plan": "Tier"},
	})
	got := mustSync(t, c, "").all()

	wantCustomers := []connectors.Customer{
		{Ref: connectors.Ref{ExternalID: "A-1", Domain: "lumenledger.io"}, Name: "Lumen Ledger", Owner: "maya@acme-saas.io",
			Attributes: map[string]string{"plan": "enterprise"}},
		{Ref: connectors.Ref{ExternalID: "A-2", Domain: "harborpine.com"}, Name: "Harbor; Pine", Attributes: map[string]string{"plan": "growth"}},
		{Ref: connectors.Ref{ExternalID: "A-3"}, Name: "Quillstack", Owner: "diego@acme-saas.io"},
	}
	if !reflect.DeepEqual(got.Customers, wantCustomers) {
		t.Errorf("customers:\n got %+v\nwant %+v", got.Customers, wantCustomers)
	}
	wantSignals := []connectors.Signal{
		{Customer: wantCustomers[0].Ref, Name: "mrr", Value: 97, ObservedAt: day("2026-11-01T00:00:00Z")},
		{Customer: wantCustomers[0].Ref, Name: "nps", Value: 10, ObservedAt: day("2026-11-01T00:00:00Z")},
		// Empty NPS is missing, not zero; "1,234.5" is a thousands separator; the offset is kept as an instant.
		{Customer: wantCustomers[1].Ref, Name: "mrr", Value: 1234.5, ObservedAt: day("2026-11-02T08:30:00Z")},
		{Customer: wantCustomers[2].Ref, Name: "mrr", Value: 88, ObservedAt: day("2026-11-03T00:00:00Z")},
		{Customer: wantCustomers[2].Ref, Name: "nps", Value: 9, ObservedAt: day("2026-11-03T00:00:00Z")},
	}
	if !reflect.DeepEqual(got.Signals, wantSignals) {
		t.Errorf("signals:\n got %+v\nwant %+v", got.Signals, wantSignals)
	}
	if len(got.Problems) != 0 {
		t.Errorf("problems: %v", got.Problems)
	}
}

// Without a mapping, known signal names are signals and other columns attributes; without an
// observed_at column, the file's modification time dates the values.
func TestCustomersDefaults(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/no_dates.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "health.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 11, 15, 22, 10, 5, 987654321, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	got := mustSync(t, mustNew(t, connectors.Settings{Path: "health.csv", Dir: dir}), "").all()

	want := []connectors.Signal{{Customer: connectors.Ref{Domain: "acme.io"}, Name: "health_score", Value: 81,
		ObservedAt: mtime.Truncate(time.Second)}}
	if !reflect.DeepEqual(got.Signals, want) {
		t.Errorf("signals:\n got %+v\nwant %+v", got.Signals, want)
	}
	if len(got.Customers) != 2 || got.Customers[1].Name != "Globex" {
		t.Errorf("customers: %+v", got.Customers)
	}

	// testdata/customers.csv: plan is an attribute, nps and health_score are signals.
	all := mustSync(t, mustNew(t, connectors.Settings{Path: "customers.csv"}), "").all()
	if all.Customers[0].Attributes["plan"] != "growth" || len(all.Customers[0].Attributes) != 1 {
		t.Errorf("attributes of acme.io = %v, want only plan=growth", all.Customers[0].Attributes)
	}
}

// Bad rows are reported with the line a person opens in an editor, and the good rows load.
func TestMalformedRowsAreReportedAndSkipped(t *testing.T) {
	got := mustSync(t, mustNew(t, connectors.Settings{Path: "customers.csv"}), "").all()

	want := []connectors.Problem{
		// The Globex row starts on line 3; its quoted name spans lines 3-4.
		{Where: "customers.csv:3", Message: `column "nps" (signal nps): "ten" is not a number`},
		{Where: "customers.csv:5", Message: `column "observed_at": "2026/11/16" is not a date (want RFC 3339 like 2026-11-16T06:00:00Z, or YYYY-MM-DD)`},
		{Where: "customers.csv:6", Message: `no customer key: "domain" empty`},
		{Where: "customers.csv:7", Message: `column "owner": "not-an-email" is not an email address`},
		{Where: "customers.csv:8", Message: "row has 6 fields, header has 7"},
		{Where: "customers.csv:10", Message: "row has 8 fields, header has 7"},
		{Where: "customers.csv:11", Message: `column "nps" (signal nps): "1,5" is not a number (a comma is only read as a thousands separator, as in 1,234.5)`},
	}
	if !reflect.DeepEqual(got.Problems, want) {
		t.Errorf("problems:\n got %v\nwant %v", got.Problems, want)
	}
	var domains []string
	for _, c := range got.Customers {
		domains = append(domains, c.Domain)
	}
	if want := []string{"acme.io", "piedpiper.com", "wayne.com"}; !reflect.DeepEqual(domains, want) {
		t.Errorf("loaded customers %v, want %v", domains, want)
	}
	if got.Customers[1].Name != `Pied "Piper"` {
		t.Errorf("quoted name = %q", got.Customers[1].Name)
	}
	if len(got.Signals) != 4 {
		t.Errorf("got %d signals, want 4 (acme.io and wayne.com, nps and health_score)", len(got.Signals))
	}
}

func TestCSVSyntax(t *testing.T) {
	tests := []struct {
		name, delim, body string
		wantDomains       []string
		wantProblems      []connectors.Problem
	}{
		{"BareQuote", "", "domain,name,nps\nac.io,Ac\"me,9\nb.io,B,8\n", []string{"b.io"},
			[]connectors.Problem{{Where: "f.csv:2", Message: `bare " in non-quoted-field`}}},
		{"SpaceBeforeQuote", "", "domain, name, nps\nac.io, \"Harbor, Pine\", 9\n", []string{"ac.io"}, nil},
		// A stray quote costs its row, not the rest of the file.
		{"UnterminatedQuote", "", "domain,name,nps\nb.io,B,8\nac.io,\"Acme,9\nc.io,C,7\n", []string{"b.io", "c.io"},
			[]connectors.Problem{{Where: "f.csv:3", Message: "a quote opened on this line is never closed before the end of the file; row skipped"}}},
		{"TabKeepsEmptyCells", "\t", "domain\tname\tnps\nac.io\t\t9\n", []string{"ac.io"}, nil},
		{"BlankLinesCount", "", "domain,nps\n\nac.io,x\n", nil,
			[]connectors.Problem{{Where: "f.csv:3", Message: `column "nps" (signal nps): "x" is not a number`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			got := mustSync(t, mustNew(t, connectors.Settings{Path: path, Delimiter: tt.delim}), "").all()
			var domains []string
			for _, c := range got.Customers {
				domains = append(domains, c.Domain)
			}
			if !reflect.DeepEqual(domains, tt.wantDomains) || !reflect.DeepEqual(got.Problems, tt.wantProblems) {
				t.Errorf("got customers %v problems %v; want %v, %v", domains, got.Problems, tt.wantDomains, tt.wantProblems)
			}
			if tt.name == "SpaceBeforeQuote" && got.Customers[0].Name != "Harbor, Pine" {
				t.Errorf("name = %q", got.Customers[0].Name)
			}
		})
	}
}

func TestMissingColumnFailsTheRun(t *testing.T) {
	tests := []struct {
		name string
		s    connectors.Settings
		want string
	}{
		{"Signal", connectors.Settings{Path: "customers.csv", Signals: map[string]string{"nps": "nps", "csat": "CSAT"}},
			`customers.csv: column "CSAT" (signal csat) not in header; header has: "domain", "name", "owner", "plan", "nps", "health_score", "observed_at"`},
		{"Field", connectors.Settings{Path: "customers.csv", Columns: map[string]string{"external_id": "id"}},
			`customers.csv: column "id" (field external_id) not in header`},
		{"NoKey", connectors.Settings{Path: "contacts.csv", Kind: "contacts", Columns: map[string]string{"customer_domain": "company"}},
			`contacts.csv: column "company" (field customer_domain) not in header`},
		{"NoKeyAtAll", connectors.Settings{Path: "no_dates.csv", Kind: "signals"},
			`no_dates.csv: no customer key column: the header needs "customer_domain" or "customer_external_id"`},
		{"RequiredField", connectors.Settings{Path: "contacts.csv", Kind: "signals"},
			`contacts.csv: column "signal" (field signal) not in header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			err := mustNew(t, tt.s).Sync(context.Background(), "", sink)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sync() error = %v, want it to contain %q", err, tt.want)
			}
			if len(sink.pages) != 0 {
				t.Errorf("committed %d pages before failing", len(sink.pages))
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	err := mustNew(t, connectors.Settings{Path: "nope.csv"}).Sync(context.Background(), "", &memSink{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.csv") {
		t.Fatalf("Sync() error = %v, want a not-exist error naming the file", err)
	}
}

func TestContacts(t *testing.T) {
	got := mustSync(t, mustNew(t, connectors.Settings{Path: "contacts.csv", Kind: "contacts"}), "").all()
	acme := connectors.Ref{Domain: "acme.io"}
	want := []connectors.Contact{
		{Customer: acme, Email: "ana.silva@acme.io", Name: "Ana Silva", Role: "VP Customer Success", Champion: true},
		{Customer: acme, Email: "bob@acme.io", Name: "Bob Stone", Role: "CTO", OptedOut: true},
		{Customer: connectors.Ref{Domain: "initech.com"}, Email: "gina@initech.com", Name: "Gina Roy", Role: "Product Manager", Champion: true},
	}
	if !reflect.DeepEqual(got.Contacts, want) {
		t.Errorf("contacts:\n got %+v\nwant %+v", got.Contacts, want)
	}
	wantProblems := []connectors.Problem{
		{Where: "contacts.csv:4", Message: `column "email": "carla@globex" is not an email address`},
		{Where: "contacts.csv:5", Message: `column "champion": "maybe" is not a yes/no value (want true/false, yes/no, 1/0, x or empty)`},
		{Where: "contacts.csv:6", Message: `no customer key: "customer_domain" empty`},
		{Where: "contacts.csv:7", Message: `column "email" is empty`},
	}
	if !reflect.DeepEqual(got.Problems, wantProblems) {
		t.Errorf("problems:\n got %v\nwant %v", got.Problems, wantProblems)
	}
}

func TestSignalsLongFormat(t *testing.T) {
	got := mustSync(t, mustNew(t, connectors.Settings{Path: "nps.csv", Kind: "signals"}), "").all()
	want := []connectors.Signal{
		{Customer: connectors.Ref{Domain: "acme.io"}, Name: "nps", Value: 7, ObservedAt: day("2026-02-10T14:03:00Z")},
		{Customer: connectors.Ref{Domain: "acme.io"}, Name: "nps", Value: 9, ObservedAt: day("2026-09-01T00:00:00Z")},
		{Customer: connectors.Ref{Domain: "hooli.com"}, Name: "nps", Value: 10, ObservedAt: day("2026-10-05T12:00:00Z")},
	}
	if !reflect.DeepEqual(got.Signals, want) {
		t.Errorf("signals:\n got %+v\nwant %+v", got.Signals, want)
	}
	wantProblems := []connectors.Problem{
		{Where: "nps.csv:5", Message: `column "value": "11x" is not a number`},
		{Where: "nps.csv:6", Message: `column "observed_at": "last tuesday" is not a date (want RFC 3339 like 2026-11-16T06:00:00Z, or YYYY-MM-DD)`},
		{Where: "nps.csv:7", Message: `column "signal" is empty`},
	}
	if !reflect.DeepEqual(got.Problems, wantProblems) {
		t.Errorf("problems:\n got %v\nwant %v", got.Problems, wantProblems)
	}
}

// An unchanged file is not re-sent; a changed one is re-sent in full.
func TestUnchangedFileIsSkipped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.csv")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("domain,health_score\nacme.io,80\n")
	c := mustNew(t, connectors.Settings{Path: path})

	first := mustSync(t, c, "")
	cursor := first.all().Cursor
	if !strings.HasPrefix(cursor, "sha256:") || len(cursor) != len("sha256:")+64 {
		t.Fatalf("cursor = %q, want sha256:<hex>", cursor)
	}
	if again := mustSync(t, c, cursor); len(again.pages) != 0 {
		t.Errorf("unchanged file: %d pages committed, want none", len(again.pages))
	}

	write("domain,health_score\nacme.io,85\nglobex.com,40\n")
	changed := mustSync(t, c, cursor).all()
	if len(changed.Customers) != 2 || changed.Signals[0].Value != 85 {
		t.Errorf("changed file: got %+v", changed)
	}
	if changed.Cursor == cursor || changed.Cursor == "" {
		t.Errorf("changed file: cursor %q did not move", changed.Cursor)
	}
	// A cursor in some other format (another connector type once had this name) is ignored.
	if other := mustSync(t, c, "2026-01-01"); len(other.all().Customers) != 2 {
		t.Errorf("foreign cursor: file not read")
	}
}

func writeCustomers(t testing.TB, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("domain,name,health_score,nps\n")
	for i := range rows {
		fmt.Fprintf(&b, "c%d.example.com,Customer %d,%d,%d\n", i, i, i%101, i%11)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPages(t *testing.T) {
	c := mustNew(t, connectors.Settings{Path: writeCustomers(t, 1001)}) // 3 records a row
	sink := mustSync(t, c, "")
	if len(sink.pages) != 4 {
		t.Fatalf("got %d pages, want 4 (333 rows of 3 records per page)", len(sink.pages))
	}
	for i, p := range sink.pages {
		if n := p.Records() + len(p.Problems); n > csvfile.PageSize {
			t.Errorf("page %d has %d records", i, n)
		}
		if last := i == len(sink.pages)-1; (p.Cursor != "") != last {
			t.Errorf("page %d: cursor %q; want it on the last page only", i, p.Cursor)
		}
		// A row's customer and signals travel together.
		if len(p.Signals) != 2*len(p.Customers) {
			t.Errorf("page %d: %d customers, %d signals", i, len(p.Customers), len(p.Signals))
		}
	}
	if got := len(sink.all().Customers); got != 1001 {
		t.Errorf("got %d customers, want 1001", got)
	}

	// A file with only a header still commits its cursor, so the next run can skip it.
	empty := filepath.Join(t.TempDir(), "empty.csv")
	if err := os.WriteFile(empty, []byte("domain,nps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := mustSync(t, mustNew(t, connectors.Settings{Path: empty}), ""); len(s.pages) != 1 || s.pages[0].Cursor == "" {
		t.Errorf("header-only file: pages %+v", s.pages)
	}
}

func TestCancelStopsBetweenPages(t *testing.T) {
	c := mustNew(t, connectors.Settings{Path: writeCustomers(t, 3000)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &memSink{after: func(n int) {
		if n == 1 {
			cancel()
		}
	}}
	err := c.Sync(ctx, "", sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync() error = %v, want context.Canceled", err)
	}
	if len(sink.pages) != 1 || sink.pages[0].Cursor != "" {
		t.Errorf("committed %d pages (cursor %q), want 1 without a cursor", len(sink.pages), sink.pages[0].Cursor)
	}
}

func TestEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blank.csv")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := mustNew(t, connectors.Settings{Path: path}).Sync(context.Background(), "", &memSink{})
	if err == nil || !strings.Contains(err.Error(), "blank.csv: file is empty") {
		t.Fatalf("Sync() error = %v", err)
	}
}

// The benchmark file is shaped like the demo export: 5 text columns, 12 signals, a timestamp.
func writeWideCustomers(b *testing.B, rows int) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("domain,name,owner,industry,plan,health_score,ltv,mrr,seats,active_users,product_events_30d," +
		"usage_trend,upsells_12m,tickets_90d,tickets_open,escalations_90d,csat,observed_at\n")
	for i := range rows {
		fmt.Fprintf(&sb, "c%d.example.com,Customer %d,csm%d@acme-saas.io,fintech,growth,%d,%d,%d,%d,%d,%d,%.2f,%d,%d,%d,%d,%d,2026-11-16T06:00:00Z\n",
			i, i, i%6, i%101, 1000+i, 100+i%900, 10+i%90, 5+i%80, 2000+i, 0.8+float64(i%60)/100, i%3, i%20, i%4, i%2, 60+i%41)
	}
	path := filepath.Join(b.TempDir(), "customers.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkSyncCustomers100k(b *testing.B) {
	const rows = 100_000
	c := mustNew(b, connectors.Settings{Path: writeWideCustomers(b, rows)})
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Sync(context.Background(), "", discard{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

type discard struct{}

func (discard) Commit(context.Context, connectors.Page) error { return nil }
