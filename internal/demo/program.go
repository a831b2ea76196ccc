package demo

// The demo's affiliate program: the sample data's recorded outcomes (internal/sampledata's
// Program) replayed by an in-process platform through the real outcome sync, so they reach the
// store exactly as a platform's would, then the program's KPIs as `advocate program` computes
// them. No platform is contacted.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/program"
	"github.com/advocate-hq/advocate/internal/sampledata"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// ProgramWindow is the window, in days, of the demo's program figures: `advocate program`'s
// default.
const ProgramWindow = 90

// recorded is the sample program's platform: it replays the recorded affiliates (with when
// they joined) and outcomes in one page and creates nobody.
type recorded struct{ p sampledata.Program }

// recordedPlatform names the sample platform in the store's rows.
const recordedPlatform = "sample"

func (recorded) Name() string { return recordedPlatform }

func (recorded) FindOrCreate(context.Context, platforms.Person) (platforms.Affiliate, error) {
	return platforms.Affiliate{}, errors.New("demo: the sample program is recorded data; it makes no affiliates")
}

func (r recorded) Outcomes(ctx context.Context, cursor string, sink func(platforms.OutcomePage) error) error {
	if cursor == "end" {
		return nil
	}
	affs := make([]platforms.PlatformAffiliate, len(r.p.Affiliates))
	for i, a := range r.p.Affiliates {
		affs[i] = platforms.PlatformAffiliate{ID: a.ID, Email: a.Email, CreatedAt: a.JoinedAt}
	}
	return sink(platforms.OutcomePage{Affiliates: affs, Referrals: r.p.Referrals, Commissions: r.p.Commissions, Cursor: "end"})
}

// syncProgram runs the outcome sync on the sample program and prints its line of step 1.
func syncProgram(ctx context.Context, w io.Writer, st *store.Store, log *slog.Logger) error {
	p := sampledata.Demo().Program
	sync := affiliates.NewOutcomeSync(recorded{p}, st, log, func() time.Time { return Now })
	s := &syncer.Syncer{Store: st, Log: log, Build: func(connectors.Settings) (connectors.Connector, error) { return sync, nil }}
	if r := s.One(ctx, connectors.Settings{Name: affiliates.SyncName, Type: affiliates.SyncName}); r.Failed() {
		return fmt.Errorf("demo: sample affiliate program: %s", r.Error)
	}
	last := sync.Last
	fmt.Fprintf(w, "   %-8s %5d records  (%d affiliates: %d customers, %d outside partners; recorded sample outcomes, no platform contacted)\n",
		affiliates.SyncName, len(p.Affiliates)+len(p.Referrals)+len(p.Commissions), last.Affiliates, last.Customers, last.Outside)
	return nil
}

// programSection computes the program's KPIs the way `advocate program` does and prints them
// with the command that shows them in full.
func programSection(ctx context.Context, w io.Writer, st *store.Store, src advocate.Sources, res *Result, userNow time.Time) error {
	r, err := program.FromStore(ctx, st, src, Now, ProgramWindow)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	res.Program = r
	res.ProgramCommand = fmt.Sprintf("go run ./cmd/advocate --config %s program --days %d", res.Config, ProgramDays(userNow))
	fmt.Fprintf(w, "\n4. Affiliate program, last %d days (recorded sample data: no platform contacted)\n", r.WindowDays)
	fmt.Fprintf(w, "   %d affiliates, %d active (%.0f%%): %d referrals, %d conversions\n",
		r.Affiliates, r.Active, r.ActivityRate*100, r.Referrals, r.Conversions)
	fmt.Fprintf(w, "   earnings %.2f %s (%.2f per active affiliate)\n", r.Earnings, r.Currency, r.EarningsPerActive)
	f := r.Funnel
	fmt.Fprintf(w, "   funnel: shortlisted %d → approved %d → invited %d → joined %d → first referral %d\n",
		f.Shortlisted, f.Approved, f.Invited, f.Joined, f.FirstReferral)
	fmt.Fprintf(w, "   Every KPI: %s\n", res.ProgramCommand)
	return nil
}

// ProgramDays is the --days that makes `advocate program`, run at userNow, count exactly the
// events the demo counted in its window: the program's events happen at
// sampledata.OutcomeHour on whole days up to the demo's clock, so a window that starts within
// the day before the first event inside the demo's window holds the same events.
func ProgramDays(userNow time.Time) int {
	start := Now.Add(-ProgramWindow * 24 * time.Hour)
	first := start.Truncate(24 * time.Hour).Add(sampledata.OutcomeHour * time.Hour) // the first event time in the window
	if first.Before(start) {
		first = first.Add(24 * time.Hour)
	}
	return max(1, int(math.Ceil(userNow.Sub(first).Hours()/24)))
}
