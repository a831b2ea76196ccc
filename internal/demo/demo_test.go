package demo

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/advocate-hq/advocate/connectors/all" // the csv connector loads the sample data
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/sampledata"
	"github.com/advocate-hq/advocate/internal/store"
)

// TestDemoInviteIsCustomerSafe: the demo's invite.eml is what the first candidate would
// receive, so it carries highlights, never the scoring reasons the shortlist prints.
func TestDemoInviteIsCustomerSafe(t *testing.T) {
	ctx := context.Background()
	res, err := Run(ctx, Options{OutDir: t.TempDir(), Stdout: io.Discard, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.InviteEML == "" || len(res.Shortlist.Entries[0].Reasons) == 0 {
		t.Fatalf("no invitation, or no reasons that could leak: %+v", res)
	}
	cfg, err := config.Load(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, res.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := res.Shortlist.Entries[0]
	d, err := inviteData(ctx, e, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	c, err := email.RenderInviteContent(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{c.Subject, c.Text, c.HTML} {
		if term := email.InternalTerm(strings.ReplaceAll(body, e.Customer.Name, "")); term != "" {
			t.Errorf("the demo invitation says %q", term)
		}
	}
	if len(d.Highlights) == 0 || !strings.Contains(c.Text, d.Highlights[0]) || !d.FromCSM {
		t.Errorf("want highlights, sent as the CSM; got %+v:\n%s", d, c.Text)
	}
}

// TestDemoProgram: the demo shows a real affiliate program from the recorded sample outcomes,
// keeps existing affiliates off the shortlist, and the command it prints counts the same
// figures on the user's clock, however long after the demo's reference date it runs.
func TestDemoProgram(t *testing.T) {
	ctx := context.Background()
	userNow := Now.Add(41*24*time.Hour + 5*time.Hour + 17*time.Minute) // the user's clock: weeks later, any hour
	var out strings.Builder
	res, err := Run(ctx, Options{OutDir: t.TempDir(), Stdout: &out, Clock: func() time.Time { return userNow }})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Program
	if p.Affiliates == 0 || p.Active == 0 || p.Referrals == 0 || p.Conversions == 0 || p.Earnings == 0 || p.Funnel.Shortlisted == 0 {
		t.Errorf("the demo's program is empty: %+v", p)
	}
	for _, want := range []string{"4. Affiliate program, last 90 days (recorded sample data: no platform contacted)",
		fmt.Sprintf("%d affiliates, %d active", p.Affiliates, p.Active),
		fmt.Sprintf("%d referrals, %d conversions", p.Referrals, p.Conversions),
		"Every KPI: " + res.ProgramCommand} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}

	affiliates := map[string]bool{}
	for _, a := range sampledata.Demo().Program.Affiliates {
		affiliates[a.Domain] = true
	}
	for _, e := range res.Shortlist.Entries {
		if affiliates[e.Customer.Domain] {
			t.Errorf("existing affiliate %s is on the shortlist", e.Customer.Domain)
		}
	}

	// The printed command: --config the demo's config, --days so that its window on the
	// user's clock holds the demo's.
	days := ProgramDays(userNow)
	if want := fmt.Sprintf("go run ./cmd/advocate --config %s program --days %d", res.Config, days); res.ProgramCommand != want {
		t.Errorf("printed %q, want %q", res.ProgramCommand, want)
	}
	st, err := store.Open(ctx, res.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, err := config.Load(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	later, err := program.FromStore(ctx, st, cfg.Sources(), userNow, days)
	if err != nil {
		t.Fatal(err)
	}
	// The demo prints the KPIs above, not the channel comparison, which reads current signal
	// values that weeks later may have gone stale.
	later.WindowDays, later.Channels = p.WindowDays, p.Channels
	if !reflect.DeepEqual(later, p) {
		t.Errorf("program --days %d at %v:\n%+v\nthe demo printed:\n%+v", days, userNow, later, p)
	}
}

// ProgramDays finds the window that holds exactly the demo's 90 days of events, at any hour.
func TestProgramDays(t *testing.T) {
	for _, tt := range []struct {
		later time.Duration
		want  int
	}{
		{0, 90},              // run at the demo's clock: the default window
		{3 * time.Hour, 90},  // noon: a 90-day window starts at the first event
		{4 * time.Hour, 91},  // past noon a 90-day window would miss the first event day
		{24 * time.Hour, 91}, // a day later
		{17*24*time.Hour + 14*time.Hour, 108},
	} {
		if got := ProgramDays(Now.Add(tt.later)); got != tt.want {
			t.Errorf("%v after the demo: --days %d, want %d", tt.later, got, tt.want)
		}
	}
}
