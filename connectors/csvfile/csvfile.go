// Package csvfile is the connector for CSV files: spreadsheets exported from a CRM, a health
// score sheet kept by hand, a survey tool's export. One file holds one kind of record:
//
//   - customers: one row per customer, with signals as columns (wide format);
//   - contacts: one row per person at a customer;
//   - signals: one row per observation (long format: customer, signal, value, observed_at).
//
// A malformed row is reported as a connectors.Problem naming the file and line, and skipped;
// the rest of the file loads. A file whose header lacks a configured column fails the run.
//
// The cursor is the SHA-256 of the file: a sync of an unchanged file emits nothing, and a
// changed file is re-emitted in full (the store's upserts make that idempotent).
package csvfile

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/advocate-hq/advocate/connectors"
)

func init() { connectors.Register("csv", New) }

// Kinds of file the connector reads (Settings.Kind).
const (
	KindCustomers = "customers"
	KindContacts  = "contacts"
	KindSignals   = "signals"
)

// PageSize is the most records (plus problems) one page carries, so a huge file is committed
// in bounded transactions and a cancelled sync stops within one page.
const PageSize = 1000

// field identifies a value the connector understands. The customer key fields have different
// column names per kind ("domain" in a customers file, "customer_domain" in a contacts file)
// but the same meaning, so they share an id.
type field int

const (
	fExternalID field = iota
	fDomain
	fName
	fOwner
	fObservedAt
	fEmail
	fRole
	fChampion
	fOptedOut
	fSignal
	fValue
	numFields
)

type fieldDef struct {
	name string
	id   field
}

// kindFields lists, per kind, the field names a user may map in Settings.Columns. The default
// column for each field is the field name itself.
var kindFields = map[string][]fieldDef{
	KindCustomers: {{"external_id", fExternalID}, {"domain", fDomain}, {"name", fName}, {"owner", fOwner}, {"observed_at", fObservedAt}},
	KindContacts: {{"customer_external_id", fExternalID}, {"customer_domain", fDomain}, {"email", fEmail}, {"name", fName},
		{"role", fRole}, {"champion", fChampion}, {"opted_out", fOptedOut}},
	KindSignals: {{"customer_external_id", fExternalID}, {"customer_domain", fDomain}, {"signal", fSignal}, {"value", fValue},
		{"observed_at", fObservedAt}},
}

// knownSignals are the canonical signal names (see DESIGN.md). When a customers file comes
// with no signals or attributes mapping, its columns with these names are read as signals and
// every other column as an attribute, so the zero-config case does the obvious thing.
var knownSignals = map[string]bool{
	"health_score": true, "nps": true, "csat": true, "active_users": true, "seats": true,
	"product_events_30d": true, "usage_trend": true, "ltv": true, "mrr": true, "upsells_12m": true,
	"tickets_90d": true, "tickets_open": true, "escalations_90d": true, "retention_cost": true,
	"tenure_days": true, "referrals_made": true,
}

// Connector reads one CSV file. Build it with New.
type Connector struct {
	path  string
	kind  string
	delim rune
	// columns holds the explicitly configured column per field; a field not in it is read
	// from the column of the same name when the header has one.
	columns map[field]string
	signals map[string]string // signal -> column
	attrs   map[string]string // attribute -> column
	// auto is set for a customers file with neither signals nor attributes configured.
	auto bool
}

// New builds a CSV connector from its settings, rejecting settings it would not use.
func New(s connectors.Settings) (connectors.Connector, error) {
	c := &Connector{kind: cmp.Or(strings.ToLower(strings.TrimSpace(s.Kind)), KindCustomers), delim: ','}
	fields, ok := kindFields[c.kind]
	if !ok {
		return nil, fmt.Errorf("csv: kind %q is not one of customers, contacts, signals", s.Kind)
	}
	if strings.TrimSpace(s.Path) == "" {
		return nil, fmt.Errorf("csv: path is required")
	}
	c.path = s.Path
	if !filepath.IsAbs(c.path) && s.Dir != "" {
		c.path = filepath.Join(s.Dir, c.path)
	}
	if s.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(s.Delimiter)
		if size != len(s.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFEFF {
			return nil, fmt.Errorf("csv: delimiter %q must be a single character other than a quote or newline", s.Delimiter)
		}
		c.delim = r
	}

	c.columns = make(map[field]string, len(s.Columns))
	for name, col := range s.Columns {
		i := slices.IndexFunc(fields, func(f fieldDef) bool { return f.name == name })
		if i < 0 {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.name
			}
			return nil, fmt.Errorf("csv: columns: %q is not a field of a %s file (fields: %s)", name, c.kind, strings.Join(names, ", "))
		}
		if strings.TrimSpace(col) == "" {
			return nil, fmt.Errorf("csv: columns: %s: column name is empty", name)
		}
		c.columns[fields[i].id] = col
	}

	if c.kind != KindCustomers && (len(s.Signals) > 0 || len(s.Attributes) > 0) {
		return nil, fmt.Errorf("csv: signals and attributes mappings apply to kind customers only (this file is kind %s)", c.kind)
	}
	var err error
	if c.signals, err = checkMapping("signals", s.Signals); err != nil {
		return nil, err
	}
	if c.attrs, err = checkMapping("attributes", s.Attributes); err != nil {
		return nil, err
	}
	c.auto = c.kind == KindCustomers && len(s.Signals) == 0 && len(s.Attributes) == 0
	return c, nil
}

func checkMapping(what string, m map[string]string) (map[string]string, error) {
	for name, col := range m {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("csv: %s: empty name (mapped to column %q)", what, col)
		}
		if strings.TrimSpace(col) == "" {
			return nil, fmt.Errorf("csv: %s: %s: column name is empty", what, name)
		}
	}
	return m, nil
}

// mapped is a signal or attribute bound to a column index.
type mapped struct {
	name string
	col  int
}

// layout is the configuration resolved against one file's header.
type layout struct {
	col     [numFields]int // column index per field, -1 when absent
	colName [numFields]string
	signals []mapped
	attrs   []mapped
	header  []string
}

func (l *layout) headerName(m mapped) string { return l.header[m.col] }

// normHeader is how header cells are compared with configured names: spreadsheets add stray
// spaces and capitals, and "Acquisition Channel" should find acquisition_channel.
func normHeader(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_")
}

// resolve binds the configuration to the header. A configured column that is missing, or that
// appears twice, is an error for the whole run: every row would be wrong in the same way.
func (c *Connector) resolve(base string, header []string) (*layout, error) {
	index := make(map[string]int, len(header))
	dup := map[string]bool{}
	for i, h := range header {
		n := normHeader(h)
		if _, seen := index[n]; seen {
			dup[n] = true
			continue
		}
		index[n] = i
	}
	missing := func(col, what string) error {
		return fmt.Errorf("%s: column %q (%s) not in header; header has: %s", base, col, what, headerList(header))
	}
	find := func(col, what string, required bool) (int, error) {
		n := normHeader(col)
		i, ok := index[n]
		switch {
		case !ok && required:
			return -1, missing(col, what)
		case !ok:
			return -1, nil
		case dup[n]:
			return -1, fmt.Errorf("%s: column %q (%s) appears more than once in the header", base, col, what)
		}
		return i, nil
	}

	l := &layout{header: header}
	used := make([]bool, len(header))
	for i := range l.col {
		l.col[i] = -1
	}
	for _, f := range kindFields[c.kind] {
		col, explicit := c.columns[f.id]
		if !explicit {
			col = f.name
		}
		i, err := find(col, "field "+f.name, explicit)
		if err != nil {
			return nil, err
		}
		l.col[f.id], l.colName[f.id] = i, col
		if i >= 0 {
			used[i] = true
		}
	}
	keyNames := map[string]string{KindCustomers: `"domain" or "external_id"`}[c.kind]
	if keyNames == "" {
		keyNames = `"customer_domain" or "customer_external_id"`
	}
	if l.col[fDomain] < 0 && l.col[fExternalID] < 0 {
		return nil, fmt.Errorf("%s: no customer key column: the header needs %s (or map one under columns); header has: %s", base, keyNames, headerList(header))
	}
	required := map[string][]field{KindContacts: {fEmail}, KindSignals: {fSignal, fValue}}[c.kind]
	for _, f := range required {
		if l.col[f] < 0 {
			return nil, missing(l.colName[f], "field "+fieldName(c.kind, f))
		}
	}

	if c.auto {
		for i, h := range header {
			n := normHeader(h)
			if used[i] || n == "" || dup[n] && index[n] != i {
				continue
			}
			if knownSignals[n] {
				l.signals = append(l.signals, mapped{n, i})
			} else {
				l.attrs = append(l.attrs, mapped{n, i})
			}
		}
		return l, nil
	}
	bind := func(what string, m map[string]string) ([]mapped, error) {
		out := make([]mapped, 0, len(m))
		for name, col := range m {
			i, err := find(col, what+" "+name, true)
			if err != nil {
				return nil, err
			}
			out = append(out, mapped{name, i})
		}
		// Sorted so pages list a row's signals in the same order on every run.
		slices.SortFunc(out, func(a, b mapped) int { return strings.Compare(a.name, b.name) })
		return out, nil
	}
	var err error
	if l.signals, err = bind("signal", c.signals); err != nil {
		return nil, err
	}
	if l.attrs, err = bind("attribute", c.attrs); err != nil {
		return nil, err
	}
	return l, nil
}

func fieldName(kind string, id field) string {
	for _, f := range kindFields[kind] {
		if f.id == id {
			return f.name
		}
	}
	return "?"
}

// headerList quotes the header for an error message, shortened for very wide files.
func headerList(header []string) string {
	const max = 40
	q := make([]string, 0, min(len(header), max)+1)
	for i, h := range header {
		if i == max {
			q = append(q, fmt.Sprintf("… (%d more)", len(header)-max))
			break
		}
		q = append(q, fmt.Sprintf("%q", h))
	}
	return strings.Join(q, ", ")
}
