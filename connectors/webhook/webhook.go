// Package webhook is the push connector: any tool can POST customers, contacts and signal
// observations to Advocate's HTTP API (POST /api/v1/signals, bearer token) instead of being
// polled. Type "webhook" in the config; its `token` is the bearer token that source uses.
//
// Decode validates every field and accepts a payload whole or not at all, so a caller never has
// to guess which half of a request was stored.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

func init() { connectors.Register("webhook", New) }

// Connector is push-only: Sync has nothing to fetch.
type Connector struct{}

// New accepts any webhook settings; the token is checked by the HTTP server.
func New(s connectors.Settings) (connectors.Connector, error) { return Connector{}, nil }

// Sync does nothing: data arrives by POST.
func (Connector) Sync(context.Context, string, connectors.Sink) error { return nil }

// PushOnly tells the sync job there is nothing to pull, so no run is recorded (a recorded run
// would make the source look freshly synced).
func (Connector) PushOnly() bool { return true }

// Limits on one request. A larger body is refused whole (ErrTooLarge; HTTP 413), whatever it
// holds; observation times and values are bounded by connectors.CheckObservedAt and
// connectors.SignalRanges.
const (
	MaxBodyBytes = 8 << 20 // 8 MiB
	MaxRecords   = 10_000
)

// ErrTooLarge is returned by Decode for a body longer than MaxBodyBytes.
var ErrTooLarge = fmt.Errorf("payload larger than %d bytes (8 MiB): send fewer records per request", MaxBodyBytes)

// Payload is the request body of POST /api/v1/signals.
type Payload struct {
	Customers []Customer `json:"customers"`
	Contacts  []Contact  `json:"contacts"`
	Signals   []Signal   `json:"signals"`
}

// Ref names a customer by the pushing tool's id and/or web domain.
type Ref struct {
	ExternalID string `json:"external_id"`
	Domain     string `json:"domain"`
}

type Customer struct {
	ExternalID string            `json:"external_id"`
	Domain     string            `json:"domain"`
	Name       string            `json:"name"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes"`
}

type Contact struct {
	Customer Ref    `json:"customer"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Champion bool   `json:"champion"`
	OptedOut bool   `json:"opted_out"`
}

type Signal struct {
	Customer   Ref      `json:"customer"`
	Name       string   `json:"name"`
	Value      *float64 `json:"value"`
	ObservedAt string   `json:"observed_at"`
}

// Invalid lists every problem in a rejected payload, each prefixed with its JSON path.
type Invalid struct{ Problems []string }

func (e *Invalid) Error() string {
	return fmt.Sprintf("invalid payload: %d problems: %s", len(e.Problems), strings.Join(e.Problems, "; "))
}

var (
	signalName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	attrName   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// Decode reads and validates a payload and returns it as one page. now bounds observation
// times. Any problem rejects the whole payload with an *Invalid error listing them all.
func Decode(r io.Reader, now time.Time) (connectors.Page, error) {
	lr := &limitReader{r: r, left: MaxBodyBytes}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	var p Payload
	err := dec.Decode(&p)
	more := err == nil && dec.More() // reads on: what follows may make the body too large
	var mbe *http.MaxBytesError
	if lr.over || errors.As(err, &mbe) {
		return connectors.Page{}, ErrTooLarge
	}
	if err != nil {
		return connectors.Page{}, &Invalid{Problems: []string{"body: " + jsonProblem(err)}}
	}
	if more {
		return connectors.Page{}, &Invalid{Problems: []string{"body: more than one JSON document"}}
	}
	var bad problems
	n := len(p.Customers) + len(p.Contacts) + len(p.Signals)
	if n == 0 {
		bad.add("body: no customers, contacts or signals")
	}
	if n > MaxRecords {
		bad.add("body: %d records, at most %d per request", n, MaxRecords)
	}
	var page connectors.Page
	for i, c := range p.Customers {
		page.Customers = append(page.Customers, bad.customer(fmt.Sprintf("customers[%d]", i), c))
	}
	for i, c := range p.Contacts {
		page.Contacts = append(page.Contacts, bad.contact(fmt.Sprintf("contacts[%d]", i), c))
	}
	for i, s := range p.Signals {
		if sig, ok := bad.signal(fmt.Sprintf("signals[%d]", i), s, now); ok {
			page.Signals = append(page.Signals, sig)
		}
	}
	if len(bad) > 0 {
		return connectors.Page{}, &Invalid{Problems: bad}
	}
	return page, nil
}

// limitReader reads at most left bytes and notes whether r had more.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.over = true
		}
		if err == nil || n > 0 {
			err = io.EOF
		}
		return 0, err // the reader's own error: a limit of its own (http.MaxBytesError), I/O
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// problems collects what is wrong with a payload, each prefixed with its JSON path. It keeps
// the first 100: enough to fix a batch, without echoing a 10,000-record mistake back.
type problems []string

func (b *problems) add(format string, args ...any) {
	if len(*b) < 100 {
		*b = append(*b, fmt.Sprintf(format, args...))
	}
}

// text rejects what no database stores in a text column (a NUL byte: Postgres refuses it).
func (b *problems) text(path, s string) {
	if err := connectors.CheckText(s); err != nil {
		b.add("%s: %v", path, err)
	}
}

// ref validates a customer reference and normalizes it.
func (b *problems) ref(path string, r Ref) connectors.Ref {
	b.text(path+".external_id", r.ExternalID)
	b.text(path+".domain", r.Domain)
	d := connectors.NormalizeDomain(r.Domain)
	if r.Domain != "" && d == "" {
		b.add("%s.domain: %q is not a web domain", path, r.Domain)
	}
	if d == "" && strings.TrimSpace(r.ExternalID) == "" {
		b.add("%s: needs a domain or an external_id", path)
	}
	return connectors.Ref{ExternalID: strings.TrimSpace(r.ExternalID), Domain: d}
}

func (b *problems) customer(path string, c Customer) connectors.Customer {
	r := b.ref(path, Ref{ExternalID: c.ExternalID, Domain: c.Domain})
	if c.Owner != "" && !validEmail(c.Owner) {
		b.add("%s.owner: %q is not an email address", path, c.Owner)
	}
	b.text(path+".name", c.Name)
	b.text(path+".owner", c.Owner)
	for k, v := range c.Attributes {
		b.text(path+".attributes."+k, v)
		if !attrName.MatchString(k) {
			b.add("%s.attributes: key %q must be lower_snake_case", path, k)
		}
		if len(v) > 1000 {
			b.add("%s.attributes.%s: longer than 1000 characters", path, k)
		}
	}
	if len(c.Name) > 300 {
		b.add("%s.name: longer than 300 characters", path)
	}
	return connectors.Customer{Ref: r, Name: strings.TrimSpace(c.Name), Owner: c.Owner, Attributes: c.Attributes}
}

func (b *problems) contact(path string, c Contact) connectors.Contact {
	r := b.ref(path+".customer", c.Customer)
	if !validEmail(c.Email) {
		b.add("%s.email: %q is not an email address", path, c.Email)
	}
	b.text(path+".name", c.Name)
	b.text(path+".role", c.Role)
	return connectors.Contact{Customer: r, Email: c.Email, Name: strings.TrimSpace(c.Name),
		Role: strings.TrimSpace(c.Role), Champion: c.Champion, OptedOut: c.OptedOut}
}

// signal validates one observation; ok is false when it has no value or time to store.
func (b *problems) signal(path string, s Signal, now time.Time) (sig connectors.Signal, ok bool) {
	r := b.ref(path+".customer", s.Customer)
	if !signalName.MatchString(s.Name) {
		b.add("%s.name: %q must be lower_snake_case, e.g. nps or health_score", path, s.Name)
	}
	if s.Value == nil {
		b.add("%s.value: required", path)
	} else if err := connectors.CheckValue(s.Name, *s.Value); err != nil {
		b.add("%s.value: %v", path, err)
	}
	t, err := time.Parse(time.RFC3339, s.ObservedAt)
	switch {
	case s.ObservedAt == "":
		b.add("%s.observed_at: required (RFC 3339, e.g. 2026-11-16T09:30:00Z)", path)
	case err != nil:
		b.add("%s.observed_at: %q is not an RFC 3339 time", path, s.ObservedAt)
	default:
		if err := connectors.CheckObservedAt(t, now); err != nil {
			b.add("%s.observed_at: %v", path, err)
		}
	}
	if s.Value == nil || err != nil {
		return connectors.Signal{}, false
	}
	return connectors.Signal{Customer: r, Name: s.Name, Value: *s.Value, ObservedAt: t.UTC()}, true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && strings.Contains(a.Address, "@") && a.Address == strings.TrimSpace(s)
}

// jsonProblem words a decoding error for the caller.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: expected %s, got %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return "empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return err.Error()
}

// Provides: pushed records carry whatever signals and attributes the pushing tool names.
func (Connector) Provides() connectors.Provides { return connectors.Provides{Any: true} }
