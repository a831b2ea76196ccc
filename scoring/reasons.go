package scoring

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxReasons is how many phrases a result carries: what fits on one line of a Slack card.
const maxReasons = 3

// phraseCtx is what a formatter knows besides the value.
type phraseCtx struct {
	signal   string
	goodness float64
	weight   float64
	n        int    // customers with this signal
	currency string // symbol for money
}

// upper: in the better half of customers for this signal.
func (x phraseCtx) upper() bool { return x.goodness >= 0.5 }

// low: in the worst quarter, enough to call out as a red flag.
func (x phraseCtx) low() bool { return x.goodness <= 0.25 && x.n >= 4 }

// share is the fraction of customers at least as good as one with goodness g: the best of 21
// is in the top 1/21, about 5%.
func (x phraseCtx) share(g float64) float64 {
	n := float64(x.n)
	return (n - g*(n-1)) / n
}

// top is " (top 5%)" when the group is big enough for a percentile to mean something.
func (x phraseCtx) top() string {
	if b := bucket(x.share(x.goodness)); b != "" && x.n >= 10 {
		return " (top " + b + ")"
	}
	return ""
}

// bottom is " (bottom 10%)" in the same way.
func (x phraseCtx) bottom() string {
	if b := bucket(x.share(1 - x.goodness)); b != "" && x.n >= 10 {
		return " (bottom " + b + ")"
	}
	return ""
}

// bucket rounds a share up to a figure people say ("5%", "20%"); "" above one half.
func bucket(share float64) string {
	pct := share * 100
	for _, b := range []float64{1, 2, 5, 10, 15, 20, 25, 30, 40, 50} {
		if pct <= b {
			return strconv.Itoa(int(b)) + "%"
		}
	}
	return ""
}

// phrase turns a value into a reason. good returns the phrase when the value is a reason to
// recruit the customer, bad when it is a red flag worth a CSM's attention, "" otherwise.
type phrase struct {
	good func(v float64, x phraseCtx) string
	bad  func(v float64, x phraseCtx) string
}

// phrases holds the wording per canonical signal; other signals use genericPhrase.
var phrases = map[string]phrase{
	NPS: {
		good: func(v float64, x phraseCtx) string {
			switch {
			case v >= 9:
				return "NPS " + num(v) + " — promoter"
			case v >= 7 && x.upper():
				return "NPS " + num(v) + " — passive"
			}
			return ""
		},
		bad: func(v float64, _ phraseCtx) string {
			if v <= 6 {
				return "NPS " + num(v) + " — detractor"
			}
			return ""
		},
	},
	HealthScore: ranked("health score ", "", false),
	CSAT:        ranked("CSAT ", "", false),
	ActiveUsers: ranked("", " active users", false),
	Seats:       ranked("", " seats", false),
	LTV:         ranked("LTV ", "", true),
	MRR:         ranked("MRR ", "", true),
	ProductEvents30d: {
		good: func(_ float64, x phraseCtx) string {
			if !x.upper() {
				return ""
			}
			if t := x.top(); t != "" {
				return "product usage in " + strings.TrimSuffix(strings.TrimPrefix(t, " ("), ")")
			}
			return "high product usage"
		},
		bad: func(_ float64, x phraseCtx) string {
			if x.low() {
				return "low product usage" + x.bottom()
			}
			return ""
		},
	},
	UsageTrend: {
		good: func(v float64, _ phraseCtx) string {
			if v >= 1.05 {
				return "usage up " + strconv.Itoa(int(math.Round((v-1)*100))) + "% on the previous 30 days"
			}
			return ""
		},
		bad: func(v float64, _ phraseCtx) string {
			if v <= 0.8 {
				return "usage down " + strconv.Itoa(int(math.Round((1-v)*100))) + "% on the previous 30 days"
			}
			return ""
		},
	},
	Upsells12m:    counted("upsold ", "once", " times", " in 12 months", 1),
	ReferralsMade: counted("already referred ", "1 customer", " customers", "", 1),
	Tickets90d:    friction("support tickets in 90 days", "support ticket in 90 days"),
	TicketsOpen:   friction("open support tickets", "open support ticket"),
	Escalations90d: {
		good: func(v float64, _ phraseCtx) string {
			if v == 0 {
				return "no escalations in 90 days"
			}
			return ""
		},
		bad: func(v float64, _ phraseCtx) string {
			switch {
			case v == 1:
				return "1 escalation in 90 days"
			case v > 1:
				return num(v) + " escalations in 90 days"
			}
			return ""
		},
	},
	RetentionCost: {
		good: func(v float64, x phraseCtx) string {
			if x.upper() && x.weight < 0 {
				return "low retention cost (" + money(v, x.currency) + ")"
			}
			return ""
		},
		bad: func(v float64, x phraseCtx) string {
			if x.low() && x.weight < 0 {
				return "high retention cost (" + money(v, x.currency) + ")"
			}
			return ""
		},
	},
	TenureDays: {
		good: func(v float64, x phraseCtx) string {
			if !x.upper() {
				return ""
			}
			switch years := int(v / 365); {
			case years == 1:
				return "customer for 1 year"
			case years > 1:
				return "customer for " + strconv.Itoa(years) + " years"
			}
			return "customer for " + num(math.Floor(v/30)) + " months"
		},
	},
}

// ranked phrases a "more is better" amount by its percentile: "health score 92 (top 5%)".
func ranked(prefix, suffix string, isMoney bool) phrase {
	show := func(v float64, x phraseCtx) string {
		if isMoney {
			return prefix + money(v, x.currency) + suffix
		}
		return prefix + num(v) + suffix
	}
	return phrase{
		good: func(v float64, x phraseCtx) string {
			if x.upper() {
				return show(v, x) + x.top()
			}
			return ""
		},
		bad: func(v float64, x phraseCtx) string {
			if x.low() {
				return show(v, x) + x.bottom()
			}
			return ""
		},
	}
}

// counted phrases an event count where any occurrence is good news: "upsold 2 times in 12 months".
func counted(prefix, one, many, suffix string, atLeast float64) phrase {
	return phrase{good: func(v float64, _ phraseCtx) string {
		switch {
		case v == 1:
			return prefix + one + suffix
		case v >= atLeast:
			return prefix + num(v) + many + suffix
		}
		return ""
	}}
}

// friction phrases a count where fewer is better: "no support tickets in 90 days".
func friction(plural, singular string) phrase {
	unit := func(v float64) string {
		if v == 1 {
			return "1 " + singular
		}
		return num(v) + " " + plural
	}
	return phrase{
		good: func(v float64, x phraseCtx) string {
			switch {
			case v == 0:
				return "no " + plural
			case x.upper() && x.n >= 10:
				return "only " + unit(v)
			}
			return ""
		},
		bad: func(v float64, x phraseCtx) string {
			if v > 0 && x.low() {
				return unit(v)
			}
			return ""
		},
	}
}

// genericPhrase words any custom signal from its name: "nps_partner 9 (top 10%)" becomes
// "nps partner 9 (top 10%)"; for a negative weight "low refunds (0)" / "high refunds (12)".
func genericPhrase(signal string) phrase {
	label := strings.ReplaceAll(signal, "_", " ")
	return phrase{
		good: func(v float64, x phraseCtx) string {
			switch {
			case !x.upper():
				return ""
			case x.weight < 0:
				return "low " + label + " (" + num(v) + ")"
			}
			return label + " " + num(v) + x.top()
		},
		bad: func(v float64, x phraseCtx) string {
			switch {
			case !x.low():
				return ""
			case x.weight < 0:
				return "high " + label + " (" + num(v) + ")"
			}
			return label + " " + num(v) + x.bottom()
		},
	}
}

// reasons picks up to three phrases. The good ones come in the order of what sets this customer
// apart from the typical eligible customer (weight × (goodness − the median eligible goodness)),
// so the list does not open with what everybody has ("no escalations in 90 days"); if there is a
// red flag, the costliest one takes a slot near the end so a CSM sees it before approving; if a
// signal was stale, a caution takes the last slot. cs must be sorted as in Result.Contributions.
func (m *Model) reasons(r *run, i int, cs []Contribution) []string {
	type candidate struct {
		text  string
		apart float64
	}
	var good []candidate
	var bad string
	worst := -1.0
	for _, c := range cs {
		if !c.Present {
			continue
		}
		j, _ := slices.BinarySearch(m.signals, c.Signal)
		p := m.phraseFor(j, c.Value)
		x := phraseCtx{signal: c.Signal, goodness: c.Goodness, weight: c.Weight, n: r.ranks[j].stats.n, currency: m.currency}
		if p.good != nil {
			if s := p.good(c.Value, x); s != "" {
				apart := c.Points
				if r.typical != nil {
					apart = math.Abs(c.Weight) * (c.Goodness - r.typical[j])
				}
				good = append(good, candidate{s, apart})
				continue
			}
		}
		if p.bad != nil {
			if lost := math.Abs(c.Weight) * (1 - c.Goodness); lost > worst {
				if s := p.bad(c.Value, x); s != "" {
					bad, worst = s, lost
				}
			}
		}
	}
	caution := m.staleCaution(r, i)
	limit := maxReasons
	if bad != "" {
		limit--
	}
	if caution != "" {
		limit--
	}
	slices.SortStableFunc(good, func(a, b candidate) int { return cmp.Compare(b.apart, a.apart) })
	out := make([]string, 0, maxReasons)
	for _, g := range good[:min(len(good), limit)] {
		out = append(out, g.text)
	}
	if bad != "" {
		out = append(out, bad)
	}
	if caution != "" {
		out = append(out, caution)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// phraseFor picks the wording for signal j: its bucket label when a buckets transform labels
// the value, else the per-signal formatter, else the generic one.
func (m *Model) phraseFor(j int, v float64) phrase {
	if x := &m.xf[j]; x.kind == kBuckets {
		if b := x.bucketOf(v); b >= 0 && x.buckets[b].Label != "" {
			return labelPhrase(displayName(m.signals[j]) + " " + num(v) + " — " + x.buckets[b].Label)
		}
	}
	if p, ok := phrases[m.signals[j]]; ok {
		return p
	}
	return genericPhrase(m.signals[j])
}

// labelPhrase is a bucket label's reason: good in the better half of the scale, a red flag in
// the bottom quarter (goodness is absolute for buckets, so no population size is needed).
func labelPhrase(text string) phrase {
	return phrase{
		good: func(_ float64, x phraseCtx) string {
			if x.goodness >= 0.5 {
				return text
			}
			return ""
		},
		bad: func(_ float64, x phraseCtx) string {
			if x.goodness <= 0.25 {
				return text
			}
			return ""
		},
	}
}

// displayName is how a signal is named in a sentence: "NPS", "health score".
func displayName(signal string) string {
	switch signal {
	case NPS, CSAT, LTV, MRR:
		return strings.ToUpper(signal)
	}
	return strings.ReplaceAll(signal, "_", " ")
}

// staleCaution words customer i's stale signals, the weightiest first: "NPS is 14 months old
// — treated as missing", with "(+2 more stale)" when there are others.
func (m *Model) staleCaution(r *run, i int) string {
	best, bestW, count := -1, -1.0, 0
	for j, st := range r.stale {
		if st == nil || !st[i] {
			continue
		}
		count++
		w := 0.0
		if j < len(m.signals) {
			w = math.Abs(m.segs[0].w[j])
			if r.seg != nil {
				w = math.Abs(m.segs[r.seg[i]].w[j])
			}
		}
		if w > bestW || (w == bestW && m.cols[j] < m.cols[best]) {
			best, bestW = j, w
		}
	}
	if best < 0 {
		return ""
	}
	name := displayName(m.cols[best])
	s := name + " is out of date — treated as missing"
	if obs := r.observed[best]; obs != nil && obs[i] != 0 {
		s = name + " is " + age(r.now.Sub(time.Unix(obs[i], 0))) + " old — treated as missing"
	}
	if count > 1 {
		s += " (+" + strconv.Itoa(count-1) + " more stale)"
	}
	return s
}

// age words a duration the way a person would: "40 days", "14 months", "3 years".
func age(d time.Duration) string {
	days := int(d.Hours() / 24)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case days < 60:
		return plural(max(days, 0), "day")
	case days < 730:
		return plural(int(math.Round(float64(days)/30.44)), "month")
	}
	return plural(int(math.Round(float64(days)/365.25)), "year")
}

// num prints a value the way a person would write it: 1,204 or 3.5.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return groupThousands(strconv.FormatInt(int64(v), 10))
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return groupThousands(s[:i]) + s[i:]
	}
	return groupThousands(s)
}

// money prints whole major units with the configured symbol: $48,200.
func money(v float64, symbol string) string {
	return symbol + num(math.Round(v))
}

func groupThousands(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
