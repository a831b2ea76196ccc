// Package benchtable is how benchmarks report a performance target (DESIGN.md "Performance
// targets") so `make bench` can end with one table: each benchmark prints one machine-readable
// line per figure,
//
//	BENCH name=hot-rescore-1m/postgres figure=0.84 unit=s target=<=1 reference=... ratio=... pass=true
//
// and Collect gathers those lines from `go test -bench` output (several runs of one benchmark,
// with -count, give the min and the median) into the table.
package benchtable

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Figure is one measured figure against its target.
type Figure struct {
	Name   string  // stable id, e.g. "score-1m/postgres"
	Figure float64 // what was measured
	Unit   string  // of Figure: "s", "ms", "MB", "signals/s" …
	// Max and Min bound Figure (0: no bound): a duration has a Max, a rate a Min.
	Max, Min float64
	// Reference is a yardstick measured in the same run (0: none), in RefUnit, named RefName
	// ("window-function SQL", "raw COPY"); Ratio is how Figure compares with it, oriented so
	// that more is better (a speedup for times, a fraction for rates), and MinRatio its target.
	Reference         float64
	RefName, RefUnit  string
	Ratio, MinRatio   float64
	Note              string // free text for the table ("RSS 812 MB")
	runs              []float64
	minRun, medianRun float64
}

// HigherIsBetter is true for rates (a unit per second, "signals/s") and figures with a lower
// bound: the best run is then the highest.
func (f Figure) HigherIsBetter() bool { return f.Min != 0 || strings.HasSuffix(f.Unit, "/s") }

// HasTarget reports whether f has any bound to meet.
func (f Figure) HasTarget() bool { return f.Max != 0 || f.Min != 0 || f.MinRatio != 0 }

// Pass reports whether Figure and Ratio meet their bounds.
func (f Figure) Pass() bool {
	return (f.Max == 0 || f.Figure <= f.Max) && (f.Min == 0 || f.Figure >= f.Min) && (f.MinRatio == 0 || f.Ratio >= f.MinRatio)
}

// Line is the BENCH line for f.
func (f Figure) Line() string {
	kv := []string{"name=" + f.Name, "figure=" + num(f.Figure), "unit=" + f.Unit}
	add := func(k string, v float64) {
		if v != 0 {
			kv = append(kv, k+"="+num(v))
		}
	}
	add("max", f.Max)
	add("min", f.Min)
	add("reference", f.Reference)
	if f.RefName != "" {
		kv = append(kv, "refname="+quote(f.RefName))
	}
	if f.RefUnit != "" {
		kv = append(kv, "refunit="+f.RefUnit)
	}
	add("ratio", f.Ratio)
	add("minratio", f.MinRatio)
	if f.Note != "" {
		kv = append(kv, "note="+quote(f.Note))
	}
	kv = append(kv, "pass="+strconv.FormatBool(f.Pass()))
	return "BENCH " + strings.Join(kv, " ")
}

// Print writes f's BENCH line to stdout, where `go test -bench` passes it through unindented.
func Print(f Figure) { fmt.Println(f.Line()) }

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// quote keeps a value one field: one with spaces or quotes is Go-quoted.
func quote(s string) string {
	if strings.ContainsAny(s, " \t\"") {
		return strconv.Quote(s)
	}
	return s
}

// Parse reads a BENCH line (anything before "BENCH " is ignored: log prefixes).
func Parse(line string) (Figure, bool) {
	_, rest, ok := strings.Cut(line, "BENCH name=")
	if !ok {
		return Figure{}, false
	}
	var f Figure
	rest = "name=" + rest
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		var v string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return Figure{}, false
			}
			v, _ = strconv.Unquote(q)
			rest = after[len(q):]
		} else {
			v, rest, _ = strings.Cut(after, " ")
		}
		x, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "name":
			f.Name = v
		case "figure":
			f.Figure = x
		case "unit":
			f.Unit = v
		case "max":
			f.Max = x
		case "min":
			f.Min = x
		case "reference":
			f.Reference = x
		case "refname":
			f.RefName = v
		case "refunit":
			f.RefUnit = v
		case "ratio":
			f.Ratio = x
		case "minratio":
			f.MinRatio = x
		case "note":
			f.Note = v
		}
	}
	return f, f.Name != ""
}

// Collect copies r to w unchanged and returns the figures of the BENCH lines in it, one per
// name in first-seen order: the median run (by Figure; the better one of the middle two when
// the count is even) with every run's figure kept for the best and median columns.
func Collect(r io.Reader, w io.Writer) ([]Figure, error) {
	byName := map[string][]Figure{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if w != nil {
			fmt.Fprintln(w, line)
		}
		if f, ok := Parse(line); ok {
			if _, seen := byName[f.Name]; !seen {
				order = append(order, f.Name)
			}
			byName[f.Name] = append(byName[f.Name], f)
		}
	}
	var out []Figure
	for _, name := range order {
		runs := byName[name]
		higher := runs[0].HigherIsBetter()
		slices.SortFunc(runs, func(a, b Figure) int {
			if higher {
				return cmp.Compare(b.Figure, a.Figure)
			}
			return cmp.Compare(a.Figure, b.Figure)
		})
		med := runs[(len(runs)-1)/2]
		for _, f := range runs {
			med.runs = append(med.runs, f.Figure)
		}
		med.minRun, med.medianRun = runs[0].Figure, med.Figure
		out = append(out, med)
	}
	return out, sc.Err()
}

// WriteTable prints the figures as one table: best and median run, target, reference, ratio
// and pass/fail (judged on the median run).
func WriteTable(w io.Writer, figs []Figure) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tbest\tmedian\truns\ttarget\treference\tratio\tresult\tnote")
	failed, targets := 0, 0
	for _, f := range figs {
		target := "-"
		switch {
		case f.Max != 0:
			target = "<= " + num(f.Max) + " " + f.Unit
		case f.Min != 0:
			target = ">= " + num(f.Min) + " " + f.Unit
		}
		ref, ratio := "-", "-"
		if f.Reference != 0 {
			ref = strings.TrimSpace(num(f.Reference) + " " + cmp.Or(f.RefUnit, f.Unit) + " " + f.RefName)
		}
		if f.Ratio != 0 {
			ratio = num(f.Ratio) + "x"
			if f.MinRatio != 0 {
				ratio += " (>= " + num(f.MinRatio) + "x)"
			}
		}
		result := "pass"
		switch {
		case !f.HasTarget():
			result = "-" // printed for comparison (SQLite), no target
		case !f.Pass():
			result, failed = "FAIL", failed+1
		default:
			targets++
		}
		runs := len(f.runs)
		best, median := f.minRun, f.medianRun
		if runs == 0 {
			runs, best, median = 1, f.Figure, f.Figure
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s %s\t%d\t%s\t%s\t%s\t%s\t%s\n", f.Name, num(best), f.Unit, num(median), f.Unit, runs,
			target, ref, ratio, result, f.Note)
	}
	fmt.Fprintf(tw, "\n%d of %d targets met\n", targets, targets+failed)
	return tw.Flush()
}

// Ratio is a/b, or 0 when b is 0 (no reference measured).
func Ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(b) {
		return 0
	}
	return a / b
}

// RSSMB returns the process's resident set now and its peak so far (VmRSS, VmHWM), in MB;
// zeros where /proc is not available.
func RSSMB() (now, peak float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if k == "VmRSS" {
			now = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return now, peak
}
