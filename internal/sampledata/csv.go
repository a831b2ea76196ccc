package sampledata

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"
)

// File names of the generated data, as bundled in examples/.
const (
	CustomersFile = "customers.csv"
	ContactsFile  = "contacts.csv"
	NPSFile       = "nps.csv"
)

// CustomerAttributeColumns are the text columns of customers.csv after domain, name and owner.
var CustomerAttributeColumns = []string{"industry", "plan", "segment", "acquisition_channel", "customer_since", "is_partner"}

// Files renders the data set as the three CSV files, keyed by file name.
func (d Dataset) Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	var err error
	if files[CustomersFile], err = writeCSV(d.customerRows()); err != nil {
		return nil, fmt.Errorf("%s: %w", CustomersFile, err)
	}
	if files[ContactsFile], err = writeCSV(d.contactRows()); err != nil {
		return nil, fmt.Errorf("%s: %w", ContactsFile, err)
	}
	if files[NPSFile], err = writeCSV(d.npsRows()); err != nil {
		return nil, fmt.Errorf("%s: %w", NPSFile, err)
	}
	return files, nil
}

func writeCSV(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (d Dataset) customerRows() [][]string {
	header := append([]string{"domain", "name", "owner"}, CustomerAttributeColumns...)
	header = append(header, SignalColumns...)
	header = append(header, "observed_at")
	rows := [][]string{header}
	observed := d.Ref.UTC().Format(time.RFC3339)
	for _, c := range d.Customers {
		row := []string{c.Domain, c.Name, c.Owner, c.Industry, c.Plan, c.Segment, c.Channel,
			c.Since.Format(time.DateOnly), strconv.FormatBool(c.IsPartner)}
		for _, s := range SignalColumns {
			v, ok := c.Signals[s]
			if !ok {
				row = append(row, "") // missing: the source has no value
				continue
			}
			row = append(row, strconv.FormatFloat(v, 'f', -1, 64))
		}
		rows = append(rows, append(row, observed))
	}
	return rows
}

func (d Dataset) contactRows() [][]string {
	rows := [][]string{{"customer_domain", "email", "name", "role", "champion", "opted_out"}}
	for _, c := range d.Contacts {
		rows = append(rows, []string{c.Domain, c.Email, c.Name, c.Role, strconv.FormatBool(c.Champion), strconv.FormatBool(c.OptedOut)})
	}
	return rows
}

func (d Dataset) npsRows() [][]string {
	rows := [][]string{{"customer_domain", "signal", "value", "observed_at"}}
	for _, a := range d.NPS {
		rows = append(rows, []string{a.Domain, "nps", strconv.Itoa(a.Value), a.At.UTC().Format(time.RFC3339)})
	}
	return rows
}
