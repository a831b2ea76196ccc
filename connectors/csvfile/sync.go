package csvfile

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/advocate-hq/advocate/connectors"
)

const cursorPrefix = "sha256:"

// Sync reads the file and hands its records to sink in pages of at most PageSize. The last
// page carries the cursor "sha256:<hex>" of the bytes read; when cursor already equals the
// file's hash, nothing is emitted.
func (c *Connector) Sync(ctx context.Context, cursor string, sink connectors.Sink) error {
	base := filepath.Base(c.path)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	if strings.HasPrefix(cursor, cursorPrefix) {
		// Hashing first costs one extra streaming read, and saves re-committing every record
		// of a file nobody touched, which is the common case for a scheduled sync.
		sum, err := hashFile(c.path)
		if err != nil {
			return fmt.Errorf("%s: %w", base, err)
		}
		if sum == cursor {
			return nil
		}
	}

	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%s: %s is a directory, not a CSV file", base, c.path)
	}

	// The cursor is the hash of the bytes actually parsed, so a file rewritten between the
	// check above and this read is still described truthfully.
	h := sha256.New()
	// Hand-edited files write `a, "b, c"`; skipping the space keeps the quotes meaningful. Not
	// for a whitespace delimiter, where it would merge empty cells.
	trim := !unicode.IsSpace(c.delim)
	feed := newLineFeed(io.TeeReader(f, h), c.delim, trim)
	r := csv.NewReader(feed)
	r.Comma = c.delim
	r.ReuseRecord = true
	r.TrimLeadingSpace = trim
	header, err := readHeader(r, base)
	if err != nil {
		return err
	}
	l, err := c.resolve(base, header)
	if err != nil {
		return err
	}

	feed.fields = len(header)

	rp := &rowParser{kind: c.kind, l: l, mtime: st.ModTime().UTC().Truncate(time.Second)}
	pg := &pager{ctx: ctx, sink: sink, base: base}
	if err := readRows(r, feed, rp, pg, base, len(header)); err != nil {
		return err
	}
	return pg.flush(cursorPrefix + hex.EncodeToString(h.Sum(nil)))
}

// readRows reads the records after the header into pages, each bad row as a problem with its
// line. It fails when a stray quote could not be read past.
func readRows(r *csv.Reader, feed *lineFeed, rp *rowParser, pg *pager, base string, width int) error {
	var rs resync
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var (
			pe   *csv.ParseError
			line int
		)
		switch {
		case err == nil:
			// FieldPos gives the line the record starts on, which differs from a row count
			// once a quoted cell spans lines.
			line, _ = r.FieldPos(0)
		case errors.As(err, &pe):
			line = pe.StartLine
		default:
			return fmt.Errorf("%s: %w", base, err) // an I/O error, not a bad row
		}
		if err := rs.skipped(pg, feed.take(line)); err != nil {
			return err
		}
		if err := rp.record(pg, rec, pe, width, line); err != nil {
			return err
		}
		if pe == nil {
			rs.broken = 0 // read again after the stray quote
		}
	}
	if err := rs.skipped(pg, feed.take(-1)); err != nil {
		return err
	}
	if rs.broken > 0 && feed.lines > rs.broken {
		// Every line after the stray quote failed too: not a file with one bad row, and
		// reporting success would hide that nothing after it was loaded.
		return fmt.Errorf("%s:%d: a quote opened on this line is never closed, and no later line could be read as CSV either; fix the file (pages committed before this point are kept)", base, rs.broken)
	}
	return nil
}

// record handles one record from the reader: its CSV error as the row's problem, or its
// records.
func (rp *rowParser) record(pg *pager, rec []string, pe *csv.ParseError, width, line int) error {
	if pe == nil {
		return rp.parse(rec, pg, line)
	}
	msg := pe.Err.Error()
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		msg = fmt.Sprintf("row has %d fields, header has %d", len(rec), width)
	}
	return pg.problem(line, msg)
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return cursorPrefix + hex.EncodeToString(h.Sum(nil)), nil
}

// pager batches records into pages and commits them.
type pager struct {
	ctx  context.Context
	sink connectors.Sink
	base string
	page connectors.Page
	n    int // records + problems in page
}

// room makes space for need more entries, committing the current page first if it would
// overflow. A row therefore stays in one page unless it alone is larger than a page.
func (p *pager) room(need int) error {
	if p.n > 0 && p.n+need > PageSize {
		return p.flush("")
	}
	return nil
}

func (p *pager) problem(line int, msg string) error {
	if err := p.room(1); err != nil {
		return err
	}
	p.page.Problems = append(p.page.Problems, connectors.Problem{Where: fmt.Sprintf("%s:%d", p.base, line), Message: msg})
	p.n++
	return nil
}

// resync follows whether reading got back on track after a row with a stray quote.
type resync struct {
	broken int // the first line skipped for a stray quote since the last line that parsed; 0 if none
}

// skipped adds the rows the line-aware reader skipped to the page.
func (rs *resync) skipped(p *pager, ps []lineProblem) error {
	for _, lp := range ps {
		if rs.broken == 0 {
			rs.broken = lp.line
		}
		if err := p.problem(lp.line, lp.msg); err != nil {
			return err
		}
	}
	return nil
}

func (p *pager) addSignal(s connectors.Signal) error {
	if err := p.room(1); err != nil {
		return err
	}
	if p.page.Signals == nil {
		// Signals dominate most files; sizing once avoids regrowing the slice every page.
		p.page.Signals = make([]connectors.Signal, 0, PageSize-p.n)
	}
	p.page.Signals = append(p.page.Signals, s)
	p.n++
	return nil
}

func (p *pager) flush(cursor string) error {
	// Checked between pages: a cancelled sync stops before committing more, and what was
	// committed stays (the cursor only moves with the last page).
	if err := p.ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", p.base, err)
	}
	p.page.Cursor = cursor
	if err := p.sink.Commit(p.ctx, p.page); err != nil {
		return fmt.Errorf("%s: committing page: %w", p.base, err)
	}
	p.page, p.n = connectors.Page{}, 0
	return nil
}

// rowParser turns one CSV record into records, or into one Problem listing everything wrong
// with the row, so a person fixes a row once rather than once per complaint.
type rowParser struct {
	kind  string
	l     *layout
	mtime time.Time
	errs  []string
	// sigs is scratch space for a row's signals until the row is known to be good.
	sigs []connectors.Signal
	// owners caches parsed owner emails: a file has thousands of rows and a handful of CSMs,
	// and address parsing was the costliest step per row.
	owners map[string]string
}

func (rp *rowParser) cell(rec []string, f field) string {
	if i := rp.l.col[f]; i >= 0 {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func (rp *rowParser) bad(f field, value string, err error) {
	rp.errs = append(rp.errs, fmt.Sprintf("column %q: %q is %v", rp.l.colName[f], value, err))
}

func (rp *rowParser) ref(rec []string) connectors.Ref {
	ref := connectors.Ref{ExternalID: rp.cell(rec, fExternalID)}
	if d := rp.cell(rec, fDomain); d != "" {
		if ref.Domain = connectors.NormalizeDomain(d); ref.Domain == "" {
			rp.bad(fDomain, d, errors.New("not a web domain"))
		}
		return ref
	}
	if ref.ExternalID == "" {
		var cols []string
		for _, f := range []field{fDomain, fExternalID} {
			if rp.l.col[f] >= 0 {
				cols = append(cols, fmt.Sprintf("%q", rp.l.colName[f]))
			}
		}
		rp.errs = append(rp.errs, "no customer key: "+strings.Join(cols, " and ")+" empty")
	}
	return ref
}

func (rp *rowParser) observedAt(rec []string) time.Time {
	// No date in the file: the file's modification time is the best statement of when these
	// values were true.
	s := rp.cell(rec, fObservedAt)
	if s == "" {
		return rp.mtime
	}
	t, err := parseTime(s)
	if err != nil {
		rp.bad(fObservedAt, s, err)
	}
	return t
}

func (rp *rowParser) email(rec []string, f field, required bool) string {
	s := rp.cell(rec, f)
	if s == "" {
		if required {
			rp.errs = append(rp.errs, fmt.Sprintf("column %q is empty", rp.l.colName[f]))
		}
		return ""
	}
	e, err := parseEmail(s)
	if err != nil {
		rp.bad(f, s, err)
	}
	return e
}

func (rp *rowParser) flag(rec []string, f field) bool {
	s := rp.cell(rec, f)
	b, err := parseBool(s)
	if err != nil {
		rp.bad(f, s, err)
	}
	return b
}

// parse validates one record and adds its records, or its problem, to the page.
func (rp *rowParser) parse(rec []string, pg *pager, line int) error {
	rp.errs = rp.errs[:0]
	switch rp.kind {
	case KindCustomers:
		return rp.customer(rec, pg, line)
	case KindContacts:
		return rp.contact(rec, pg, line)
	default:
		return rp.signal(rec, pg, line)
	}
}

func (rp *rowParser) problem(pg *pager, line int) error {
	return pg.problem(line, strings.Join(rp.errs, "; "))
}

func (rp *rowParser) customer(rec []string, pg *pager, line int) error {
	cu := connectors.Customer{Ref: rp.ref(rec), Name: rp.cell(rec, fName), Owner: rp.owner(rec)}
	at := rp.observedAt(rec)
	signals := rp.sigs[:0]
	for _, m := range rp.l.signals {
		s := strings.TrimSpace(rec[m.col])
		if s == "" {
			continue // missing: this source has no observation
		}
		v, err := parseNumber(s)
		if err != nil {
			rp.errs = append(rp.errs, fmt.Sprintf("column %q (signal %s): %q is %v", rp.l.headerName(m), m.name, s, err))
			continue
		}
		if err := connectors.CheckValue(m.name, v); err != nil {
			rp.errs = append(rp.errs, fmt.Sprintf("column %q: %v", rp.l.headerName(m), err))
			continue
		}
		signals = append(signals, connectors.Signal{Customer: cu.Ref, Name: m.name, Value: v, ObservedAt: at})
	}
	for _, m := range rp.l.attrs {
		if s := strings.TrimSpace(rec[m.col]); s != "" {
			if cu.Attributes == nil {
				cu.Attributes = make(map[string]string, len(rp.l.attrs))
			}
			cu.Attributes[m.name] = s
		}
	}
	rp.sigs = signals
	if len(rp.errs) > 0 {
		return rp.problem(pg, line)
	}
	if err := pg.room(1 + len(signals)); err != nil {
		return err
	}
	pg.page.Customers = append(pg.page.Customers, cu)
	pg.n++
	for _, s := range signals {
		if err := pg.addSignal(s); err != nil {
			return err
		}
	}
	return nil
}

func (rp *rowParser) owner(rec []string) string {
	s := rp.cell(rec, fOwner)
	if e, ok := rp.owners[s]; ok {
		return e
	}
	n := len(rp.errs)
	e := rp.email(rec, fOwner, false)
	if len(rp.errs) == n && len(rp.owners) < 1024 {
		if rp.owners == nil {
			rp.owners = map[string]string{}
		}
		rp.owners[s] = e
	}
	return e
}

func (rp *rowParser) contact(rec []string, pg *pager, line int) error {
	ct := connectors.Contact{
		Customer: rp.ref(rec),
		Email:    rp.email(rec, fEmail, true),
		Name:     rp.cell(rec, fName),
		Role:     rp.cell(rec, fRole),
		Champion: rp.flag(rec, fChampion),
		OptedOut: rp.flag(rec, fOptedOut),
	}
	if len(rp.errs) > 0 {
		return rp.problem(pg, line)
	}
	if err := pg.room(1); err != nil {
		return err
	}
	pg.page.Contacts = append(pg.page.Contacts, ct)
	pg.n++
	return nil
}

func (rp *rowParser) signal(rec []string, pg *pager, line int) error {
	ref := rp.ref(rec)
	name := normHeader(rp.cell(rec, fSignal))
	if name == "" {
		rp.errs = append(rp.errs, fmt.Sprintf("column %q is empty", rp.l.colName[fSignal]))
	}
	raw := rp.cell(rec, fValue)
	var v float64
	if raw != "" {
		var err error
		if v, err = parseNumber(raw); err != nil {
			rp.bad(fValue, raw, err)
		} else if err := connectors.CheckValue(name, v); err != nil {
			rp.errs = append(rp.errs, fmt.Sprintf("column %q: %v", rp.l.colName[fValue], err))
		}
	}
	at := rp.observedAt(rec)
	if len(rp.errs) > 0 {
		return rp.problem(pg, line)
	}
	if raw == "" {
		return nil // an answer left blank (a survey comment without a score): no observation
	}
	return pg.addSignal(connectors.Signal{Customer: ref, Name: name, Value: v, ObservedAt: at})
}

// readHeader reads a file's first row, its column names.
func readHeader(r *csv.Reader, base string) ([]string, error) {
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: file is empty; the first line must be a header row", base)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %w", base, err)
	}
	header = slices.Clone(header)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF") // Excel's "CSV UTF-8" starts with a BOM
	return header, nil
}
