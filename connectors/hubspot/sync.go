package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// Passes and the phases (object types) each reads, in order. A full pass reads deals first
// so that it can emit upsells_12m with each company.
const (
	passFull        = "full"
	passIncremental = "incremental"

	phaseDeals     = "deals"
	phaseCompanies = "companies"
	phaseContacts  = "contacts"
)

var phases = map[string][]string{
	passFull:        {phaseDeals, phaseCompanies, phaseContacts},
	passIncremental: {phaseCompanies, phaseContacts},
}

// modifiedProp is the last-modified property of each object type. Contacts differ: filtering
// them on hs_lastmodifieddate silently finds nothing.
var modifiedProp = map[string]string{
	phaseCompanies: "hs_lastmodifieddate",
	phaseContacts:  "lastmodifieddate",
	phaseDeals:     "hs_lastmodifieddate",
}

// commitEvery is how many records are read before a commit: HubSpot's pages (100 or 200) are
// small enough that a transaction per page would cost more than the records, and a crash
// re-reads at most this many. A phase's end is always committed.
const commitEvery = 1000

// state is the cursor. Between passes only HWM and LastFull are set. Times are epoch ms.
type state struct {
	Pass  string `json:"pass,omitempty"`  // full | incremental; "" between passes
	Phase string `json:"phase,omitempty"` // deals | companies | contacts
	After string `json:"after,omitempty"` // paging token of the next page of the phase
	// PassAt is when the pass began (our clock): upsells_12m is counted and observed as of it.
	PassAt int64 `json:"pass_at,omitempty"`
	// PhaseAt is when the phase began (our clock): a full pass's high-water mark never passes it.
	PhaseAt int64 `json:"phase_at,omitempty"`
	// From is the lower bound (GTE) of the current search query; MaxSeen the newest
	// last-modified time the phase has read.
	From    int64 `json:"from,omitempty"`
	MaxSeen int64 `json:"max_seen,omitempty"`
	// Upsells counts expansion deals per company id during a full pass.
	Upsells map[string]int `json:"upsells,omitempty"`
	// FirstWon is, per company id, the closedate (epoch ms) of its earliest won deal during a
	// full pass: customer_since for companies without hs_lifecyclestage_customer_date. One
	// entry per company with a won deal (about 30 bytes each).
	FirstWon map[string]int64 `json:"first_won,omitempty"`
	// HWM is the high-water mark per object type for the next incremental pass.
	HWM map[string]int64 `json:"hwm,omitempty"`
	// LastFull is when the last completed full pass began.
	LastFull int64 `json:"last_full,omitempty"`
}

// Sync finishes the pass the cursor is in, or starts one: a full pass when none has completed
// within full_sync_every, else an incremental one. Every commit carries the cursor that
// resumes after the records it holds.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	var st state
	if err := connectors.DecodeCursor(cursor, &st); err != nil {
		return err
	}
	owners, err := c.owners(ctx)
	if err != nil {
		return err
	}
	if st.Pass == "" {
		c.begin(&st)
	}
	var (
		p        connectors.Page
		buffered int
	)
	for st.Pass != "" {
		if err := ctx.Err(); err != nil {
			return err
		}
		objs, next, err := c.fetch(ctx, &st)
		if err != nil {
			return err
		}
		c.absorb(&st, objs, owners, &p)
		if st.Phase == phaseCompanies {
			if err := c.placeByContacts(ctx, &p); err != nil {
				return err
			}
		}
		buffered += len(objs)
		phase := st.Phase
		st.After = next
		if next == "" {
			c.endPhase(&st)
		}
		if next == "" || buffered >= commitEvery {
			p.Cursor = connectors.EncodeCursor(st)
			if err := sink.Commit(ctx, p); err != nil {
				return fmt.Errorf("hubspot: commit %s: %w", phase, err)
			}
			p, buffered = connectors.Page{}, 0
		}
	}
	return nil
}

// fetch reads the phase's next page: a full pass pages the list endpoint, an incremental one
// the search endpoint.
func (c *Connector) fetch(ctx context.Context, st *state) ([]object, string, error) {
	if st.Pass == passFull {
		return c.list(ctx, st.Phase, st.After)
	}
	return c.searchPage(ctx, st)
}

// absorb takes one page of the phase's objects into the cursor (the newest modification seen,
// expansion-deal counts) and into the page to commit (customers, signals, contacts).
func (c *Connector) absorb(st *state, objs []object, owners map[string]string, p *connectors.Page) {
	passAt := time.UnixMilli(st.PassAt).UTC()
	for _, o := range objs {
		if t, ok := o.modified(modifiedProp[st.Phase]); ok {
			st.MaxSeen = max(st.MaxSeen, t.UnixMilli())
		}
		switch st.Phase {
		case phaseDeals:
			c.countDeal(st, o, passAt)
		case phaseCompanies:
			cust, sigs, probs := c.mapCompany(o, owners, st.FirstWon[string(o.ID)], passAt)
			if st.Pass == passFull {
				sigs = append(sigs, connectors.Signal{Customer: cust.Ref, Name: "upsells_12m",
					Value: float64(st.Upsells[cust.ExternalID]), ObservedAt: passAt})
			}
			p.Customers = append(p.Customers, cust)
			p.Signals = append(p.Signals, sigs...)
			p.Problems = append(p.Problems, probs...)
		case phaseContacts:
			if ct, ok := c.mapContact(o); ok {
				p.Contacts = append(p.Contacts, ct)
			}
		}
	}
}

// countDeal takes one deal of a full pass into the per-company expansion count and earliest
// won closedate.
func (c *Connector) countDeal(st *state, o object, passAt time.Time) {
	if company, ok := c.upsell(o, passAt); ok {
		if st.Upsells == nil {
			st.Upsells = map[string]int{}
		}
		st.Upsells[company]++
	}
	if company, closed, ok := firstWon(o, passAt); ok {
		if st.FirstWon == nil {
			st.FirstWon = map[string]int64{}
		}
		if prev, seen := st.FirstWon[company]; !seen || closed < prev {
			st.FirstWon[company] = closed
		}
	}
}

// begin starts a pass.
func (c *Connector) begin(st *state) {
	now := c.s.Now()
	st.Pass = passIncremental
	if st.LastFull == 0 || now.Sub(time.UnixMilli(st.LastFull)) >= c.options.fullEvery {
		st.Pass = passFull
	}
	st.PassAt, st.Upsells, st.FirstWon = now.UnixMilli(), nil, nil
	c.enterPhase(st, phases[st.Pass][0])
}

func (c *Connector) enterPhase(st *state, phase string) {
	st.Phase, st.After, st.MaxSeen = phase, "", 0
	st.PhaseAt = c.s.Now().UnixMilli()
	// Reach back by the overlap: HubSpot's search index lags behind edits.
	st.From = max(st.HWM[phase]-connectors.Overlap.Milliseconds(), 0)
}

// endPhase records the phase's high-water mark and moves to the next phase, or ends the pass.
func (c *Connector) endPhase(st *state) {
	if st.Phase != phaseDeals {
		if st.HWM == nil {
			st.HWM = map[string]int64{}
		}
		if st.Pass == passFull {
			// A list read is not ordered by modification: a record edited after we read it is
			// newer than the phase start, but maybe older than the newest one we saw.
			hwm := st.PhaseAt
			if st.MaxSeen > 0 {
				hwm = min(hwm, st.MaxSeen)
			}
			st.HWM[st.Phase] = hwm
		} else {
			st.HWM[st.Phase] = max(st.HWM[st.Phase], st.MaxSeen)
		}
	}
	ps := phases[st.Pass]
	for i, p := range ps {
		if p == st.Phase && i+1 < len(ps) {
			c.enterPhase(st, ps[i+1])
			return
		}
	}
	if st.Pass == passFull {
		st.LastFull = st.PassAt
	}
	*st = state{HWM: st.HWM, LastFull: st.LastFull}
}

// owners maps owner ids to the owners' emails (GET /crm/v3/owners, active owners).
func (c *Connector) owners(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	after := ""
	for {
		var resp struct {
			Results []struct {
				ID    prop   `json:"id"`
				Email string `json:"email"`
			} `json:"results"`
			paging
		}
		q := url.Values{"limit": {strconv.Itoa(listLimit)}}
		if after != "" {
			q.Set("after", after)
		}
		if err := c.api.JSON(ctx, connectors.Request{Path: "/crm/v3/owners", Query: q}, &resp); err != nil {
			return nil, fmt.Errorf("hubspot: list owners: %w", err)
		}
		for _, o := range resp.Results {
			if e := connectors.NormalizeEmail(o.Email); e != "" {
				out[string(o.ID)] = e
			}
		}
		if after = resp.next(); after == "" {
			return out, nil
		}
	}
}

// list reads one page of a list endpoint.
func (c *Connector) list(ctx context.Context, typ, after string) ([]object, string, error) {
	q := url.Values{"limit": {strconv.Itoa(listLimit)}, "archived": {"false"}}
	switch typ {
	case phaseCompanies:
		q.Set("properties", strings.Join(c.companyProps(), ","))
	case phaseContacts:
		q.Set("properties", strings.Join(c.contactProps(), ","))
		q.Set("associations", "companies")
	case phaseDeals:
		q.Set("properties", strings.Join(dealProps, ","))
		q.Set("associations", "companies")
	}
	if after != "" {
		q.Set("after", after)
	}
	var p page
	if err := c.api.JSON(ctx, connectors.Request{Path: "/crm/v3/objects/" + typ, Query: q}, &p); err != nil {
		return nil, "", fmt.Errorf("hubspot: list %s: %w", typ, err)
	}
	return p.Results, p.next(), nil
}

type filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	Values       []string `json:"values,omitempty"` // for IN
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type sortSpec struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []sortSpec    `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

// searchPage reads the next page of records modified since st.From, oldest first. A search
// query serves at most search_window results: before paging past them, or when HubSpot
// answers 400 for doing so, it starts a new query from the newest time read.
func (c *Connector) searchPage(ctx context.Context, st *state) ([]object, string, error) {
	prop := modifiedProp[st.Phase]
	props := c.companyProps()
	if st.Phase == phaseContacts {
		props = c.contactProps()
	}
	for {
		if n, err := strconv.Atoi(st.After); err == nil && n >= c.options.window {
			if err := c.restartWindow(st); err != nil {
				return nil, "", err
			}
		}
		req := searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: prop, Operator: "GTE", Value: strconv.FormatInt(st.From, 10)}}}},
			Sorts:        []sortSpec{{PropertyName: prop, Direction: "ASCENDING"}},
			Properties:   props,
			Limit:        min(searchLimit, c.options.window),
			After:        st.After,
		}
		var p page
		err := c.search.JSON(ctx, connectors.Request{Method: http.MethodPost, Path: "/crm/v3/objects/" + st.Phase + "/search", Body: req}, &p)
		var se *connectors.StatusError
		if errors.As(err, &se) && se.Status == http.StatusBadRequest && st.After != "" {
			if err := c.restartWindow(st); err != nil {
				return nil, "", err
			}
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("hubspot: search %s modified since %s: %w", st.Phase, time.UnixMilli(st.From).UTC().Format(time.RFC3339), err)
		}
		return p.Results, p.next(), nil
	}
}

// restartWindow begins a new search query at the newest last-modified time read so far
// (inclusive: records sharing that time are read again, which is harmless).
func (c *Connector) restartWindow(st *state) error {
	if st.MaxSeen <= st.From {
		return fmt.Errorf("hubspot: more than %d %s share the last-modified time %s; the search API cannot page past them "+
			"(reset this connector's cursor to run a full sync, which does not use search)",
			c.options.window, st.Phase, time.UnixMilli(st.From).UTC().Format(time.RFC3339Nano))
	}
	st.From, st.After = st.MaxSeen, ""
	return nil
}
