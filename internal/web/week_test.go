package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestWeek: This week lists the shortlist by CSM with score, change, reasons and the person to
// ask; Approve from the web goes through the decide path (recorded via web, enrolled, the
// Slack message updated) and the page then shows who decided instead of the buttons.
func TestWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := newSite(t, st, nil)
		ids := s.seedWeek(t, 4)
		csm := s.signIn(t, RoleCSM)
		status, page := csm.get(t, "/")
		page = html.UnescapeString(page)
		if status != http.StatusOK {
			t.Fatalf("GET / = %d", status)
		}
		for _, want := range []string{"2026-W47", "maya@vendor.io", "li@vendor.io", "Customer 00", "92.5", "+2.5",
			"NPS 10 (promoter)", "Champ 00", "champ@cust00.io", "crm: synced 2 hours ago", "posted to Slack", "0 decided", "Snooze 30 days"} {
			if !strings.Contains(page, want) {
				t.Errorf("This week lacks %q", want)
			}
		}
		if strings.Index(page, "maya@vendor.io") > strings.Index(page, "li@vendor.io") {
			t.Error("CSMs are not in the order of their best candidate")
		}

		status, loc, _ := csm.post(t, "/decide", url.Values{"customer": {ids[0]}, "kind": {"approve"}, "week": {"2026-W47"}})
		if status != http.StatusSeeOther || loc != "/#c-"+ids[0] {
			t.Fatalf("approve = %d %q", status, loc)
		}
		_, page = csm.get(t, "/")
		page = html.UnescapeString(page)
		for _, want := range []string{"Customer 00 (cust00.io): approved by csm@vendor.io.", "approved</span> by csm@vendor.io", "via web", "1 decided"} {
			if !strings.Contains(page, want) {
				t.Errorf("after approving, the page lacks %q", want)
			}
		}
		d, err := st.DecisionsOf(ctx, ids[:1])
		if err != nil || d[ids[0]].Kind != "approve" || d[ids[0]].Via != decide.ViaWeb || d[ids[0]].DecidedBy != "csm@vendor.io" {
			t.Fatalf("stored decision %+v, %v", d, err)
		}
		if es, _ := st.Enrollments(ctx, ""); len(es) != 1 || es[0].ContactEmail != "champ@cust00.io" {
			t.Errorf("enrollments after a web approve: %+v", es)
		}
		s.flushSlack(t)
		_, updates, _ := s.Slack.Snapshot()
		if len(updates) != 1 || !strings.Contains(updates[0].RawJSON, "*Approved* by \\u003c@UCSM\\u003e") {
			t.Errorf("Slack chat.update calls: %+v, want one showing the decision", updates)
		}

		// Bad input is answered, and nothing is recorded.
		for _, form := range []url.Values{
			{"customer": {ids[1]}, "kind": {"adopt"}},
			{"customer": {"no-such.io"}, "kind": {"skip"}},
		} {
			if status, _, body := csm.post(t, "/decide", form); status != http.StatusBadRequest || !strings.Contains(body, "class=\"error\"") {
				t.Errorf("POST /decide %v = %d", form, status)
			}
		}
		if d, _ := st.DecisionsOf(ctx, ids); len(d) != 1 {
			t.Errorf("decisions after bad requests: %+v", d)
		}
	})
}

// TestWeekWithoutShortlist says how a week's list comes about instead of showing nothing.
func TestWeekWithoutShortlist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newSite(t, st, nil)
		_, page := s.signIn(t, RoleAdmin).get(t, "/")
		for _, want := range []string{"No shortlist for 2026-W47 yet", "advocate shortlist", "No source has synced yet"} {
			if !strings.Contains(page, want) {
				t.Errorf("empty This week lacks %q", want)
			}
		}
	})
}

// TestDrip: the funnel, the outbox, and a paused enrollment resumed from the page through
// the drip's own resume.
func TestDrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := newSite(t, st, nil)
		ids := s.seedWeek(t, 3)
		csm := s.signIn(t, RoleCSM)
		for _, id := range ids[:2] {
			if status, _, _ := csm.post(t, "/decide", url.Values{"customer": {id}, "kind": {"approve"}}); status != http.StatusSeeOther {
				t.Fatalf("approve %s: %d", id, status)
			}
		}
		es, err := st.Enrollments(ctx, "")
		if err != nil || len(es) != 2 {
			t.Fatalf("enrollments %+v %v", es, err)
		}
		if err := st.SetEnrollmentStatus(ctx, es[1].ID, "paused"); err != nil {
			t.Fatal(err)
		}
		_, page := csm.get(t, "/drip")
		for _, want := range []string{`<span class="n">3</span>shortlisted`, `<span class="n">2</span>approved and enrolled`,
			"waiting to be sent", "No failed emails.", es[1].ContactEmail, "Resume"} {
			if !strings.Contains(page, want) {
				t.Errorf("Drip lacks %q", want)
			}
		}
		status, loc, _ := csm.post(t, "/drip/resume", url.Values{"customer": {es[1].CustomerID}})
		if status != http.StatusSeeOther || loc != "/drip" {
			t.Fatalf("resume = %d %q", status, loc)
		}
		_, page = csm.get(t, "/drip")
		if !strings.Contains(page, "Resumed 1 enrollment of") || !strings.Contains(page, "No paused enrollments.") {
			t.Errorf("after resume the page says:\n%s", page)
		}
		if status, _, body := csm.post(t, "/drip/resume", url.Values{"customer": {es[1].CustomerID}}); status != http.StatusBadRequest || !strings.Contains(body, "no paused enrollment") {
			t.Errorf("resuming again = %d", status)
		}
		if status, _, _ := s.signIn(t, RoleMarketing).post(t, "/drip/resume", url.Values{"customer": {es[1].CustomerID}}); status != http.StatusForbidden {
			t.Errorf("marketing resume = %d, want 403", status)
		}
	})
}
