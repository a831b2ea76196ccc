package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// Phases of one run, in order.
const (
	phaseOpportunities = "opportunities"
	phaseRecheck       = "unmatched_accounts"
	phaseAccounts      = "accounts"
	phaseContacts      = "contacts"
	phaseFirstWon      = "first_won"
	phaseUpsells       = "upsells"
	phaseDone          = "done"
)

// Objects with an incremental high-water mark.
const (
	objAccount = "Account"
	objContact = "Contact"
)

// SignalUpsells is the signal the opportunity count is published as.
const SignalUpsells = "upsells_12m"

// state is the cursor: where a run is, and what it has counted so far.
type state struct {
	Phase string `json:"phase,omitempty"`
	// From is where to resume inside the phase: the last committed SystemModstamp (accounts,
	// contacts) or the last committed Id (opportunities, upsells). Empty: the phase's start.
	From string `json:"from,omitempty"`
	// Marks holds, per object, the highest SystemModstamp of the last completed pass.
	Marks map[string]time.Time `json:"marks,omitempty"`
	// Window is the CloseDate range (after, through] this run counts upsells in, fixed when the
	// run starts so a resumed run counts with the same query.
	Window [2]string `json:"window,omitzero"`
	// Upsells counts won upsell opportunities per account id, so far in this run.
	Upsells map[string]int `json:"upsells,omitempty"`
	// FirstWon is the earliest CloseDate (YYYY-MM-DD) of each account's won opportunities, so
	// far in this run: customer_since.
	FirstWon map[string]string `json:"first_won,omitempty"`
	// Unmatched holds the ids of Accounts skipped for want of a domain (domains.go), kept
	// across runs so each run re-reads them and leaves their signals out.
	Unmatched map[string]bool `json:"unmatched,omitempty"`
}

// Sync runs or resumes one pass: opportunities, accounts, contacts, then upsells_12m for every
// account. Every batch is committed with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	var st state
	if err := connectors.DecodeCursor(cursor, &st); err != nil {
		return err
	}
	if st.Phase == "" || st.Phase == phaseDone {
		now := c.now().UTC()
		st = state{Phase: phaseOpportunities, Marks: st.Marks, Unmatched: st.Unmatched, Upsells: map[string]int{},
			Window: [2]string{now.AddDate(-1, 0, 0).Format(time.DateOnly), now.Format(time.DateOnly)}}
	}
	if st.Marks == nil {
		st.Marks = map[string]time.Time{}
	}
	if st.Upsells == nil {
		st.Upsells = map[string]int{}
	}
	for {
		var err error
		switch st.Phase {
		case phaseOpportunities:
			err = c.syncOpportunities(ctx, &st, sink)
		case phaseRecheck:
			err = c.syncRecheck(ctx, &st, sink)
		case phaseAccounts:
			err = c.syncModified(ctx, &st, sink, objAccount, c.accountFields(), phaseContacts, c.accountPage, c.placeByContacts)
		case phaseContacts:
			err = c.syncModified(ctx, &st, sink, objContact,
				"Id, AccountId, Email, Name, Title, HasOptedOutOfEmail, IsDeleted, SystemModstamp", phaseFirstWon, contactPage, nil)
		case phaseFirstWon:
			err = c.syncFirstWon(ctx, &st, sink)
		case phaseUpsells:
			err = c.syncUpsells(ctx, &st, sink)
		case phaseDone:
			return nil
		default:
			return fmt.Errorf("salesforce: the stored cursor names an unknown phase %q; reset this connector's cursor", st.Phase)
		}
		if err != nil {
			return err
		}
	}
}

// syncOpportunities counts won upsell opportunities in the window, per account.
func (c *Connector) syncOpportunities(ctx context.Context, st *state, sink connectors.Sink) error {
	types := make([]string, len(c.upsellTypes))
	for i, t := range c.upsellTypes {
		types[i] = soqlString(t)
	}
	q := fmt.Sprintf("SELECT Id, AccountId, CloseDate FROM Opportunity WHERE IsWon = true AND Type IN (%s) AND CloseDate > %s AND CloseDate <= %s%s ORDER BY Id",
		strings.Join(types, ", "), st.Window[0], st.Window[1], idAfter(st.From))
	return c.query(ctx, q, func(records []json.RawMessage, done bool) error {
		for _, raw := range records {
			var o struct {
				ID        string  `json:"Id"`
				AccountID *string `json:"AccountId"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				return c.malformed("Opportunity", err)
			}
			if o.AccountID != nil && *o.AccountID != "" {
				st.Upsells[*o.AccountID]++
			}
			st.From = o.ID
		}
		if done {
			st.Phase, st.From = phaseRecheck, ""
		}
		return sink.Commit(ctx, connectors.Page{Cursor: connectors.EncodeCursor(st)})
	})
}

// syncFirstWon finds each account's earliest won opportunity, for customer_since. With
// customer_since_field set, the account field gives it and the phase is skipped.
func (c *Connector) syncFirstWon(ctx context.Context, st *state, sink connectors.Sink) error {
	if _, fromField := c.attrFields[connectors.AttrCustomerSince]; fromField {
		st.Phase, st.From = phaseUpsells, ""
		return nil
	}
	if st.FirstWon == nil {
		st.FirstWon = map[string]string{}
	}
	q := "SELECT Id, AccountId, CloseDate FROM Opportunity WHERE IsWon = true" + idAfter(st.From) + " ORDER BY Id"
	return c.query(ctx, q, func(records []json.RawMessage, done bool) error {
		for _, raw := range records {
			var o struct {
				ID        string  `json:"Id"`
				AccountID *string `json:"AccountId"`
				CloseDate *string `json:"CloseDate"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				return c.malformed("Opportunity", err)
			}
			st.From = o.ID
			if o.AccountID == nil || *o.AccountID == "" || o.CloseDate == nil {
				continue
			}
			day, ok := connectors.Day(*o.CloseDate)
			if prev, seen := st.FirstWon[*o.AccountID]; ok && (!seen || day < prev) {
				st.FirstWon[*o.AccountID] = day
			}
		}
		if done {
			st.Phase, st.From = phaseUpsells, ""
		}
		return sink.Commit(ctx, connectors.Page{Cursor: connectors.EncodeCursor(st)})
	})
}

// pageMapper turns a batch of records into a page and reports the batch's last SystemModstamp.
type pageMapper func(records []json.RawMessage) (connectors.Page, time.Time, error)

// placer completes a mapped page with what needs more queries (accounts without a domain).
type placer func(ctx context.Context, st *state, page *connectors.Page) error

// syncModified reads the records of obj modified since its high-water mark (all of them on the
// first pass), ordered by SystemModstamp, and moves the mark when the phase completes. place,
// when set, completes each page before it is committed.
func (c *Connector) syncModified(ctx context.Context, st *state, sink connectors.Sink, obj, fields, next string, mapPage pageMapper, place placer) error {
	var since time.Time
	switch {
	case st.From != "":
		t, err := time.Parse(time.RFC3339Nano, st.From)
		if err != nil {
			return fmt.Errorf("salesforce: the stored cursor's resume time %q is unreadable; reset this connector's cursor: %w", st.From, err)
		}
		since = t
	case !st.Marks[obj].IsZero():
		since = st.Marks[obj].Add(-connectors.Overlap)
	}
	q := "SELECT " + fields + " FROM " + obj
	if !since.IsZero() {
		q += " WHERE SystemModstamp >= " + soqlTime(since)
	}
	q += " ORDER BY SystemModstamp"
	return c.query(ctx, q, func(records []json.RawMessage, done bool) error {
		page, last, err := mapPage(records)
		if err != nil {
			return c.malformed(obj, err)
		}
		if place != nil {
			if err := place(ctx, st, &page); err != nil {
				return err
			}
		}
		if !last.IsZero() {
			st.From = last.Format(time.RFC3339Nano)
		}
		if done {
			if st.From != "" {
				// From is the newest stamp of this pass: the records come in SystemModstamp order.
				if t, _ := time.Parse(time.RFC3339Nano, st.From); t.After(st.Marks[obj]) {
					st.Marks[obj] = t
				}
			}
			st.Phase, st.From = next, ""
		}
		page.Cursor = connectors.EncodeCursor(st)
		return sink.Commit(ctx, page)
	})
}

// syncUpsells publishes upsells_12m for every account, 0 for those without an upsell.
func (c *Connector) syncUpsells(ctx context.Context, st *state, sink connectors.Sink) error {
	now := c.now()
	q := "SELECT Id FROM Account"
	if st.From != "" {
		q += " WHERE Id > " + soqlString(st.From)
	}
	q += " ORDER BY Id"
	return c.query(ctx, q, func(records []json.RawMessage, done bool) error {
		var page connectors.Page
		for _, raw := range records {
			var a struct {
				ID string `json:"Id"`
			}
			if err := json.Unmarshal(raw, &a); err != nil || a.ID == "" {
				return c.malformed(objAccount, fmt.Errorf("account without Id: %s", raw))
			}
			st.From = a.ID
			if st.Unmatched[a.ID] { // skipped for want of a domain: nothing can carry its signals
				continue
			}
			page.Signals = append(page.Signals, connectors.Signal{Customer: connectors.Ref{ExternalID: a.ID},
				Name: SignalUpsells, Value: float64(st.Upsells[a.ID]), ObservedAt: now})
			if day := st.FirstWon[a.ID]; day != "" {
				page.Customers = append(page.Customers, connectors.Customer{Ref: connectors.Ref{ExternalID: a.ID},
					Attributes: map[string]string{connectors.AttrCustomerSince: day}})
			}
		}
		if done {
			*st = state{Phase: phaseDone, Marks: st.Marks, Unmatched: st.Unmatched}
		}
		page.Cursor = connectors.EncodeCursor(st)
		return sink.Commit(ctx, page)
	})
}

// idAfter is the SOQL condition that resumes an Id-ordered query after id.
func idAfter(id string) string {
	if id == "" {
		return ""
	}
	return " AND Id > " + soqlString(id)
}

// queryResult is one batch of a SOQL query.
type queryResult struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// query runs a SOQL query and hands each batch to fn, following nextRecordsUrl until done.
func (c *Connector) query(ctx context.Context, soql string, fn func(records []json.RawMessage, done bool) error) error {
	req := connectors.Request{Path: "/services/data/" + c.version + "/query", Query: url.Values{"q": {soql}}}
	for {
		var res queryResult
		if err := c.get(ctx, req, &res); err != nil {
			return err
		}
		if !res.Done && res.NextRecordsURL == "" {
			return c.malformed("query", errors.New("done is false but there is no nextRecordsUrl"))
		}
		if err := fn(res.Records, res.Done); err != nil {
			return err
		}
		if res.Done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		req = connectors.Request{Path: res.NextRecordsURL}
	}
}

// get performs one request through the shared client, logs the org's API usage and turns a
// request-limit error into one a person can act on (limits.go).
func (c *Connector) get(ctx context.Context, req connectors.Request, out any) error {
	body, resp, err := c.client.Do(ctx, req)
	if resp != nil {
		if usage := resp.Header.Get("Sforce-Limit-Info"); usage != "" {
			c.log.Debug("salesforce API usage", "limit_info", usage)
		}
	}
	if err != nil {
		return limitError(err, resp)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &connectors.MalformedError{Connector: c.client.Connector, Method: resp.Request.Method, Endpoint: resp.Request.URL.Path, Err: err}
	}
	return nil
}

func (c *Connector) malformed(what string, err error) error {
	return &connectors.MalformedError{Connector: c.client.Connector, Method: http.MethodGet,
		Endpoint: "/services/data/" + c.version + "/query (" + what + ")", Err: err}
}
