// Package delighted is the connector for Delighted, the NPS survey tool. It reads survey
// responses and turns each NPS answer into an "nps" observation (0–10) for the customer whose
// web domain is the respondent's email domain, plus a contact for the respondent.
//
// API: GET {base_url}/v1/survey_responses.json?per_page=N&page=P&expand[]=person
// [&updated_since=UNIX], Basic auth with the API key as user and an empty password. The answer
// is a bare JSON array; a page shorter than per_page (an empty [] included) is the last one.
// Responses come oldest first by created_at (Delighted's default order, which we rely on), so a
// response edited during a pass stays where it was and paging does not skip anything.
//
// Settings: api_key (required), base_url (default https://api.delighted.com).
// Options:
//   - page_size: responses per request, 1–100 (default 100, Delighted's maximum).
//
// Records:
//   - Signal "nps" = the response's score, observed at its updated_at (created_at when absent).
//     The store keeps every observation as history and the newest per customer as current, so
//     a customer's current NPS is the latest answer from anyone at that company.
//   - Contact for the respondent (email, name), at the same customer.
//
// Deliberately not emitted:
//   - Answers from free-mail addresses (gmail.com …) and respondents without an email: the
//     address says nothing about which customer the person belongs to. They are skipped and
//     counted in a debug log line per page.
//   - Answers to other survey types (CES, CSAT, eNPS, PMF, …): their scales are not NPS, and
//     eNPS surveys employees, not customers. Responses without a survey_type (older accounts)
//     are read as NPS.
//   - No Customer records: a respondent's domain is all Delighted knows of the company; the
//     store places the signal and contact by that domain (creating a bare customer only when no
//     source has that domain yet).
//
// Sync state (the cursor, JSON) holds the page of the pass in progress, its updated_since
// bound, and the high-water mark: the newest updated_at seen, capped at the time the pass
// started (a response edited during a pass may sit on a page already read; the cap makes the
// next pass read it again). A finished pass makes the next run incremental from high-water
// mark − connectors.Overlap. An empty cursor is a full sync.
//
// Rate: Delighted documents no fixed rate; it answers 429 with Retry-After, which the shared
// client honours. We pace at 2 requests/s (burst 10) to stay well clear of it.
package delighted

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() {
	connectors.Register("delighted", New)
	connectors.RegisterCapabilities("delighted",
		connectors.Capability{Input: signalNPS, How: "maps the latest NPS survey answer (0–10) per company"})
}

// Provides is what a pass publishes: nps. Delighted knows people, not companies, so no
// customer attributes.
func (c *Connector) Provides() connectors.Provides {
	return connectors.Provides{Signals: []string{signalNPS}}
}

// DefaultBaseURL is Delighted's API host; the path carries the /v1 version.
const DefaultBaseURL = "https://api.delighted.com"

const (
	maxPageSize = 100
	signalNPS   = "nps"
)

// options are the Options keys this connector understands.
var options = []string{"page_size"}

// Connector reads NPS responses from one Delighted account. Build it with New.
type Connector struct {
	client   *connectors.Client
	pageSize int
	now      func() time.Time
	log      *slog.Logger
}

// New builds a Delighted connector, rejecting settings it cannot use.
func New(s connectors.Settings) (connectors.Connector, error) {
	if err := s.Require(map[string]string{"api_key": s.APIKey}); err != nil {
		return nil, fmt.Errorf("delighted: %w", err)
	}
	o := s.ReadOptions(options...)
	c := &Connector{pageSize: o.Int("page_size", maxPageSize, 1, maxPageSize), now: s.Now, log: s.Runtime.Log}
	if err := o.Err(); err != nil {
		return nil, err
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("connector", s.Name)
	key := s.APIKey
	c.client = connectors.NewClient(s, DefaultBaseURL, connectors.PerSecond(2, time.Second, 10))
	c.client.Auth = func(r *http.Request) { r.SetBasicAuth(key, "") }
	return c, nil
}

// cursor is the sync state between pages and runs. Times are Unix seconds, as Delighted's are.
type cursor struct {
	// HWM is the high-water mark of the last finished pass.
	HWM int64 `json:"hwm,omitempty"`
	// Page is the next page of the pass in progress; 0 means no pass is in progress.
	Page int `json:"page,omitempty"`
	// Since is the pass's updated_since bound (0: a full pass).
	Since int64 `json:"since,omitempty"`
	// Max is the newest updated_at the pass has seen so far.
	Max int64 `json:"max,omitempty"`
	// Start is when the pass began; the next high-water mark is capped at it.
	Start int64 `json:"start,omitempty"`
}

// Sync reads survey responses page by page, committing each page with the cursor to resume from.
func (c *Connector) Sync(ctx context.Context, raw string, sink connectors.Sink) error {
	var cur cursor
	if err := connectors.DecodeCursor(raw, &cur); err != nil {
		return fmt.Errorf("delighted: %w", err)
	}
	if cur.Page == 0 { // begin a pass: incremental when an earlier one finished
		cur = cursor{HWM: cur.HWM, Page: 1, Max: cur.HWM, Start: c.now().Unix()}
		if cur.HWM > 0 {
			cur.Since = max(cur.HWM-int64(connectors.Overlap/time.Second), 1)
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := url.Values{
			"per_page": {strconv.Itoa(c.pageSize)},
			"page":     {strconv.Itoa(cur.Page)},
			"expand[]": {"person"},
		}
		if cur.Since > 0 {
			q.Set("updated_since", strconv.FormatInt(cur.Since, 10))
		}
		var batch []response
		if err := c.client.JSON(ctx, connectors.Request{Path: "/v1/survey_responses.json", Query: q}, &batch); err != nil {
			return fmt.Errorf("delighted: list survey responses page %d: %w", cur.Page, err)
		}
		page, sk := mapPage(batch)
		for _, r := range batch {
			cur.Max = max(cur.Max, r.UpdatedAt, r.CreatedAt)
		}
		if sk.any() {
			c.log.Debug("survey responses skipped", "page", cur.Page, "free_mail", sk.freemail,
				"no_email", sk.noEmail, "other_survey_type", sk.otherType)
		}
		last := len(batch) < c.pageSize
		if last {
			hwm := cur.Max
			if cur.Start > 0 {
				hwm = min(hwm, cur.Start)
			}
			cur = cursor{HWM: max(hwm, cur.HWM)}
		} else {
			cur.Page++
		}
		page.Cursor = connectors.EncodeCursor(cur)
		if err := sink.Commit(ctx, page); err != nil {
			return fmt.Errorf("delighted: commit page: %w", err)
		}
		if last {
			return nil
		}
	}
}

// response is one survey response as Delighted returns it with expand[]=person.
type response struct {
	ID         flexID          `json:"id"`
	Person     json.RawMessage `json:"person"` // an object when expanded, else the person's id
	SurveyType string          `json:"survey_type"`
	Score      *float64        `json:"score"`
	CreatedAt  int64           `json:"created_at"`
	UpdatedAt  int64           `json:"updated_at"`
}

type person struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// flexID reads an id Delighted documents as a string but that clients also see as a number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	text, err := connectors.TextOrNumber(b, "id")
	if err != nil {
		return err
	}
	*f = flexID(text)
	return nil
}

// skips counts responses left out on purpose (not malformed), for the debug log.
type skips struct{ freemail, noEmail, otherType int }

func (s skips) any() bool { return s.freemail+s.noEmail+s.otherType > 0 }

// mapPage turns a page of responses into records. Malformed responses become Problems.
func mapPage(batch []response) (connectors.Page, skips) {
	var (
		page connectors.Page
		sk   skips
	)
	for _, r := range batch {
		where := "delighted survey response " + string(r.ID)
		if t := strings.ToLower(strings.TrimSpace(r.SurveyType)); t != "" && t != "nps" {
			sk.otherType++
			continue
		}
		var p person
		if len(r.Person) > 0 && r.Person[0] == '{' {
			if err := json.Unmarshal(r.Person, &p); err != nil {
				page.Problems = append(page.Problems, connectors.Problem{Where: where, Message: "person is not readable: " + err.Error()})
				continue
			}
		}
		email := connectors.NormalizeEmail(p.Email)
		if email == "" {
			sk.noEmail++
			continue
		}
		domain := connectors.CompanyDomainFromEmail(email)
		if domain == "" {
			sk.freemail++
			continue
		}
		if r.Score == nil || *r.Score < 0 || *r.Score > 10 {
			msg := "no score"
			if r.Score != nil {
				msg = fmt.Sprintf("score %v is outside 0–10", *r.Score)
			}
			page.Problems = append(page.Problems, connectors.Problem{Where: where, Message: msg})
			continue
		}
		at := r.UpdatedAt
		if at <= 0 {
			at = r.CreatedAt
		}
		if at <= 0 {
			page.Problems = append(page.Problems, connectors.Problem{Where: where, Message: "no created_at or updated_at"})
			continue
		}
		ref := connectors.Ref{Domain: domain}
		page.Contacts = append(page.Contacts, connectors.Contact{Customer: ref, Email: email, Name: strings.TrimSpace(p.Name)})
		page.Signals = append(page.Signals, connectors.Signal{Customer: ref, Name: signalNPS, Value: *r.Score, ObservedAt: time.Unix(at, 0).UTC()})
	}
	return page, sk
}
