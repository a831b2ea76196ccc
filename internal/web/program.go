package web

// The Program page (/program): the KPIs of `advocate program` and how they moved week by week.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/advocate-hq/advocate/internal/program"
)

const (
	defaultProgramDays = 90 // `advocate program`'s default window
	maxProgramDays     = 730
)

type programView struct {
	Days     int
	Report   program.Report
	Activity Chart // referrals and conversions per week
	Active   Chart // affiliates that brought a sign-up, per week
	Error    string
}

func (s *Server) programPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	days := defaultProgramDays
	if q := r.URL.Query().Get("days"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > maxProgramDays {
			s.render(w, r, http.StatusUnprocessableEntity, "program", view{Title: "Program", Nav: "program",
				Page: programView{Days: defaultProgramDays, Error: "days must be a whole number of days from 1 to " + strconv.Itoa(maxProgramDays) + ", got “" + q + "”"}})
			return
		}
		days = n
	}
	cfg := s.pageConfig()
	now := s.now()
	// The inputs are read once; the KPIs are program.Compute's, over the whole window and over
	// each week of it, so every figure here means what `advocate program` means by it.
	in, err := program.Load(ctx, s.Store)
	if err != nil {
		s.pageError(w, r, "program page", err)
		return
	}
	weekly := in // the channel comparison is not charted: leave the customers out of the weeks
	if in.Customers, err = program.LoadCustomers(ctx, s.Store, cfg.Sources(), now); err != nil {
		s.pageError(w, r, "program page", err)
		return
	}
	v := programView{Days: days, Report: program.Compute(in, now, days)}
	v.Activity = Chart{Title: "Referrals and conversions per week", YLabel: "per week", Bars: true, Counts: true,
		Series: []Series{{Name: "referrals"}, {Name: "conversions"}}}
	v.Active = Chart{Title: "Active affiliates per week", YLabel: "affiliates", Counts: true, Series: []Series{{Name: "active"}}, Height: 180}
	for _, end := range weekEnds(now, days) {
		rep := program.Compute(weekly, end, 7)
		start := end.AddDate(0, 0, -7)
		v.Activity.Series[0].Points = append(v.Activity.Series[0].Points, Point{start, float64(rep.Referrals)})
		v.Activity.Series[1].Points = append(v.Activity.Series[1].Points, Point{start, float64(rep.Conversions)})
		v.Active.Series[0].Points = append(v.Active.Series[0].Points, Point{start, float64(rep.Active)})
	}
	s.render(w, r, http.StatusOK, "program", view{Title: "Program", Nav: "program", Page: v})
}

// weekEnds returns the ends of the 7-day windows that cover the days before now, oldest
// first, the last ending now. program.Compute's window includes both ends, so an event at
// exactly a boundary instant counts in both weeks it separates; the charts accept that rather
// than re-derive the window.
func weekEnds(now time.Time, days int) []time.Time {
	weeks := (days + 6) / 7
	out := make([]time.Time, 0, weeks)
	for i := weeks - 1; i >= 0; i-- {
		out = append(out, now.AddDate(0, 0, -7*i))
	}
	return out
}
