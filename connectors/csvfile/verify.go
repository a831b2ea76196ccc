package csvfile

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"unicode"
)

// Verify checks that the file can be opened and that its header row has the columns the
// settings need, the same way Sync reads it (resolve), without reading any record. It is what
// `advocate doctor` asks of a CSV source: a sync would fail the same way.
func (c *Connector) Verify(ctx context.Context) error {
	base := filepath.Base(c.path)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return fmt.Errorf("%s: %w", base, err)
	} else if st.IsDir() {
		return fmt.Errorf("%s: %s is a directory, not a CSV file", base, c.path)
	}
	trim := !unicode.IsSpace(c.delim)
	r := csv.NewReader(newLineFeed(f, c.delim, trim))
	r.Comma = c.delim
	r.TrimLeadingSpace = trim
	header, err := readHeader(r, base)
	if err != nil {
		return err
	}
	_, err = c.resolve(base, header)
	return err
}
