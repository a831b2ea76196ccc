package benchtable

import (
	"bytes"
	"strings"
	"testing"
)

// A benchmark's line survives the trip through `go test` output (log prefixes, other lines),
// three runs give best and median, and a missed target reads FAIL in the table.
func TestCollectAndTable(t *testing.T) {
	runs := []Figure{
		{Name: "hot-rescore-1m/postgres", Figure: 1.4, Unit: "s", Max: 1, Note: "RSS 700 MB"},
		{Name: "hot-rescore-1m/postgres", Figure: 0.9, Unit: "s", Max: 1, Note: "RSS 700 MB"},
		{Name: "hot-rescore-1m/postgres", Figure: 0.8, Unit: "s", Max: 1, Note: "RSS 700 MB"},
		{Name: "ingest/sqlite", Figure: 300000, Unit: "signals/s"},
		{Name: "ingest/postgres", Figure: 400000, Unit: "signals/s", Reference: 1.3e6, RefName: "raw COPY", Ratio: 0.31, MinRatio: 0.5},
	}
	var in strings.Builder
	in.WriteString("goos: linux\nBenchmarkX-2   1   123 ns/op\n")
	for _, f := range runs {
		in.WriteString("    bench_test.go:12: " + f.Line() + "\n")
	}
	var echo, table bytes.Buffer
	figs, err := Collect(strings.NewReader(in.String()), &echo)
	if err != nil {
		t.Fatal(err)
	}
	if echo.String() != in.String() {
		t.Errorf("output not passed through unchanged")
	}
	if len(figs) != 3 {
		t.Fatalf("collected %d figures, want 3: %+v", len(figs), figs)
	}
	if err := WriteTable(&table, figs); err != nil {
		t.Fatal(err)
	}
	out := table.String()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ingest/sqlite") && (strings.Contains(line, "pass") || strings.Contains(line, "FAIL")) {
			t.Errorf("a figure without target is judged: %s", line)
		}
	}
	for _, want := range []string{
		"hot-rescore-1m/postgres  0.8 s", "0.9 s", "<= 1 s", "pass", "RSS 700 MB",
		"ingest/postgres", "1.3e+06 signals/s raw COPY", "0.31x (>= 0.5x)", "FAIL",
		"1 of 2 targets met",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
