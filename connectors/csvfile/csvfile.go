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
	c := &Connector{kind: cmp.Or(strings.ToLower(strings.TrimSpace(s.Kind)), KindCustomers)}
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
	var err error
	if c.delim, err = parseDelimiter(s.Delimiter); err != nil {
		return nil, err
	}
	if c.columns, err = parseColumns(c.kind, fields, s.Columns); err != nil {
		return nil, err
	}
	if err := c.parseMappings(s); err != nil {
		return nil, err
	}
	return c, nil
}

// parseDelimiter reads the delimiter setting; empty means a comma.
func parseDelimiter(s string) (rune, error) {
	if s == "" {
		return ',', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFEFF {
		return 0, fmt.Errorf("csv: delimiter %q must be a single character other than a quote or newline", s)
	}
	return r, nil
}

// parseColumns binds each configured field name to its column, rejecting names that are not
// fields of this kind of file.
func parseColumns(kind string, fields []fieldDef, columns map[string]string) (map[field]string, error) {
	out := make(map[field]string, len(columns))
	for name, col := range columns {
		i := slices.IndexFunc(fields, func(f fieldDef) bool { return f.name == name })
		if i < 0 {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.name
			}
			return nil, fmt.Errorf("csv: columns: %q is not a field of a %s file (fields: %s)", name, kind, strings.Join(names, ", "))
		}
		if strings.TrimSpace(col) == "" {
			return nil, fmt.Errorf("csv: columns: %s: column name is empty", name)
		}
		out[fields[i].id] = col
	}
	return out, nil
}

// parseMappings reads the signals and attributes mappings, which only a customers file has;
// a customers file with neither reads its columns automatically.
func (c *Connector) parseMappings(s connectors.Settings) error {
	if c.kind != KindCustomers && (len(s.Signals) > 0 || len(s.Attributes) > 0) {
		return fmt.Errorf("csv: signals and attributes mappings apply to kind customers only (this file is kind %s)", c.kind)
	}
	var err error
	if c.signals, err = checkMapping("signals", s.Signals); err != nil {
		return err
	}
	if c.attrs, err = checkMapping("attributes", s.Attributes); err != nil {
		return err
	}
	c.auto = c.kind == KindCustomers && len(s.Signals) == 0 && len(s.Attributes) == 0
	return nil
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

// headerIndex finds columns in one file's header by normalized name.
type headerIndex struct {
	base   string // the file's name, for errors
	header []string
	index  map[string]int  // normalized name -> first column with it
	dup    map[string]bool // normalized names that appear more than once
}

func newHeaderIndex(base string, header []string) *headerIndex {
	h := &headerIndex{base: base, header: header, index: make(map[string]int, len(header)), dup: map[string]bool{}}
	for i, cell := range header {
		n := normHeader(cell)
		if _, seen := h.index[n]; seen {
			h.dup[n] = true
			continue
		}
		h.index[n] = i
	}
	return h
}

func (h *headerIndex) missing(col, what string) error {
	return fmt.Errorf("%s: column %q (%s) not in header; header has: %s", h.base, col, what, headerList(h.header))
}

// find is the index of column col, or -1 when it is absent and not required. A column that
// appears twice is an error: which one was meant cannot be guessed.
func (h *headerIndex) find(col, what string, required bool) (int, error) {
	n := normHeader(col)
	i, ok := h.index[n]
	switch {
	case !ok && required:
		return -1, h.missing(col, what)
	case !ok:
		return -1, nil
	case h.dup[n]:
		return -1, fmt.Errorf("%s: column %q (%s) appears more than once in the header", h.base, col, what)
	}
	return i, nil
}

// resolve binds the configuration to the header. A configured column that is missing, or that
// appears twice, is an error for the whole run: every row would be wrong in the same way.
func (c *Connector) resolve(base string, header []string) (*layout, error) {
	h := newHeaderIndex(base, header)
	l := &layout{header: header}
	used, err := c.bindFields(h, l)
	if err != nil {
		return nil, err
	}
	if err := c.checkRequired(h, l); err != nil {
		return nil, err
	}
	if c.auto {
		autoMap(h, l, used)
		return l, nil
	}
	if l.signals, err = bindMapping(h, "signal", c.signals); err != nil {
		return nil, err
	}
	if l.attrs, err = bindMapping(h, "attribute", c.attrs); err != nil {
		return nil, err
	}
	return l, nil
}

// bindFields finds the column of each field of this kind: the configured one, which must be
// there, or else the column named like the field, if any. used marks the columns taken.
func (c *Connector) bindFields(h *headerIndex, l *layout) (used []bool, err error) {
	used = make([]bool, len(h.header))
	for i := range l.col {
		l.col[i] = -1
	}
	for _, f := range kindFields[c.kind] {
		col, explicit := c.columns[f.id]
		if !explicit {
			col = f.name
		}
		i, err := h.find(col, "field "+f.name, explicit)
		if err != nil {
			return nil, err
		}
		l.col[f.id], l.colName[f.id] = i, col
		if i >= 0 {
			used[i] = true
		}
	}
	return used, nil
}

// checkRequired fails when the file has no customer key column or lacks a field its kind
// cannot do without.
func (c *Connector) checkRequired(h *headerIndex, l *layout) error {
	keyNames := map[string]string{KindCustomers: `"domain" or "external_id"`}[c.kind]
	if keyNames == "" {
		keyNames = `"customer_domain" or "customer_external_id"`
	}
	if l.col[fDomain] < 0 && l.col[fExternalID] < 0 {
		return fmt.Errorf("%s: no customer key column: the header needs %s (or map one under columns); header has: %s", h.base, keyNames, headerList(h.header))
	}
	required := map[string][]field{KindContacts: {fEmail}, KindSignals: {fSignal, fValue}}[c.kind]
	for _, f := range required {
		if l.col[f] < 0 {
			return h.missing(l.colName[f], "field "+fieldName(c.kind, f))
		}
	}
	return nil
}

// autoMap reads every column no field took: canonical signal names (connectors.SignalRanges) as signals, the rest as
// attributes. A repeated column is read once, from its first occurrence.
func autoMap(h *headerIndex, l *layout, used []bool) {
	for i, cell := range h.header {
		n := normHeader(cell)
		if used[i] || n == "" || h.dup[n] && h.index[n] != i {
			continue
		}
		if _, canonical := connectors.SignalRanges[n]; canonical {
			l.signals = append(l.signals, mapped{n, i})
		} else {
			l.attrs = append(l.attrs, mapped{n, i})
		}
	}
}

// bindMapping finds the column of each configured signal or attribute; all must be there.
func bindMapping(h *headerIndex, what string, m map[string]string) ([]mapped, error) {
	out := make([]mapped, 0, len(m))
	for name, col := range m {
		i, err := h.find(col, what+" "+name, true)
		if err != nil {
			return nil, err
		}
		out = append(out, mapped{name, i})
	}
	// Sorted so pages list a row's signals in the same order on every run.
	slices.SortFunc(out, func(a, b mapped) int { return strings.Compare(a.name, b.name) })
	return out, nil
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

// Provides is the mapped signals and attributes of a customers file; a long-format signals
// file publishes whatever signals it names, and a customers file without a mapping reads every
// column whose name is a known signal or attribute, so only the data can tell for those.
func (c *Connector) Provides() connectors.Provides {
	switch {
	case c.kind == KindSignals || (c.kind == KindCustomers && c.auto):
		return connectors.Provides{Any: true}
	case c.kind != KindCustomers:
		return connectors.Provides{}
	}
	p := connectors.Provides{}
	for s := range c.signals {
		p.Signals = append(p.Signals, s)
	}
	for a := range c.attrs {
		p.Attributes = append(p.Attributes, a)
	}
	slices.Sort(p.Signals)
	slices.Sort(p.Attributes)
	return p
}
