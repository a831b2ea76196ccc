package csvfile_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/csvfile"
)

// TestVerify: doctor's check of a CSV source opens the file and reads its header the way a
// sync does, and reports what a sync would fail on, reading no record.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.csv", "\uFEFFdomain,name,nps\nacme.io,Acme,9\n")
	write("nodomain.csv", "company,nps\nAcme,9\n")
	write("empty.csv", "")
	write("broken.csv", "domain,name,nps\nacme.io,\"Acme,9\n") // a bad row: not the header's problem
	os.Mkdir(filepath.Join(dir, "folder.csv"), 0o755)
	tests := []struct {
		name    string
		s       connectors.Settings
		wantErr string
	}{
		{"header has what the settings need", connectors.Settings{Path: "ok.csv", Signals: map[string]string{"nps": "nps"}}, ""},
		{"automatic columns", connectors.Settings{Path: "ok.csv"}, ""},
		{"rows are not read", connectors.Settings{Path: "broken.csv"}, ""},
		{"mapped column missing", connectors.Settings{Path: "ok.csv", Signals: map[string]string{"health_score": "health"}}, "ok.csv"},
		{"no key column", connectors.Settings{Path: "nodomain.csv"}, "nodomain.csv"},
		{"missing file", connectors.Settings{Path: "gone.csv"}, "gone.csv: open"},
		{"empty file", connectors.Settings{Path: "empty.csv"}, "file is empty"},
		{"a directory", connectors.Settings{Path: "folder.csv"}, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Name, s.Type, s.Dir = "sheet", "csv", dir
			c, err := connectors.New(s)
			if err != nil {
				t.Fatal(err)
			}
			err = c.(interface{ Verify(context.Context) error }).Verify(context.Background())
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
