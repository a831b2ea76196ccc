package zendesk

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// phaseOrgs marks a cursor whose ticket counts are done and whose organizations are being
// listed. The zero cursor starts a pass with the ticket phase.
const phaseOrgs = "orgs"

// state is the connector's cursor.
type state struct {
	Phase string `json:"phase,omitempty"`
	// After is the organizations page cursor to resume from ("" = the first page).
	After string `json:"after,omitempty"`
	// ObservedAt is when the pass started: every signal of the pass carries it, so a resumed
	// pass writes exactly what an uninterrupted one would.
	ObservedAt time.Time `json:"observed_at,omitzero"`
	// Stats are the pass's counts per organization id (organizations with no ticket omitted).
	Stats map[string]*stats `json:"stats,omitempty"`
}

// Sync runs one pass, or finishes the one a failed run left: count tickets, then list the
// organizations with their signals.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	var st state
	if err := connectors.DecodeCursor(cursor, &st); err != nil {
		return err
	}
	if st.Phase != phaseOrgs {
		now := c.s.Now().UTC()
		counts, err := c.countTickets(ctx, now)
		if err != nil {
			return err
		}
		st = state{Phase: phaseOrgs, ObservedAt: now, Stats: counts}
	}
	return c.listOrganizations(ctx, st, sink)
}

// exportPage is one answer of the cursor-based incremental ticket export.
type exportPage struct {
	Tickets     []ticket `json:"tickets"`
	AfterCursor string   `json:"after_cursor"`
	EndOfStream bool     `json:"end_of_stream"`
}

// cursorPage is one answer of an endpoint with cursor pagination (organizations, search export).
type cursorPage struct {
	Organizations []organization `json:"organizations"`
	Results       []ticket       `json:"results"`
	Meta          struct {
		HasMore     bool   `json:"has_more"`
		AfterCursor string `json:"after_cursor"`
	} `json:"meta"`
}

// countTickets reads the window's tickets and the open tickets and counts them per organization.
func (c *Connector) countTickets(ctx context.Context, now time.Time) (map[string]*stats, error) {
	since := now.Add(-Window)
	var window []ticket
	q := url.Values{"start_time": {strconv.FormatInt(since.Unix(), 10)}}
	for pages := 0; ; pages++ {
		q.Set("per_page", strconv.Itoa(c.exportPageSize))
		q.Set("exclude_deleted", "true")
		var p exportPage
		if err := c.export.JSON(ctx, connectors.Request{Path: "/api/v2/incremental/tickets/cursor.json", Query: q}, &p); err != nil {
			return nil, fmt.Errorf("zendesk: export tickets since %s: %w", since.Format(time.RFC3339), err)
		}
		for _, t := range p.Tickets {
			// Tickets created before the window matter for nothing this phase counts.
			if !t.CreatedAt.Before(since) {
				window = append(window, t)
			}
		}
		if p.EndOfStream {
			break
		}
		if p.AfterCursor == "" || p.AfterCursor == q.Get("cursor") {
			return nil, fmt.Errorf("zendesk: export tickets: page %d has end_of_stream=false but no new after_cursor", pages+1)
		}
		q = url.Values{"cursor": {p.AfterCursor}}
	}

	var open []ticket
	err := c.eachCursorPage(ctx, "/api/v2/search/export.json",
		url.Values{"query": {"status<solved"}, "filter[type]": {"ticket"}}, "",
		func(p cursorPage, _ string) error { open = append(open, p.Results...); return nil })
	if err != nil {
		return nil, fmt.Errorf("zendesk: list open tickets: %w", err)
	}
	return aggregate(window, open, since), nil
}

// eachCursorPage walks an endpoint with cursor pagination (page[size], page[after],
// meta.has_more, meta.after_cursor) from after, handing each page and the cursor of the page
// after it ("" on the last page) to fn.
func (c *Connector) eachCursorPage(ctx context.Context, path string, q url.Values, after string, fn func(p cursorPage, next string) error) error {
	cur := after
	for {
		pq := url.Values{"page[size]": {strconv.Itoa(c.pageSize)}}
		for k, v := range q {
			pq[k] = v
		}
		if cur != "" {
			pq.Set("page[after]", cur)
		}
		var p cursorPage
		if err := c.api.JSON(ctx, connectors.Request{Path: path, Query: pq}, &p); err != nil {
			return err
		}
		next := ""
		if p.Meta.HasMore {
			if p.Meta.AfterCursor == "" || p.Meta.AfterCursor == cur {
				return fmt.Errorf("GET %s: has_more=true but no new meta.after_cursor", path)
			}
			next = p.Meta.AfterCursor
		}
		if err := fn(p, next); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		cur = next
	}
}

// listOrganizations commits every organization with its signals, one page at a time, each page
// with the cursor that resumes after it; the last page's cursor starts the next pass.
func (c *Connector) listOrganizations(ctx context.Context, st state, sink connectors.Sink) error {
	err := c.eachCursorPage(ctx, "/api/v2/organizations.json", nil, st.After, func(p cursorPage, next string) error {
		var page connectors.Page
		for _, o := range p.Organizations {
			cust := o.customer()
			page.Customers = append(page.Customers, cust)
			page.Signals = append(page.Signals, signals(cust.Ref, st.Stats[cust.ExternalID], st.ObservedAt)...)
		}
		if next != "" {
			st.After = next
			page.Cursor = connectors.EncodeCursor(st)
		} else {
			page.Cursor = connectors.EncodeCursor(state{}) // pass done: the next run starts a new one
		}
		return sink.Commit(ctx, page)
	})
	if err != nil {
		return fmt.Errorf("zendesk: list organizations: %w", err)
	}
	return nil
}
