package connectortest

import (
	"context"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
)

// Sink keeps every page a connector commits, in memory, for tests that look at what a
// connector hands over (pages, cursors) rather than at what the store makes of it.
type Sink struct {
	Pages []connectors.Page
}

// Commit records the page.
func (s *Sink) Commit(_ context.Context, p connectors.Page) error {
	s.Pages = append(s.Pages, p)
	return nil
}

// Cursor is where the next run resumes: the last non-empty cursor committed, "" if none was.
func (s *Sink) Cursor() string {
	for i := len(s.Pages) - 1; i >= 0; i-- {
		if s.Pages[i].Cursor != "" {
			return s.Pages[i].Cursor
		}
	}
	return ""
}

// All is every committed record and problem in commit order, as one page without a cursor.
func (s *Sink) All() connectors.Page {
	var out connectors.Page
	for _, p := range s.Pages {
		out.Customers = append(out.Customers, p.Customers...)
		out.Contacts = append(out.Contacts, p.Contacts...)
		out.Signals = append(out.Signals, p.Signals...)
		out.Problems = append(out.Problems, p.Problems...)
	}
	return out
}

// Connect builds the connector s describes, pointed at srv without real waits (see Point).
func Connect(t testing.TB, s connectors.Settings, srv *Server) connectors.Connector {
	t.Helper()
	c, err := connectors.New(Point(s, srv, &Waits{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Collect builds the connector s describes, runs one sync from cursor and returns what it
// committed. Building or syncing failing fails the test.
func Collect(t testing.TB, s connectors.Settings, cursor string) *Sink {
	t.Helper()
	c, err := connectors.New(s)
	if err != nil {
		t.Fatal(err)
	}
	sink := &Sink{}
	if err := c.Sync(context.Background(), cursor, sink); err != nil {
		t.Fatalf("sync: %v", err)
	}
	return sink
}
