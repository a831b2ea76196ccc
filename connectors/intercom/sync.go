package intercom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// phaseCompanies marks a cursor whose counts are done and whose companies are being scrolled.
// The zero cursor starts a pass with the conversation phase.
const phaseCompanies = "companies"

// state is the connector's cursor.
type state struct {
	Phase string `json:"phase,omitempty"`
	// ObservedAt is when the pass started: every signal of the pass carries it, so a resumed
	// pass writes exactly what an uninterrupted one would.
	ObservedAt time.Time `json:"observed_at,omitzero"`
	// Stats are the pass's counts per company id (companies with no conversation omitted).
	Stats map[string]*stats `json:"stats,omitempty"`
}

// Scroll recovery bounds (see the package doc).
const (
	maxScrollAttempts = 4
	// scrollIdleExpiry is how long Intercom keeps an idle scroll open, plus a margin.
	scrollIdleExpiry = 65 * time.Second
)

// Sync runs one pass, or finishes the one a failed run left: count conversations, then scroll
// the companies with their signals.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	var st state
	if err := connectors.DecodeCursor(cursor, &st); err != nil {
		return err
	}
	if st.Phase != phaseCompanies {
		now := c.s.Now().UTC()
		counts, err := c.countConversations(ctx, now)
		if err != nil {
			return err
		}
		st = state{Phase: phaseCompanies, ObservedAt: now, Stats: counts}
	}
	return c.scrollCompanies(ctx, st, sink)
}

// searchPage is one answer of POST /conversations/search.
type searchPage struct {
	Conversations []conversation `json:"conversations"`
	Pages         struct {
		Next *struct {
			StartingAfter string `json:"starting_after"`
		} `json:"next"`
	} `json:"pages"`
}

// searchQuery selects the conversations a pass needs: created in the window, or not closed.
func searchQuery(since time.Time) map[string]any {
	return map[string]any{
		"operator": "OR",
		"value": []map[string]any{
			// ">" is strict: one second earlier keeps a conversation created at the window start.
			{"field": "created_at", "operator": ">", "value": strconv.FormatInt(since.Unix()-1, 10)},
			{"field": "state", "operator": "!=", "value": "closed"},
		},
	}
}

func (c *Connector) countConversations(ctx context.Context, now time.Time) (map[string]*stats, error) {
	since := now.Add(-Window)
	var convs []conversation
	after := ""
	for page := 1; ; page++ {
		pagination := map[string]any{"per_page": c.pageSize}
		if after != "" {
			pagination["starting_after"] = after
		}
		var p searchPage
		err := c.api.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/conversations/search",
			Body: map[string]any{"query": searchQuery(since), "pagination": pagination}}, &p)
		if err != nil {
			return nil, fmt.Errorf("intercom: search conversations since %s: %w", since.Format(time.RFC3339), err)
		}
		convs = append(convs, p.Conversations...)
		if p.Pages.Next == nil || p.Pages.Next.StartingAfter == "" {
			break
		}
		if p.Pages.Next.StartingAfter == after {
			return nil, fmt.Errorf("intercom: search conversations: page %d points at itself as the next page", page)
		}
		after = p.Pages.Next.StartingAfter
	}

	// Each contact is looked up once per pass.
	companiesOf := map[string][]string{}
	for _, conv := range convs {
		for _, id := range conv.Contacts {
			if _, done := companiesOf[id]; done {
				continue
			}
			cos, err := c.contactCompanies(ctx, id)
			if err != nil {
				return nil, err
			}
			companiesOf[id] = cos
		}
	}
	return aggregate(convs, func(conv conversation) []string {
		var out []string
		for _, id := range conv.Contacts {
			for _, co := range companiesOf[id] {
				if !slices.Contains(out, co) {
					out = append(out, co)
				}
			}
		}
		return out
	}, since), nil
}

// contactCompanies returns the ids of a contact's companies; a contact deleted since the
// conversation has none.
func (c *Connector) contactCompanies(ctx context.Context, id string) ([]string, error) {
	var ct struct {
		Companies struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		} `json:"companies"`
	}
	err := c.api.JSON(ctx, connectors.Request{Path: "/contacts/" + url.PathEscape(id)}, &ct)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intercom: read contact %s: %w", id, err)
	}
	out := make([]string, 0, len(ct.Companies.Data))
	for _, co := range ct.Companies.Data {
		if co.ID != "" {
			out = append(out, co.ID)
		}
	}
	return out, nil
}

// status is the HTTP status of a vendor error, or 0.
func status(err error) int {
	var se *connectors.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// scrollPage is one answer of GET /companies/scroll.
type scrollPage struct {
	Data        []company `json:"data"`
	ScrollParam string    `json:"scroll_param"`
}

// errRestart asks scrollCompanies to begin the scroll again.
type errRestart struct {
	why string
	err error
}

func (e *errRestart) Error() string { return e.why + ": " + e.err.Error() }
func (e *errRestart) Unwrap() error { return e.err }

// scrollCompanies commits every company with its signals, restarting the scroll when Intercom
// drops it and waiting out another open scroll.
func (c *Connector) scrollCompanies(ctx context.Context, st state, sink connectors.Sink) error {
	var err error
	for attempt := 1; attempt <= maxScrollAttempts; attempt++ {
		err = c.scrollOnce(ctx, st, sink)
		var restart *errRestart
		if !errors.As(err, &restart) {
			break
		}
		if attempt == maxScrollAttempts {
			break
		}
		c.log().Warn("intercom: restarting the company scroll", "connector", c.s.Name, "reason", restart.why, "attempt", attempt)
		if restart.why == whyExists {
			if err := c.sleep(ctx, scrollIdleExpiry); err != nil {
				return fmt.Errorf("intercom: wait for the open company scroll to expire: %w", err)
			}
		}
	}
	if err != nil {
		var r *errRestart
		if errors.As(err, &r) && r.why == whyExists {
			return fmt.Errorf("intercom: scroll companies: another client keeps this workspace's only company scroll open (Intercom allows one; it expires after a minute idle): %w", err)
		}
		return fmt.Errorf("intercom: scroll companies: %w", err)
	}
	return nil
}

const (
	whyExists  = "a company scroll is already open"
	whyExpired = "the company scroll expired"
	whyRetry   = "Intercom asked to restart the scroll"
)

// scrollOnce reads one scroll from its beginning to its end (an empty page, which also closes
// it on Intercom's side).
func (c *Connector) scrollOnce(ctx context.Context, st state, sink connectors.Sink) error {
	param := ""
	for {
		q := url.Values{}
		if param != "" {
			q.Set("scroll_param", param)
		}
		var p scrollPage
		err := c.api.JSON(ctx, connectors.Request{Path: "/companies/scroll", Query: q}, &p)
		if err != nil {
			return classifyScrollError(err, param != "")
		}
		var page connectors.Page
		for _, co := range p.Data {
			if co.ID == "" {
				page.Problems = append(page.Problems, connectors.Problem{Where: c.s.Name + ": company " + co.Name, Message: "company without an id skipped"})
				continue
			}
			cust, probs := c.customer(co)
			page.Problems = append(page.Problems, probs...)
			page.Customers = append(page.Customers, cust)
			page.Signals = append(page.Signals, signals(cust.Ref, st.Stats[cust.ExternalID], st.ObservedAt)...)
		}
		last := len(p.Data) == 0 || p.ScrollParam == ""
		if last {
			page.Cursor = connectors.EncodeCursor(state{}) // pass done: the next run starts a new one
		} else {
			// A scroll cannot be resumed, so the cursor only keeps the pass's counts.
			page.Cursor = connectors.EncodeCursor(st)
		}
		if err := sink.Commit(ctx, page); err != nil {
			return err
		}
		if last {
			return nil
		}
		param = p.ScrollParam
	}
}

// classifyScrollError tells the errors a new scroll fixes from the rest. Intercom answers a
// second scroll with 400 scroll_exists, an expired scroll_param with 404 not_found, and a
// network failure inside a scroll with 500 "... Please restart the scroll operation".
func classifyScrollError(err error, midScroll bool) error {
	var se *connectors.StatusError
	if !errors.As(err, &se) {
		return err
	}
	msg := strings.ToLower(se.Message)
	switch {
	case !midScroll && se.Status == http.StatusBadRequest && strings.Contains(msg, "scroll"):
		return &errRestart{whyExists, err}
	case midScroll && (se.Status == http.StatusNotFound || (se.Status == http.StatusBadRequest && strings.Contains(msg, "scroll"))):
		return &errRestart{whyExpired, err}
	case midScroll && se.Status >= 500 && strings.Contains(msg, "restart the scroll"):
		return &errRestart{whyRetry, err}
	}
	return err
}

func (c *Connector) log() *slog.Logger {
	if c.s.Runtime.Log != nil {
		return c.s.Runtime.Log
	}
	return slog.Default()
}

func (c *Connector) sleep(ctx context.Context, d time.Duration) error {
	if c.s.Runtime.Sleep != nil {
		return c.s.Runtime.Sleep(ctx, d)
	}
	return connectors.SleepContext(ctx, d)
}
