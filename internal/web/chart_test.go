package web

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestChartSVG(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		chart   Chart
		want    []string // substrings of the SVG
		wantNot []string
	}{
		{"line with title, description, axes and points", Chart{Title: "Score over time", YLabel: "score", YMin: 0, YMax: 100,
			Series: []Series{{Name: "score", Points: []Point{{day(2), 40}, {day(9), 70}}}}},
			[]string{`role="img"`, `<title id="chart-score-over-time-t">Score over time</title>`,
				`<desc id="chart-score-over-time-d">score from 2026-11-02 to 2026-11-09</desc>`,
				`<text x="44" y="188.0">0</text>`, `<text x="44" y="32.0">100</text>`, // value axis 0..100
				`text-anchor="start">Nov 2</text>`, `text-anchor="end">Nov 9</text>`, // time axis, edge labels inside the plot
				`points="48.0,121.6 628.0,74.8"`,               // 40 and 70 on a 156px-high plot
				`<title>score 2026-11-09: 70</title></circle>`, // each point names its value
				`>score</text>`}, // y label / legend
			[]string{"<rect x=\"48"}},
		{"grouped bars start at zero", Chart{Title: "Per week", Bars: true, Series: []Series{
			{Name: "referrals", Points: []Point{{day(2), 4}, {day(9), 2}}},
			{Name: "conversions", Points: []Point{{day(2), 1}, {day(9), 0}}}}},
			[]string{`<text x="44" y="188.0">0</text>`, `<title>referrals 2026-11-02: 4</title></rect>`,
				`<title>conversions 2026-11-09: 0</title></rect>`, `data-series="conversions"`},
			[]string{"polyline"}},
		{"counts get whole-number ticks", Chart{Title: "Active", Counts: true, Series: []Series{{Name: "active", Points: []Point{{day(2), 0}, {day(9), 1}}}}},
			[]string{`>1</text>`, `>5</text>`}, []string{">0.2<", ">0.5<"}},
		{"no data says so", Chart{Title: "Empty", Series: []Series{{Name: "x"}}},
			[]string{"<desc id=\"chart-empty-d\">no data yet</desc>", ">No data yet.</text>"}, []string{"polyline", "<rect"}},
		{"one point is centred, not divided by zero", Chart{Title: "One", Series: []Series{{Name: "x", Points: []Point{{day(2), 5}}}}},
			[]string{`<circle cx="338.0"`}, []string{"NaN", "Inf"}},
		{"names are escaped", Chart{Title: `A <b> & "c"`, Series: []Series{{Name: "<x>", Points: []Point{{day(2), 1}}}}},
			[]string{"A &lt;b&gt; &amp; &#34;c&#34;", "&lt;x&gt;"}, []string{"<b>", "<x>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svg := string(tc.chart.SVG())
			for _, w := range tc.want {
				if !strings.Contains(svg, w) {
					t.Errorf("SVG lacks %q:\n%s", w, svg)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(svg, w) {
					t.Errorf("SVG has %q:\n%s", w, svg)
				}
			}
			// Well-formed XML, so browsers render it inline.
			d := xml.NewDecoder(strings.NewReader(svg))
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
				}
			}
		})
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{{0, 100, "[0 20 40 60 80 100]"}, {3, 9, "[2 4 6 8 10]"}, {0, 7, "[0 2 4 6 8]"}, {-3, 2, "[-3 -2 -1 0 1 2]"}}
	for _, tc := range tests {
		if got := fmtSlice(niceTicks(tc.lo, tc.hi, 5)); got != tc.want {
			t.Errorf("niceTicks(%v, %v) = %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func fmtSlice(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, formatTick(x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
