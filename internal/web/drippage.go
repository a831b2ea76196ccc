package web

import (
	"encoding/base64"
	"net/http"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/store"
)

// dripView is the Drip page: the recruitment funnel, the outbox, failures and paused people.
type dripView struct {
	Funnel    program.Funnel
	Outbox    []outboxCount
	Failures  []store.OutboxEmail
	More      int // failures beyond those shown
	Paused    []pausedEnrollment
	CanResume bool
}

type outboxCount struct {
	State string
	Label string
	N     int
}

type pausedEnrollment struct {
	store.Enrollment
	Customer advocate.Customer
}

// maxFailuresShown bounds the failures table; the rest are counted.
const maxFailuresShown = 50

func (s *Server) dripPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var p dripView
	// The funnel is the program's (`advocate program`), counted once, in internal/program.
	in, err := program.Load(ctx, s.Store)
	if err != nil {
		s.fail(w, r, "read program funnel", err)
		return
	}
	p.Funnel = in.Funnel
	counts, err := s.Store.OutboxCounts(ctx)
	if err != nil {
		s.fail(w, r, "count outbox", err)
		return
	}
	for _, st := range []struct{ state, label string }{
		{"pending", "waiting to be sent"}, {"sending", "being sent"}, {"sent", "sent"},
		{"failed", "failed"}, {"cancelled", "not sent (unsubscribed, suppressed or stopped)"},
	} {
		p.Outbox = append(p.Outbox, outboxCount{State: st.state, Label: st.label, N: counts[st.state]})
	}
	failed, err := s.Store.OutboxEmails(ctx, store.OutboxFilter{Status: "failed"})
	if err != nil {
		s.fail(w, r, "list failed emails", err)
		return
	}
	// Newest first: the list is oldest first.
	for i := len(failed) - 1; i >= 0 && len(p.Failures) < maxFailuresShown; i-- {
		p.Failures = append(p.Failures, failed[i])
	}
	p.More = len(failed) - len(p.Failures)
	paused, err := s.Store.Enrollments(ctx, "paused")
	if err != nil {
		s.fail(w, r, "list paused enrollments", err)
		return
	}
	for _, e := range paused {
		c, err := s.Store.FindCustomer(ctx, e.CustomerID)
		if err != nil {
			c = advocate.Customer{ID: e.CustomerID}
		}
		p.Paused = append(p.Paused, pausedEnrollment{Enrollment: e, Customer: c})
	}
	p.CanResume = s.Drip != nil && userFrom(ctx).may(RoleCSM)
	s.render(w, r, http.StatusOK, "drip", view{Title: "Drip", Nav: "drip", Flash: s.takeFlash(w, r), Page: p})
}

// resume resumes a customer's paused enrollments, as `advocate drip resume CUSTOMER` does.
func (s *Server) resume(w http.ResponseWriter, r *http.Request) {
	if s.Drip == nil {
		s.refuse(w, r, http.StatusServiceUnavailable, "The drip is not running on this server.")
		return
	}
	customer := r.PostFormValue("customer")
	n, err := s.Drip.Resume(r.Context(), customer)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "Not resumed: "+err.Error())
		return
	}
	s.log().Info("web: drip resumed", "customer", customer, "by", userFrom(r.Context()).Email, "enrollments", n)
	s.setFlash(w, "Resumed "+plural(n, "enrollment")+" of "+customer+"; due emails go out with the next drip run.")
	http.Redirect(w, r, "/drip", http.StatusSeeOther)
}

// Flash messages travel in a cookie, whose value may not hold every character.
func encodeFlash(msg string) string { return base64.RawURLEncoding.EncodeToString([]byte(msg)) }

func decodeFlash(v string) string {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(b)
}
