package examples_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/csvfile" // registers type csv
	"github.com/advocate-hq/advocate/examples"
	"github.com/advocate-hq/advocate/internal/sampledata"
)

// The checked-in files are exactly what the generator makes, so they never drift from it.
func TestFilesMatchGenerator(t *testing.T) {
	want, err := sampledata.Demo().Files()
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := fs.Glob(examples.FS, "*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(embedded) != len(want) {
		t.Errorf("embedded files %v, generator makes %d", embedded, len(want))
	}
	for name, data := range want {
		got, err := examples.FS.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("examples/%s differs from the generator's output; run `go generate ./examples`", name)
		}
	}
	if !examples.AsOf.Equal(sampledata.RefDate) {
		t.Errorf("AsOf = %v, generator's reference date %v", examples.AsOf, sampledata.RefDate)
	}
}

type memSink struct{ page connectors.Page }

func (s *memSink) Commit(_ context.Context, p connectors.Page) error {
	s.page.Customers = append(s.page.Customers, p.Customers...)
	s.page.Contacts = append(s.page.Contacts, p.Contacts...)
	s.page.Signals = append(s.page.Signals, p.Signals...)
	s.page.Problems = append(s.page.Problems, p.Problems...)
	return nil
}

// The demo loads cleanly through the real csv connector.
func TestDemoConnectorsLoad(t *testing.T) {
	dir := t.TempDir()
	if err := examples.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	got := map[string]*memSink{}
	for _, s := range examples.DemoConnectors(dir) {
		c, err := connectors.New(s)
		if err != nil {
			t.Fatal(err)
		}
		sink := &memSink{}
		if err := c.Sync(context.Background(), "", sink); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if len(sink.page.Problems) > 0 {
			t.Errorf("%s: %d problems, first %v", s.Name, len(sink.page.Problems), sink.page.Problems[0])
		}
		got[s.Name] = sink
	}

	d := sampledata.Demo()
	crm := got["crm"].page
	if len(crm.Customers) != len(d.Customers) || len(crm.Customers) < 450 || len(crm.Customers) > 550 {
		t.Errorf("crm: %d customers, want ~500 (%d generated)", len(crm.Customers), len(d.Customers))
	}
	for _, c := range crm.Customers {
		if c.Domain == "" || c.Owner == "" || c.Attributes["is_partner"] == "" || c.Attributes["plan"] == "" {
			t.Fatalf("crm: incomplete customer %+v", c)
		}
	}
	present := 0
	for _, c := range d.Customers {
		present += len(c.Signals)
	}
	if len(crm.Signals) != present {
		t.Errorf("crm: %d signals, want %d (empty cells are missing, not zero)", len(crm.Signals), present)
	}
	if n := len(got["people"].page.Contacts); n != len(d.Contacts) {
		t.Errorf("people: %d contacts, want %d", n, len(d.Contacts))
	}
	nps := got["nps"].page.Signals
	if len(nps) != len(d.NPS) || nps[0].Name != "nps" {
		t.Errorf("nps: %d answers, want %d", len(nps), len(d.NPS))
	}
}

// Every column of customers.csv reaches Advocate: none is silently left out of the mapping.
func TestDemoConnectorsMapEveryColumn(t *testing.T) {
	f, err := examples.FS.Open("customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if err != nil {
		t.Fatal(err)
	}
	crm := examples.DemoConnectors("")[0]
	var mapped []string
	for _, m := range []map[string]string{crm.Columns, crm.Signals, crm.Attributes} {
		for _, col := range m {
			mapped = append(mapped, col)
		}
	}
	for _, col := range header {
		if !slices.Contains(mapped, col) {
			t.Errorf("column %q of customers.csv is not mapped by DemoConnectors", col)
		}
	}
}

func TestWriteFilesCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo", "data")
	if err := examples.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"customers.csv", "contacts.csv", "nps.csv"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		want, _ := examples.FS.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: not copied intact (%v)", name, err)
		}
	}
}
