package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
)

// weekPage is This week: the stored shortlist of the week by CSM, with the decisions taken.
type weekPage struct {
	Week       string
	Posted     bool
	Missing    bool // no shortlist stored for the week yet
	Groups     []weekGroup
	Sources    []freshness
	CanDecide  bool
	Decided    int
	Candidates int
	SnoozeDays int // as the Slack button says it
}

type weekGroup struct {
	Owner   string
	Entries []weekEntry
}

type weekEntry struct {
	shortlist.Entry
	Decision *store.Decision // taken for this week; nil = still open
}

// freshness is one source's last successful sync.
type freshness struct {
	Connector string
	Age       string // "3 hours ago", "never"
	Error     string // the last error when the last attempt failed
	Stale     bool
}

func (s *Server) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// week serves This week.
func (s *Server) week(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	p := weekPage{Week: advocate.Week(now.In(s.location())), CanDecide: userFrom(ctx).may(RoleCSM) && s.Decide != nil}
	if sl, err := s.Store.GetShortlist(ctx, p.Week); err == nil {
		p.Posted = sl.PostedAt != nil
	}
	sl, err := shortlist.Stored(ctx, s.Store, p.Week)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.Missing = true
	case err != nil:
		s.fail(w, r, "read shortlist", err)
		return
	}
	ids := make([]string, len(sl.Entries))
	for i, e := range sl.Entries {
		ids[i] = e.Customer.ID
	}
	decided, err := s.Store.DecisionsOf(ctx, ids)
	if err != nil {
		s.fail(w, r, "read decisions", err)
		return
	}
	for _, g := range sl.ByOwner() {
		wg := weekGroup{Owner: g.Owner}
		for _, e := range g.Entries {
			we := weekEntry{Entry: e}
			// Only a decision taken for this week counts as done here (as on the Slack
			// message): an old skip that ran out must not hide a candidate listed again.
			if d, ok := decided[e.Customer.ID]; ok && d.Week == p.Week {
				we.Decision = &d
				p.Decided++
			}
			wg.Entries = append(wg.Entries, we)
			p.Candidates++
		}
		p.Groups = append(p.Groups, wg)
	}
	p.SnoozeDays = s.policy().SnoozeDays()
	if p.Sources, err = s.freshness(r, now); err != nil {
		s.fail(w, r, "read sync state", err)
		return
	}
	s.render(w, r, http.StatusOK, "week", view{Title: "This week", Nav: "week", Flash: s.takeFlash(w, r), Page: p})
}

// freshness lists each connector's last successful sync, oldest first.
func (s *Server) freshness(r *http.Request, now time.Time) ([]freshness, error) {
	states, err := s.Store.SyncStates(r.Context())
	if err != nil {
		return nil, err
	}
	staleAfter := s.policy().StaleAfter
	out := make([]freshness, 0, len(states))
	for name, st := range states {
		f := freshness{Connector: name, Age: "never", Stale: true}
		if st.LastSuccessAt != nil {
			f.Age = ago(now, *st.LastSuccessAt)
			f.Stale = staleAfter > 0 && now.Sub(*st.LastSuccessAt) > staleAfter
		}
		if st.ConsecutiveFailures > 0 {
			f.Error = st.LastError
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Connector < out[j].Connector })
	return out, nil
}

// policy is the shortlist policy in force (the config's, else the defaults).
func (s *Server) policy() advocate.Policy {
	if s.Config != nil {
		if c := s.Config(); c != nil {
			return c.Policy().WithDefaults()
		}
	}
	return advocate.Policy{}.WithDefaults()
}

// ago words how long before now t was, coarsely.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	}
	return plural(int(d.Hours()/24), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// decide records an Approve, Skip or Snooze pressed on This week, through the one decide path
// (which also updates the posted Slack message).
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if s.Decide == nil {
		s.refuse(w, r, http.StatusServiceUnavailable, "Decisions are not available on this server.")
		return
	}
	u := userFrom(r.Context())
	res, err := s.Decide.Decide(r.Context(), decide.Request{
		Customer: r.PostFormValue("customer"),
		Kind:     advocate.DecisionKind(r.PostFormValue("kind")),
		Week:     r.PostFormValue("week"),
		By:       u.Email,
		Via:      decide.ViaWeb,
	})
	if errors.Is(err, decide.ErrInvalid) || errors.Is(err, decide.ErrNotFound) {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil && res.Decision.ID == 0 {
		s.fail(w, r, "decide", err)
		return
	}
	msg := fmt.Sprintf("%s: %s by %s.", res.Customer.Label(), pastTense(res.Decision.Kind), u.Email)
	if err != nil {
		// Recorded, but a later step (enrollment, affiliate) failed: pressing again finishes it.
		s.log().Error("web: decision recorded, follow-up failed", "customer", res.Customer.ID, "err", err)
		msg += " But: " + err.Error() + " — press the button again to retry."
	}
	s.setFlash(w, msg)
	http.Redirect(w, r, "/#c-"+res.Customer.ID, http.StatusSeeOther)
}

func pastTense(kind string) string {
	switch kind {
	case "approve":
		return "approved"
	case "skip":
		return "skipped"
	case "snooze":
		return "snoozed"
	}
	return kind
}

const flashCookie = "advocate_flash"

// setFlash keeps a one-line message for the next page (after a POST's redirect).
func (s *Server) setFlash(w http.ResponseWriter, msg string) {
	s.setCookie(w, flashCookie, encodeFlash(msg), 60)
}

// takeFlash reads and clears the message setFlash kept.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.setCookie(w, flashCookie, "", -1)
	return decodeFlash(c.Value)
}
