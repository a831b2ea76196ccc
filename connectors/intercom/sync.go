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
	// Contacts caches each contact's companies between runs (see contactCacheTTL); only the
	// cursor a finished pass leaves holds it, so the cursors of the scroll stay small.
	Contacts map[string]cachedContact `json:"contacts,omitempty"`
}

// cachedContact is a contact's companies as read at At (Unix seconds). Short JSON names keep
// the cursor small.
type cachedContact struct {
	Companies []string `json:"c,omitempty"`
	At        int64    `json:"t"`
}

// Contact lookup bounds (see the package doc).
const (
	// contactBatch is the ids per contact search: Intercom's largest search page (per_page
	// ≤ 150), so each search answers in one page.
	contactBatch = 150
	// contactCacheTTL is how long a contact's companies are trusted before they are read again:
	// a contact moved to another company counts for the new one within a week.
	contactCacheTTL = 7 * 24 * time.Hour
	// maxCachedContacts bounds the cache in the cursor (about 70 bytes an entry).
	maxCachedContacts = 20_000
)

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
		counts, cache, err := c.countConversations(ctx, now, st.Contacts)
		if err != nil {
			return err
		}
		st = state{Phase: phaseCompanies, ObservedAt: now, Stats: counts, Contacts: cache}
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

// countConversations counts the pass's conversations per company, reading the companies of
// contacts not in cache (or read too long ago). It returns the counts and the cache to keep:
// this pass's contacts.
func (c *Connector) countConversations(ctx context.Context, now time.Time, cache map[string]cachedContact) (map[string]*stats, map[string]cachedContact, error) {
	since := now.Add(-Window)
	convs, err := c.searchConversations(ctx, since)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, conv := range convs {
		for _, id := range conv.Contacts {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	companiesOf, err := c.resolveContacts(ctx, ids, cache, now)
	if err != nil {
		return nil, nil, err
	}
	counts := aggregate(convs, func(conv conversation) []string {
		var out []string
		for _, id := range conv.Contacts {
			for _, co := range companiesOf[id].Companies {
				if !slices.Contains(out, co) {
					out = append(out, co)
				}
			}
		}
		return out
	}, since)
	if len(companiesOf) > maxCachedContacts {
		keep := make(map[string]cachedContact, maxCachedContacts)
		for _, id := range ids[:maxCachedContacts] {
			keep[id] = companiesOf[id]
		}
		companiesOf = keep
	}
	return counts, companiesOf, nil
}

// searchConversations reads every conversation created since since or not closed.
func (c *Connector) searchConversations(ctx context.Context, since time.Time) ([]conversation, error) {
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
	return convs, nil
}

// resolveContacts returns the companies of each contact in ids: from the cache when read
// within contactCacheTTL, else by contact search, contactBatch ids a call. A contact the search
// does not return (Intercom indexes a new contact only after a few minutes) is read by id.
func (c *Connector) resolveContacts(ctx context.Context, ids []string, cache map[string]cachedContact, now time.Time) (map[string]cachedContact, error) {
	out := make(map[string]cachedContact, len(ids))
	var stale []string
	for _, id := range ids {
		if e, ok := cache[id]; ok && e.At <= now.Unix() && now.Sub(time.Unix(e.At, 0)) < contactCacheTTL {
			out[id] = e
			continue
		}
		stale = append(stale, id)
	}
	for batch := range slices.Chunk(stale, contactBatch) {
		found, err := c.searchContacts(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, id := range batch {
			cos, ok := found[id]
			if !ok {
				if cos, err = c.contactCompanies(ctx, id); err != nil {
					return nil, err
				}
			}
			out[id] = cachedContact{Companies: cos, At: now.Unix()}
		}
	}
	return out, nil
}

// contactRecord is the part of a contact the connector reads: its companies as the contact
// lists them (up to 10, Intercom's embedded limit).
type contactRecord struct {
	ID        string `json:"id"`
	Companies struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	} `json:"companies"`
}

func (ct contactRecord) companyIDs() []string {
	out := make([]string, 0, len(ct.Companies.Data))
	for _, co := range ct.Companies.Data {
		if co.ID != "" {
			out = append(out, co.ID)
		}
	}
	return out
}

// searchContacts reads the contacts with the given ids (POST /contacts/search, id IN [...])
// and returns the companies of those it found.
func (c *Connector) searchContacts(ctx context.Context, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	after := ""
	for page := 1; ; page++ {
		pagination := map[string]any{"per_page": contactBatch}
		if after != "" {
			pagination["starting_after"] = after
		}
		var p struct {
			Data  []contactRecord `json:"data"`
			Pages struct {
				Next *struct {
					StartingAfter string `json:"starting_after"`
				} `json:"next"`
			} `json:"pages"`
		}
		err := c.api.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/contacts/search",
			Body: map[string]any{"query": map[string]any{"field": "id", "operator": "IN", "value": ids}, "pagination": pagination}}, &p)
		if err != nil {
			return nil, fmt.Errorf("intercom: search %d contacts by id: %w", len(ids), err)
		}
		for _, ct := range p.Data {
			if ct.ID != "" {
				out[ct.ID] = ct.companyIDs()
			}
		}
		if p.Pages.Next == nil || p.Pages.Next.StartingAfter == "" || p.Pages.Next.StartingAfter == after {
			return out, nil
		}
		after = p.Pages.Next.StartingAfter
	}
}

// contactCompanies returns the ids of a contact's companies (GET /contacts/{id}); a contact
// deleted since the conversation has none.
func (c *Connector) contactCompanies(ctx context.Context, id string) ([]string, error) {
	var ct contactRecord
	err := c.api.JSON(ctx, connectors.Request{Path: "/contacts/" + url.PathEscape(id)}, &ct)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intercom: read contact %s: %w", id, err)
	}
	return ct.companyIDs(), nil
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
		if err := c.placeByContacts(ctx, &page); err != nil { // companies without a website (domains.go)
			return err
		}
		last := len(p.Data) == 0 || p.ScrollParam == ""
		if last {
			// Pass done: the next run starts a new one, with the contacts this one read.
			page.Cursor = connectors.EncodeCursor(state{Contacts: st.Contacts})
		} else {
			// A scroll cannot be resumed, so the cursor only keeps the pass's counts (a run
			// resumed here ends without the contact cache: the next pass reads them again).
			mid := st
			mid.Contacts = nil
			page.Cursor = connectors.EncodeCursor(mid)
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
