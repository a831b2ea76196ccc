package csvfile_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
)

func syncBody(t *testing.T, body string) (*memSink, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	err := mustNew(t, connectors.Settings{Path: path}).Sync(context.Background(), "", sink)
	return sink, err
}

// One unterminated quote in the middle of a file is reported with its line and every other row
// loads, including later quoted cells and a legitimate cell spanning lines. Before, the stray
// quote swallowed the rest of the file: 1 problem, 2 of 7 customers loaded, status ok.
func TestStrayQuoteCostsOneRow(t *testing.T) {
	body := "domain,name,nps\n" +
		"a.io,A,9\n" +
		"b.io,\"Bee, Inc\",8\n" +
		"c.io,\"Cee,7\n" + // line 4: the quote never closes
		"d.io,Dee,6\n" +
		"e.io,\"Ee, Ltd\",5\n" + // would "close" line 4's quote mid-cell
		"f.io,\"Eff\nCorp\",4\n" + // lines 7-8: one quoted cell over two lines
		"g.io,\"Gee \"\"G\"\"\",3\n"
	sink, err := syncBody(t, body)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	got := sink.all()
	var names []string
	for _, c := range got.Customers {
		names = append(names, c.Domain+"="+c.Name)
	}
	want := []string{"a.io=A", "b.io=Bee, Inc", "d.io=Dee", "e.io=Ee, Ltd", "f.io=Eff\nCorp", "g.io=Gee \"G\""}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("loaded %q\nwant   %q", names, want)
	}
	if len(got.Problems) != 1 || got.Problems[0].Where != "f.csv:4" || !strings.Contains(got.Problems[0].Message, "quote") {
		t.Errorf("problems = %v, want one for f.csv:4 about its quote", got.Problems)
	}
	// Line numbers after the stray quote are still the file's.
	sink, _ = syncBody(t, body+"h.io,H,ten\n")
	if ps := sink.all().Problems; len(ps) != 2 || ps[1].Where != "f.csv:10" {
		t.Errorf("problems = %v, want the bad nps reported at f.csv:10", ps)
	}
}

// A file that cannot be read past a stray quote fails the run instead of reporting success.
func TestUnrecoverableQuoteFailsTheRun(t *testing.T) {
	body := "domain,name,nps\na.io,A,9\nb.io,\"Bee,8\nc.io,\"Cee,7\nd.io,\"Dee,6\n"
	_, err := syncBody(t, body)
	if err == nil || !strings.Contains(err.Error(), "f.csv:3") {
		t.Fatalf("Sync = %v, want an error naming f.csv:3", err)
	}
}

// Values outside a signal's range (connectors.SignalRanges) are a bad row, like a bad number.
func TestOutOfRangeValuesAreBadRows(t *testing.T) {
	sink, err := syncBody(t, "domain,nps,health_score\na.io,11,50\nb.io,9,-3\nc.io,9,50\n")
	if err != nil {
		t.Fatal(err)
	}
	got := sink.all()
	want := []connectors.Problem{
		{Where: "f.csv:2", Message: `column "nps": nps must be between 0 and 10, got 11`},
		{Where: "f.csv:3", Message: `column "health_score": health_score must be between 0 and 100, got -3`},
	}
	if !reflect.DeepEqual(got.Problems, want) || len(got.Customers) != 1 {
		t.Errorf("problems %v, %d customers; want %v and c.io alone", got.Problems, len(got.Customers), want)
	}
}
