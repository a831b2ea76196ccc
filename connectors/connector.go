// Package connectors defines what a data source looks like to Advocate: a Connector reads
// records (customers, contacts, signal observations) from one tool and hands them, one page at
// a time, to a Sink that commits each page together with the cursor to resume from.
//
// The package knows nothing of the store or of scoring: the sync job implements Sink.
package connectors

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/time/rate"
)

// Ref points at a customer as a source knows it: by the source's own id, by the company's web
// domain, or both. Identity resolution (in the store) prefers a known source id, then the domain.
type Ref struct {
	ExternalID string `json:"external_id,omitempty"`
	Domain     string `json:"domain,omitempty"`
}

// IsZero reports whether the reference names no customer at all.
func (r Ref) IsZero() bool { return r.ExternalID == "" && r.Domain == "" }

func (r Ref) String() string {
	switch {
	case r.Domain != "" && r.ExternalID != "":
		return r.Domain + " (" + r.ExternalID + ")"
	case r.Domain != "":
		return r.Domain
	default:
		return r.ExternalID
	}
}

// Customer is one account as a source sees it. Empty fields mean "this source does not know",
// never "clear the value".
type Customer struct {
	Ref
	Name       string            `json:"name,omitempty"`
	Owner      string            `json:"owner,omitempty"` // the CSM's email
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Contact is a person at a customer. Contacts merge across sources by email.
type Contact struct {
	Customer Ref    `json:"customer"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role,omitempty"`
	Champion bool   `json:"champion,omitempty"`
	OptedOut bool   `json:"opted_out,omitempty"`
}

// Signal is one observation of a numeric signal for a customer at a point in time.
type Signal struct {
	Customer   Ref       `json:"customer"`
	Name       string    `json:"name"`
	Value      float64   `json:"value"`
	ObservedAt time.Time `json:"observed_at"`
}

// Problem is a record a connector skipped because it was malformed; the rest of the page loads.
// Where names the place a person can go and fix it ("customers.csv:17").
type Problem struct {
	Where   string `json:"where"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Where + ": " + p.Message }

// Page is what a connector hands over in one step. The sink commits everything in a page, and
// the cursor, in one transaction: a crash resumes from the last committed cursor.
type Page struct {
	Customers []Customer
	Contacts  []Contact
	Signals   []Signal
	Problems  []Problem
	// Matching counts company records without a domain of their own (see DomainFromContacts).
	Matching Matching
	// Cursor is where the next sync resumes after this page is committed. Empty means "keep
	// the previous cursor".
	Cursor string
}

// Records counts the records in the page (problems excluded).
func (p *Page) Records() int { return len(p.Customers) + len(p.Contacts) + len(p.Signals) }

// Sink receives pages. Commit returns only after the page and its cursor are durable.
type Sink interface {
	Commit(ctx context.Context, page Page) error
}

// Connector reads from one source. Sync starts from cursor (empty: from the beginning), hands
// every page to sink in order, and returns when the source has nothing more. An error fails the
// run; pages committed before it stay committed.
type Connector interface {
	Sync(ctx context.Context, cursor string, sink Sink) error
}

// Settings is a connector's entry in the config file. The fields are the union of what the
// built-in connector types need; each type reads the ones it uses and validates them in its
// factory.
type Settings struct {
	Name     string `yaml:"name" json:"name"`
	Type     string `yaml:"type" json:"type"`
	Schedule string `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	// Freshness is how long this connector's signals stay current (e.g. "72h"); older values count
	// as stale. Empty: the scoring default.
	Freshness string `yaml:"freshness,omitempty" json:"freshness,omitempty"`

	BaseURL     string `yaml:"base_url,omitempty" json:"base_url,omitempty"`
	InstanceURL string `yaml:"instance_url,omitempty" json:"instance_url,omitempty"`
	Email       string `yaml:"email,omitempty" json:"email,omitempty"`
	ProjectID   string `yaml:"project_id,omitempty" json:"project_id,omitempty"`
	// Secrets: never logged, never printed in --json output (see Redacted).
	Token       string `yaml:"token,omitempty" json:"-"`
	APIKey      string `yaml:"api_key,omitempty" json:"-"`
	AccessToken string `yaml:"access_token,omitempty" json:"-"`

	// CSV (type csv).
	Path       string            `yaml:"path,omitempty" json:"path,omitempty"`
	Kind       string            `yaml:"kind,omitempty" json:"kind,omitempty"`       // customers (default) | contacts | signals
	Columns    map[string]string `yaml:"columns,omitempty" json:"columns,omitempty"` // field -> CSV column
	Signals    map[string]string `yaml:"signals,omitempty" json:"signals,omitempty"` // signal -> CSV column
	Attributes map[string]string `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Delimiter  string            `yaml:"delimiter,omitempty" json:"delimiter,omitempty"`

	// Options holds type-specific settings (property mappings, custom field names, queries…);
	// each connector type documents and validates its own keys.
	Options map[string]string `yaml:"options,omitempty" json:"options,omitempty"`

	// Dir is the directory relative paths resolve against (the config file's directory). Set by
	// the config loader, not by users.
	Dir string `yaml:"-" json:"-"`
	// Runtime carries what the process, not the config file, provides: logger, HTTP client,
	// clock. Tests set it to talk to fakes without waiting.
	Runtime Runtime `yaml:"-" json:"-"`
}

// Runtime is process-provided plumbing for a connector. Zero values mean the defaults.
type Runtime struct {
	Log   *slog.Logger
	HTTP  *http.Client
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Retry overrides the connector's retry policy (tests shorten it).
	Retry *RetryPolicy
	// Budget, when set, counts this run's API calls and the vendor's remaining limit (the
	// syncer sets a fresh one per run).
	Budget *Budget
}

// NewClient builds the shared HTTP client for a connector from its settings: base URL (the
// setting, else the vendor default), runtime plumbing, and the vendor's documented rate.
func NewClient(s Settings, defaultBase string, limiter *rate.Limiter) *Client {
	base := cmp.Or(s.BaseURL, defaultBase)
	c := &Client{Connector: s.Name, BaseURL: strings.TrimRight(base, "/"), Limiter: limiter,
		HTTP: s.Runtime.HTTP, Log: s.Runtime.Log, Now: s.Runtime.Now, Sleep: s.Runtime.Sleep,
		Budget: s.Runtime.Budget, ReadLimit: limitReader(s.Type)}
	if s.Runtime.Retry != nil {
		c.Retry = *s.Runtime.Retry
	}
	if c.Log != nil {
		c.Log = c.Log.With("connector", s.Name)
	}
	return c
}

// Now returns the runtime clock's time.
func (s Settings) Now() time.Time {
	if s.Runtime.Now != nil {
		return s.Runtime.Now()
	}
	return time.Now()
}

// Require returns an error naming every listed setting that is empty.
func (s Settings) Require(fields map[string]string) error {
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if strings.TrimSpace(fields[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("type %s needs %s", s.Type, strings.Join(missing, ", "))
	}
	return nil
}

// Factory builds a connector from its settings, or says which setting is wrong.
type Factory func(s Settings) (Connector, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a connector type available by name. It is called from the init function of each
// connector package, the way database/sql drivers register; it panics on a duplicate type.
func Register(typ string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[typ]; dup {
		panic("connectors: type registered twice: " + typ)
	}
	factories[typ] = f
}

// Types lists the registered connector types, sorted.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(factories))
	for t := range factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// New builds the connector the settings describe.
func New(s Settings) (Connector, error) {
	mu.RLock()
	f, ok := factories[s.Type]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("connector %q: unknown type %q (available: %s)", s.Name, s.Type, strings.Join(Types(), ", "))
	}
	c, err := f(s)
	if err != nil {
		return nil, fmt.Errorf("connector %q: %w", s.Name, err)
	}
	return c, nil
}

// NormalizeDomain turns what people write for a company's web site ("https://www.Acme.io/",
// "acme.io.") into the key customers are matched on ("acme.io"). It returns "" for input that
// holds no domain.
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 { // an email address: its domain
		s = s[i+1:]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 { // a port
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimSuffix(s, ".")
	if !isHostname(s) {
		return ""
	}
	return s
}

// isHostname accepts what can be a company's web domain: at least two labels, no spaces or
// underscores, and a top-level label of letters (or punycode) — so ids such as "org_1.5" or
// "12.34" are not mistaken for domains.
func isHostname(s string) bool {
	dot := strings.LastIndex(s, ".")
	if dot <= 0 || strings.ContainsAny(s, " _\t/\\") {
		return false
	}
	tld := s[dot+1:]
	if strings.HasPrefix(tld, "xn--") {
		return len(tld) > 4
	}
	if len([]rune(tld)) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// NormalizeEmail lower-cases and trims an email address; contacts are matched on it.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Overlap is how far an incremental sync reaches back before its high-water mark: vendors
// index edits with a delay and leave out the last minute, and idempotent upserts make
// re-reading harmless.
const Overlap = 10 * time.Minute

// DecodeCursor reads a connector's JSON cursor into v; an empty cursor leaves v as it is (the
// start). A cursor that is not this connector's JSON (e.g. after a type change) is an error, so
// the user can reset it rather than silently resync from scratch.
func DecodeCursor(cursor string, v any) error {
	if cursor == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(cursor), v); err != nil {
		return fmt.Errorf("stored cursor %q is not readable by this connector: %w", cursor, err)
	}
	return nil
}

// EncodeCursor writes a connector's cursor state as JSON.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("connectors: cursor not encodable: " + err.Error()) // cursor types are plain structs
	}
	return string(b)
}
