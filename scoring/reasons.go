package scoring

import (
	"math"
	"strconv"
	"strings"
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

// reasons picks up to three phrases: the best present contributions in points order, and if
// there is a red flag, the costliest one takes the last slot so a CSM sees it before approving.
// cs must be sorted as in Result.Contributions; nOf gives how many customers have a signal.
func (m *Model) reasons(cs []Contribution, nOf func(signal string) int) []string {
	var good []string
	var bad string
	worst := -1.0
	for _, c := range cs {
		if !c.Present {
			continue
		}
		p, ok := phrases[c.Signal]
		if !ok {
			p = genericPhrase(c.Signal)
		}
		x := phraseCtx{signal: c.Signal, goodness: c.Goodness, weight: c.Weight, n: nOf(c.Signal), currency: m.currency}
		if p.good != nil {
			if s := p.good(c.Value, x); s != "" {
				good = append(good, s)
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
	limit := maxReasons
	if bad != "" {
		limit--
	}
	out := good[:min(len(good), limit)]
	if bad != "" {
		out = append(out, bad)
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
