package web

// Server-rendered SVG charts: no JavaScript, readable by screen readers (role="img", <title>
// and <desc>, plus a visually hidden data table is left to the page), and small enough to
// inline in the page.

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// Point is one value at one time.
type Point struct {
	T time.Time
	V float64
}

// Series is one named line (or one bar of each group) of a chart.
type Series struct {
	Name   string
	Points []Point
}

// Chart is a time chart: lines over a time axis, or grouped bars per time (Bars).
type Chart struct {
	Title  string // the accessible name, also drawn above the plot
	YLabel string
	Series []Series
	Bars   bool // grouped bars at each time instead of lines
	// Counts: the values are whole numbers, so the value axis ticks are too.
	Counts bool
	// YMin and YMax fix the value axis (e.g. 0..100 for a score); both zero = from the data.
	YMin, YMax    float64
	Width, Height int // 0 = 640 x 220
}

// Chart geometry: margins leave room for tick labels on the left and bottom.
const (
	chartLeft, chartRight, chartTop, chartBottom = 48, 12, 28, 36
)

// seriesColors are distinguishable for common colour-vision deficiencies (Okabe-Ito).
var seriesColors = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"}

// SVG renders the chart as an inline <svg>. A chart with no points says so in words.
func (c Chart) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 220
	}
	var b strings.Builder
	esc := html.EscapeString
	n := 0
	var tmin, tmax time.Time
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			if n == 0 || p.T.Before(tmin) {
				tmin = p.T
			}
			if n == 0 || p.T.After(tmax) {
				tmax = p.T
			}
			ymin, ymax = math.Min(ymin, p.V), math.Max(ymax, p.V)
			n++
		}
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	desc := "no data yet"
	if n > 0 {
		desc = fmt.Sprintf("%s from %s to %s", strings.Join(names, ", "), tmin.Format("2006-01-02"), tmax.Format("2006-01-02"))
	}
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%[5]s-t %[5]s-d">`,
		w, h, w, h, chartID(c.Title))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%[1]s-d">%[3]s</desc>`, chartID(c.Title), esc(c.Title), esc(desc))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="chart-title" font-size="13" font-weight="bold">%s</text>`, chartLeft, esc(c.Title))
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">No data yet.</text></svg>`, chartLeft, h/2)
		return template.HTML(b.String())
	}
	if c.YMin != 0 || c.YMax != 0 {
		ymin, ymax = c.YMin, c.YMax
	}
	if c.Bars {
		ymin = math.Min(0, ymin)
	}
	if ymax == ymin {
		ymin, ymax = ymin-1, ymax+1
		if c.Counts && ymin < 0 && ymax-1 >= 0 { // a flat count never reads as negative
			ymin, ymax = 0, ymax+1
		}
	}
	ticks := niceTicks(ymin, ymax, 5)
	if c.Counts && ticks[1]-ticks[0] < 1 {
		ticks = niceTicks(ymin, math.Max(ymax, ymin+5), 5)
	}
	ymin, ymax = math.Min(ymin, ticks[0]), math.Max(ymax, ticks[len(ticks)-1])
	pw, ph := float64(w-chartLeft-chartRight), float64(h-chartTop-chartBottom)
	span := tmax.Sub(tmin)
	// Bars need room either side of the first and last group.
	slot := 0.0
	if c.Bars {
		groups := map[int64]bool{}
		for _, s := range c.Series {
			for _, p := range s.Points {
				groups[p.T.Unix()] = true
			}
		}
		slot = pw / float64(len(groups))
	}
	x := func(t time.Time) float64 {
		if span == 0 {
			return chartLeft + pw/2
		}
		return chartLeft + slot/2 + (pw-slot)*float64(t.Sub(tmin))/float64(span)
	}
	y := func(v float64) float64 { return chartTop + ph - ph*(v-ymin)/(ymax-ymin) }

	// Axes with tick labels.
	fmt.Fprintf(&b, `<g class="axes" stroke="#888" stroke-width="1"><line x1="%d" y1="%d" x2="%d" y2="%d"/><line x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		chartLeft, chartTop, chartLeft, h-chartBottom, chartLeft, h-chartBottom, w-chartRight, h-chartBottom)
	b.WriteString(`<g class="y-ticks" font-size="11" text-anchor="end">`)
	for _, v := range ticks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f">%s</text>`,
			chartLeft, w-chartRight, y(v), y(v), chartLeft-4, y(v)+4, formatTick(v))
	}
	b.WriteString(`</g>`)
	if c.YLabel != "" {
		fmt.Fprintf(&b, `<text class="y-label" font-size="11" transform="translate(12 %d) rotate(-90)" text-anchor="middle">%s</text>`, chartTop+int(ph)/2, esc(c.YLabel))
	}
	b.WriteString(`<g class="x-ticks" font-size="11" text-anchor="middle">`)
	for _, t := range timeTicks(tmin, tmax, 5) {
		// A label at an edge of the plot is anchored inside it, so it is not cut off.
		anchor := ""
		switch px := x(t); {
		case px <= chartLeft+20:
			anchor = ` text-anchor="start"`
		case px >= float64(w-chartRight)-20:
			anchor = ` text-anchor="end"`
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d"%s>%s</text>`, x(t), h-chartBottom+16, anchor, t.Format("Jan 2"))
	}
	b.WriteString(`</g>`)

	for i, s := range c.Series {
		color := seriesColors[i%len(seriesColors)]
		fmt.Fprintf(&b, `<g class="series" data-series="%s">`, esc(s.Name))
		if c.Bars {
			bw := slot * 0.8 / float64(len(c.Series))
			for _, p := range s.Points {
				x0 := x(p.T) - slot*0.4 + bw*float64(i)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
					x0, math.Min(y(p.V), y(0)), bw, math.Abs(y(0)-y(p.V)), color, esc(s.Name), p.T.Format("2006-01-02"), formatTick(p.V))
			}
		} else {
			var pts []string
			for _, p := range s.Points {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.T), y(p.V)))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
			for _, p := range s.Points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %s</title></circle>`,
					x(p.T), y(p.V), color, esc(s.Name), p.T.Format("2006-01-02"), formatTick(p.V))
			}
		}
		b.WriteString(`</g>`)
	}
	// Legend, right-aligned along the top.
	lx := w - chartRight
	for i := len(c.Series) - 1; i >= 0; i-- {
		s := c.Series[i]
		lx -= 8*len(s.Name) + 22
		fmt.Fprintf(&b, `<g class="legend"><rect x="%d" y="8" width="10" height="10" fill="%s"/><text x="%d" y="17" font-size="11">%s</text></g>`,
			lx, seriesColors[i%len(seriesColors)], lx+14, esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartID makes an id from a title for aria-labelledby.
func chartID(title string) string {
	var b strings.Builder
	b.WriteString("chart-")
	for _, r := range strings.ToLower(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// niceTicks returns about n round values covering lo..hi (steps of 1, 2 or 5 x 10^k).
func niceTicks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Floor(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}

// timeTicks returns up to n evenly spaced times from lo to hi (just lo when they are equal).
func timeTicks(lo, hi time.Time, n int) []time.Time {
	if !hi.After(lo) {
		return []time.Time{lo}
	}
	out := make([]time.Time, 0, n)
	for i := range n {
		out = append(out, lo.Add(time.Duration(float64(hi.Sub(lo))*float64(i)/float64(n-1))))
	}
	return out
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
