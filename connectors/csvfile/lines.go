package csvfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits on one quoted cell that spans lines (a note with line breaks). A quote still open
// after this many lines, or at the end of the file, was never meant to span them: a stray quote.
const (
	maxQuotedLines = 1000
	maxQuotedBytes = 1 << 20
)

// lineFeed sits between the file and encoding/csv and hands it the file one record at a time,
// line-aware, so that one unterminated quote costs one row instead of the rest of the file
// (encoding/csv reads on to the end of the file looking for the closing quote). A record whose
// quote opens on one line and closes on a later one is passed on whole when the close is
// well-formed and the record has the header's number of fields: a legitimate multi-line cell.
// Otherwise the quote was stray: the line it opened on is replaced by an empty line (which
// encoding/csv skips, keeping its line numbers right), reported in problems, and reading
// resumes with the next line.
type lineFeed struct {
	br     *bufio.Reader
	delim  rune
	trim   bool // the reader skips spaces before a quote (TrimLeadingSpace)
	fields int  // the header's field count once known; 0 before

	lineNo   int      // the number of the line last taken
	lines    int      // lines in the file so far
	back     []string // lines read but not yet handed on, in order
	out      []byte   // bytes not yet read by encoding/csv
	err      error    // the file's error once it has no more lines
	problems []lineProblem
}

type lineProblem struct {
	line int
	msg  string
}

func newLineFeed(r io.Reader, delim rune, trim bool) *lineFeed {
	return &lineFeed{br: bufio.NewReaderSize(r, 64<<10), delim: delim, trim: trim}
}

func (f *lineFeed) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.err != nil && len(f.back) == 0 {
			return 0, f.err
		}
		f.record()
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

// plain hands on, straight from the buffer, the file's next whole lines up to the first one
// that holds a quote (most lines of most files hold none); false when the slow path must run.
func (f *lineFeed) plain() bool {
	if len(f.back) > 0 || f.err != nil {
		return false
	}
	if f.br.Buffered() == 0 {
		f.br.Peek(1) // fill the buffer; an error shows on the slow path
	}
	b, _ := f.br.Peek(f.br.Buffered())
	if q := bytes.IndexByte(b, '"'); q >= 0 {
		b = b[:q]
	}
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return false
	}
	f.out = append(f.out[:0], b[:end+1]...)
	f.br.Discard(end + 1)
	f.lineNo += bytes.Count(f.out, []byte{'\n'})
	f.lines = f.lineNo
	return true
}

// line returns the next line with its terminator, or false at the end of the file.
func (f *lineFeed) line() (string, bool) {
	if len(f.back) > 0 {
		l := f.back[0]
		f.back = f.back[1:]
		f.lineNo++
		return l, true
	}
	if f.err != nil {
		return "", false
	}
	l, err := f.br.ReadString('\n')
	if err != nil {
		f.err = err
	}
	if l == "" {
		return "", false
	}
	f.lineNo++
	f.lines = f.lineNo
	return l, true
}

// record moves the next record into out.
func (f *lineFeed) record() {
	if f.plain() {
		return
	}
	first, ok := f.line()
	if !ok {
		return
	}
	start := f.lineNo
	var st quoteState
	st.scan(first, f.delim, f.trim)
	if !st.inQuote {
		f.out = append(f.out[:0], first...)
		return
	}
	lines, size := []string{first}, len(first)
	for {
		next, ok := f.line()
		switch {
		case !ok:
			f.broken(start, lines, "a quote opened on this line is never closed before the end of the file")
			return
		case len(lines) >= maxQuotedLines || size > maxQuotedBytes:
			f.broken(start, append(lines, next), fmt.Sprintf("a quote opened on this line is not closed within %d lines", maxQuotedLines))
			return
		}
		lines, size = append(lines, next), size+len(next)
		st.scan(next, f.delim, f.trim)
		if st.junk || (!st.inQuote && f.fields > 0 && st.fields != f.fields) {
			f.broken(start, lines, fmt.Sprintf("a quote opened on this line is not closed on it (it would close on line %d, in the middle of a cell)", f.lineNo))
			return
		}
		if !st.inQuote {
			f.out = append(f.out[:0], strings.Join(lines, "")...)
			return
		}
	}
}

// broken reports the record starting at line start as malformed, hands on an empty line in its
// place, and puts the lines after it back to be read again.
func (f *lineFeed) broken(start int, lines []string, msg string) {
	f.problems = append(f.problems, lineProblem{start, msg + "; row skipped"})
	f.back = append(lines[1:len(lines):len(lines)], f.back...)
	f.lineNo = start
	f.out = append(f.out[:0], '\n')
}

// take returns the problems found on lines before line (all of them for line < 0).
func (f *lineFeed) take(line int) []lineProblem {
	n := 0
	for n < len(f.problems) && (line < 0 || f.problems[n].line < line) {
		n++
	}
	out := f.problems[:n:n]
	f.problems = f.problems[n:]
	return out
}

// quoteState follows CSV quoting across the lines of one record, as encoding/csv reads it
// without LazyQuotes.
type quoteState struct {
	inQuote    bool
	afterQuote bool // a quoted cell just closed: only a delimiter or the line's end may follow
	midCell    bool // some of the current cell was read (a quote here is not an opening one)
	junk       bool // something other than a delimiter followed a closing quote
	fields     int
}

func (st *quoteState) scan(line string, delim rune, trim bool) {
	if st.fields == 0 {
		st.fields = 1
	}
	for i := 0; i < len(line); {
		c, w := utf8.DecodeRuneInString(line[i:])
		i += w
		switch {
		case st.inQuote:
			if c == '"' {
				if strings.HasPrefix(line[i:], `"`) {
					i++ // an escaped quote
				} else {
					st.inQuote, st.afterQuote = false, true
				}
			}
		case c == delim:
			st.fields++
			st.afterQuote, st.midCell = false, false
		case c == '\n' || c == '\r':
		case st.afterQuote:
			st.junk = true
		case c == '"' && !st.midCell:
			st.inQuote = true
		case trim && !st.midCell && (c == ' ' || c == '\t'):
		default:
			st.midCell = true
		}
	}
}
