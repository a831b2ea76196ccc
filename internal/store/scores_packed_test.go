package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// packedInput is a run of n customers, in rank order (not id order), a few of them detailed
// (contributions and reasons) as scoring details the top of a large base, with ids that sort
// across several packs and failed-gate lists that repeat.
func packedInput(n int) []store.Score {
	out := make([]store.Score, n)
	for i := range out {
		id := fmt.Sprintf("c_%05d", (i*7919)%n)
		switch i {
		case 5:
			id = "tab\tid\\x"
		case 6:
			id = "é—客户"
		case 7:
			id = "" // sorts first
		}
		sc := store.Score{CustomerID: id, Rank: i + 1, Score: float64((i*31)%1000) / 7, Confidence: float64(i%5) / 4, Eligible: i%3 == 0}
		if !sc.Eligible {
			sc.FailedGates = [][]string{nil, {"nps >= 7 (nps missing)"}, {"plan in (pro)", "tab\tgate"}}[i%3]
		}
		if i < 10 || i%97 == 0 {
			sc.Contributions = []store.Contribution{
				{Signal: "nps", Value: float64(i % 11), Present: true, Goodness: 9, Weight: 3, Points: 27},
				{Signal: "tickets", Weight: -1.5, Points: -0.75, Goodness: -0.5},
			}
			sc.Reasons = []string{fmt.Sprintf("reason of %d", i), `with "quotes" and \`}
		}
		out[i] = sc
	}
	return out
}

// stored is what reading sc back from run gives: the row form's empty lists for nil ones.
func stored(sc store.Score, run int64, at time.Time) store.Score {
	sc.RunID, sc.CreatedAt = run, at
	sc.FailedGates, sc.Reasons = nonNil(sc.FailedGates), nonNil(sc.Reasons)
	return sc
}

// A packed run of several packs and a run stored as rows before migration 017 (the same scores)
// read back exactly alike through every reader of a run, both equal to what was saved.
func TestPackedAndRowRunsReadAlike(t *testing.T) {
	in := packedInput(9000)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.Now = func() time.Time { return t0 }
		ctx := context.Background()
		legacy, err := s.SaveUnpackedScoreRun(ctx, "h", in)
		if err != nil {
			t.Fatal(err)
		}
		packed := saveAt(t, s, t0.Add(time.Hour), in)
		detailed := 0
		for _, sc := range in {
			if len(sc.Reasons) > 0 {
				detailed++
			}
		}
		if rows, packs, err := s.ScoreRowsAndPacks(ctx, packed.ID); err != nil || rows != detailed || packs != 3 {
			t.Fatalf("packed run stored %d rows and %d packs (%v), want %d detailed rows in 3 packs", rows, packs, err, detailed)
		}
		for _, r := range []struct {
			name string
			id   int64
			at   time.Time
		}{{"rows", legacy, t0}, {"packed", packed.ID, t0.Add(time.Hour)}} {
			t.Run(r.name, func(t *testing.T) {
				checkRunReaders(t, s, in, r.id, r.at)
			})
		}
		sample := []string{"", "c_00000", "c_04096", "c_08999", "tab\tid\\x", "é—客户", "c_0", "zzz"}
		for _, id := range sample {
			var want []store.Score
			for _, sc := range in {
				if sc.CustomerID == id {
					want = []store.Score{stored(sc, packed.ID, t0.Add(time.Hour)), stored(sc, legacy, t0)}
				}
			}
			got, err := s.ScoreHistory(ctx, id, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("history of %q = %+v, want %+v", id, got, want)
			}
		}
		for at, run := range map[time.Time]int64{t0.Add(30 * time.Minute): legacy, t0.Add(2 * time.Hour): packed.ID} {
			got, err := s.ScoresBefore(ctx, at, sample)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{}
			for _, sc := range in {
				if slices.Contains(sample, sc.CustomerID) {
					want[sc.CustomerID] = sc.Score
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("scores before %s (run %d) = %v, want %v", at, run, got, want)
			}
		}
	})
}

// checkRunReaders reads run (holding the scores in) through Scores, EligibleOfRun,
// GateFailuresOfRun and ScoresOfRunFor.
func checkRunReaders(t *testing.T, s *store.Store, in []store.Score, run int64, at time.Time) {
	ctx := context.Background()
	want := make([]store.Score, len(in))
	var eligible []store.Ranked
	gates := map[string]int{}
	for i, sc := range in {
		want[i] = stored(sc, run, at)
		if sc.Eligible {
			eligible = append(eligible, store.Ranked{CustomerID: sc.CustomerID, Rank: sc.Rank, Score: sc.Score})
		} else {
			b, _ := json.Marshal(nonNil(sc.FailedGates))
			gates[string(b)]++
		}
	}
	got, err := s.Scores(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("score %d of %d = %+v, want %+v", i, len(got), got[i], want[i])
			}
		}
		t.Fatalf("%d scores read back, want %d", len(got), len(want))
	}
	if got[11].Contributions != nil || len(got[11].Reasons) != 0 {
		t.Errorf("a customer without detail reads back contributions %v and reasons %q", got[11].Contributions, got[11].Reasons)
	}
	gotEligible, err := s.EligibleOfRun(ctx, run)
	if err != nil || !reflect.DeepEqual(gotEligible, eligible) {
		t.Errorf("eligible of run: %d customers (%v), want %d", len(gotEligible), err, len(eligible))
	}
	failures, err := s.GateFailuresOfRun(ctx, run)
	gotGates := map[string]int{}
	for _, g := range failures {
		b, _ := json.Marshal(g.Gates)
		gotGates[string(b)] += g.Customers
	}
	if err != nil || !reflect.DeepEqual(gotGates, gates) || len(failures) != len(gates) {
		t.Errorf("gate failures = %v (%v), want %v", failures, err, gates)
	}
	ids := []string{"", "c_00000", "c_04096", "c_08999", "tab\tid\\x", in[0].CustomerID, in[11].CustomerID, "zzz"}
	full, err := s.ScoresOfRunFor(ctx, run, ids)
	if err != nil {
		t.Fatal(err)
	}
	wantFull := map[string]store.Score{}
	for _, sc := range want {
		if slices.Contains(ids, sc.CustomerID) {
			wantFull[sc.CustomerID] = sc
		}
	}
	if !reflect.DeepEqual(full, wantFull) {
		t.Errorf("scores of run for %q = %+v, want %+v", ids, full, wantFull)
	}
}

// Pruning a packed run deletes its packs and detailed rows with it; the scores count of
// `status` is the customers of the runs kept.
func TestPruneDeletesPacks(t *testing.T) {
	in := packedInput(5000)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		old := saveAt(t, s, t0, in)
		saveAt(t, s, t0.Add(48*time.Hour), in[:100])
		if n, err := s.PruneScoreRuns(ctx, store.Retention{Recent: time.Hour, Weekly: time.Hour}); err != nil || n != 1 {
			t.Fatalf("pruned %d runs (%v), want 1", n, err)
		}
		if rows, packs, err := s.ScoreRowsAndPacks(ctx, old.ID); err != nil || rows != 0 || packs != 0 {
			t.Errorf("the pruned run keeps %d rows and %d packs (%v)", rows, packs, err)
		}
		counts, err := s.Counts(ctx)
		if err != nil || counts["scores"] != 100 {
			t.Errorf("status counts %d scores (%v), want 100", counts["scores"], err)
		}
	})
}

// saveAt saves a run of scores as of at.
func saveAt(t *testing.T, s *store.Store, at time.Time, scores []store.Score) store.ScoreRun {
	t.Helper()
	s.Now = func() time.Time { return at }
	run, err := s.SaveScoreRun(context.Background(), "h", scores)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// A run that scores a customer twice is refused, as the row form's primary key refused it.
func TestScoreRunRefusesRepeatedCustomer(t *testing.T) {
	in := packedInput(3000)
	in[2999].CustomerID = in[5].CustomerID
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := s.SaveScoreRun(context.Background(), "h", in); err == nil {
			t.Fatal("a run scoring a customer twice was saved")
		}
	})
}
