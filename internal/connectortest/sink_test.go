package connectortest

import (
	"context"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
)

func TestSinkCursorIsWhereTheNextRunResumes(t *testing.T) {
	tests := []struct {
		name    string
		cursors []string // one committed page each
		want    string
	}{
		{"NothingCommitted", nil, ""},
		{"LastPage", []string{"a", "b"}, "b"},
		{"EmptyCursorKeepsThePrevious", []string{"a", "b", ""}, "b"},
		{"NoCursorAtAll", []string{"", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Sink{}
			for _, c := range tt.cursors {
				if err := s.Commit(context.Background(), connectors.Page{Cursor: c}); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.Cursor(); got != tt.want {
				t.Errorf("Cursor() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSinkAllKeepsCommitOrder(t *testing.T) {
	s := &Sink{}
	acme, globex := connectors.Ref{Domain: "acme.io"}, connectors.Ref{Domain: "globex.com"}
	s.Commit(context.Background(), connectors.Page{Customers: []connectors.Customer{{Ref: acme}},
		Signals: []connectors.Signal{{Customer: acme, Name: "nps"}}, Cursor: "1"})
	s.Commit(context.Background(), connectors.Page{Customers: []connectors.Customer{{Ref: globex}},
		Contacts: []connectors.Contact{{Customer: globex, Email: "a@globex.com"}},
		Problems: []connectors.Problem{{Where: "row 3", Message: "bad"}}, Cursor: "2"})
	all := s.All()
	if len(all.Customers) != 2 || all.Customers[0].Ref != acme || all.Customers[1].Ref != globex {
		t.Errorf("customers = %+v, want acme.io then globex.com", all.Customers)
	}
	if len(all.Signals) != 1 || len(all.Contacts) != 1 || len(all.Problems) != 1 || all.Cursor != "" {
		t.Errorf("All() = %+v, want 1 signal, 1 contact, 1 problem and no cursor", all)
	}
}
