package web

// Server-rendered SVG charts: no JavaScript, readable by screen readers (role="img", <title>
// and <desc>, plus a visually hidden data table is left to the page), and small enough to
// inline in the page.

import (
	"cmp"
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
	w, h := cmp.Or(c.Width, 640), cmp.Or(c.Height, 220)
	var b strings.Builder
	esc := html.EscapeString
	n, tmin, tmax, ymin, ymax := c.extent()
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
	p := plot{w: w, h: h, tmin: tmin, span: tmax.Sub(tmin), pw: float64(w - chartLeft - chartRight), ph: float64(h - chartTop - chartBottom)}
	p.ymin, p.ymax, p.ticks = c.yRange(ymin, ymax)
	if c.Bars { // bars need room either side of the first and last group
		p.slot = p.pw / float64(c.groups())
	}
	p.axes(&b, c, tmax)
	for i, s := range c.Series {
		p.series(&b, c, i, s)
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

// extent is how many points the chart has and the range of their times and values.
func (c Chart) extent() (n int, tmin, tmax time.Time, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
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
	return n, tmin, tmax, ymin, ymax
}

// yRange is the value axis: the data's range (or the chart's fixed one), widened to round ticks.
func (c Chart) yRange(ymin, ymax float64) (float64, float64, []float64) {
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
	return math.Min(ymin, ticks[0]), math.Max(ymax, ticks[len(ticks)-1]), ticks
}

// groups is how many distinct times the points have (one bar group each).
func (c Chart) groups() int {
	g := map[int64]bool{}
	for _, s := range c.Series {
		for _, p := range s.Points {
			g[p.T.Unix()] = true
		}
	}
	return len(g)
}

// plot maps times and values to the drawing area.
type plot struct {
	w, h       int
	tmin       time.Time
	span       time.Duration
	pw, ph     float64
	slot       float64 // the width of one bar group; 0 for lines
	ymin, ymax float64
	ticks      []float64
}

func (p plot) x(t time.Time) float64 {
	if p.span == 0 {
		return chartLeft + p.pw/2
	}
	return chartLeft + p.slot/2 + (p.pw-p.slot)*float64(t.Sub(p.tmin))/float64(p.span)
}

func (p plot) y(v float64) float64 { return chartTop + p.ph - p.ph*(v-p.ymin)/(p.ymax-p.ymin) }

// axes draws both axes with their tick labels.
func (p plot) axes(b *strings.Builder, c Chart, tmax time.Time) {
	w, h := p.w, p.h
	fmt.Fprintf(b, `<g class="axes" stroke="#888" stroke-width="1"><line x1="%d" y1="%d" x2="%d" y2="%d"/><line x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		chartLeft, chartTop, chartLeft, h-chartBottom, chartLeft, h-chartBottom, w-chartRight, h-chartBottom)
	b.WriteString(`<g class="y-ticks" font-size="11" text-anchor="end">`)
	for _, v := range p.ticks {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f">%s</text>`,
			chartLeft, w-chartRight, p.y(v), p.y(v), chartLeft-4, p.y(v)+4, formatTick(v))
	}
	b.WriteString(`</g>`)
	if c.YLabel != "" {
		fmt.Fprintf(b, `<text class="y-label" font-size="11" transform="translate(12 %d) rotate(-90)" text-anchor="middle">%s</text>`, chartTop+int(p.ph)/2, html.EscapeString(c.YLabel))
	}
	b.WriteString(`<g class="x-ticks" font-size="11" text-anchor="middle">`)
	for _, t := range timeTicks(p.tmin, tmax, 5) {
		// A label at an edge of the plot is anchored inside it, so it is not cut off.
		anchor := ""
		switch px := p.x(t); {
		case px <= chartLeft+20:
			anchor = ` text-anchor="start"`
		case px >= float64(w-chartRight)-20:
			anchor = ` text-anchor="end"`
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d"%s>%s</text>`, p.x(t), h-chartBottom+16, anchor, t.Format("Jan 2"))
	}
	b.WriteString(`</g>`)
}

// series draws series i as bars or as a line with a dot (and a tooltip) per point.
func (p plot) series(b *strings.Builder, c Chart, i int, s Series) {
	esc := html.EscapeString
	color := seriesColors[i%len(seriesColors)]
	fmt.Fprintf(b, `<g class="series" data-series="%s">`, esc(s.Name))
	if c.Bars {
		bw := p.slot * 0.8 / float64(len(c.Series))
		for _, pt := range s.Points {
			x0 := p.x(pt.T) - p.slot*0.4 + bw*float64(i)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x0, math.Min(p.y(pt.V), p.y(0)), bw, math.Abs(p.y(0)-p.y(pt.V)), color, esc(s.Name), pt.T.Format("2006-01-02"), formatTick(pt.V))
		}
	} else {
		var pts []string
		for _, pt := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.x(pt.T), p.y(pt.V)))
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
		for _, pt := range s.Points {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %s</title></circle>`,
				p.x(pt.T), p.y(pt.V), color, esc(s.Name), pt.T.Format("2006-01-02"), formatTick(pt.V))
		}
	}
	b.WriteString(`</g>`)
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
