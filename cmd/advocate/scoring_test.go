package main

import (
	"context"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
)

// flipped is the fixture's scoring section turned upside down: low NPS and health, little
// usage and many tickets now score best, so the ranking reverses.
const flipped = `scoring:
  weights: {nps: -3, health_score: -2, product_events_30d: -1.5, tickets_90d: 1.5}
  gates: ["tenure_days >= 90"]
`

// withConfig rewrites the fixture config's scoring section and saves it as name next to cfg.
func withConfig(t *testing.T, cfg, name, scoring string) string {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(string(b), "scoring:")
	path := filepath.Join(filepath.Dir(cfg), name)
	if err := os.WriteFile(path, []byte(text+scoring+"shortlist:\n  size: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func openStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.Now = func() time.Time { return fixedNow } // runs saved here sort with the CLI's
	return st
}

func counts(t *testing.T, db string) map[string]int64 {
	t.Helper()
	n, err := openStore(t, db).Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type whatIfMove struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Domain         string  `json:"domain"`
	RankBefore     int     `json:"rank_before"`
	RankAfter      int     `json:"rank_after"`
	ScoreBefore    float64 `json:"score_before"`
	ScoreAfter     float64 `json:"score_after"`
	EligibleBefore bool    `json:"eligible_before"`
	EligibleAfter  bool    `json:"eligible_after"`
}

type whatIfDoc struct {
	TopN     int          `json:"top_n"`
	Entering []whatIfMove `json:"entering"`
	Leaving  []whatIfMove `json:"leaving"`
	Movers   []whatIfMove `json:"movers"`
	Spearman *float64     `json:"spearman"`
}

func moveDomains(ms []whatIfMove) string {
	var ds []string
	for _, m := range ms {
		ds = append(ds, m.Domain)
	}
	return strings.Join(ds, ",")
}

func TestScoreWhatIf(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		mustOK(t, cmd("score"))
		other := withConfig(t, cfg, "flipped.yaml", flipped)
		before := counts(t, db)

		var doc whatIfDoc
		decode(t, mustOK(t, cmd("score", "--what-if", other, "--top", "2", "--json")).stdout, &doc)
		// Eligible now: Northwind, Initech, Pied Piper, Globex (in that order). Flipped, the
		// detractor with 14 tickets comes first.
		if got := moveDomains(doc.Entering); got != "globex.com,piedpiper.com" {
			t.Errorf("entering = %s, want globex.com,piedpiper.com", got)
		}
		if got := moveDomains(doc.Leaving); got != "northwind.io,initech.com" {
			t.Errorf("leaving = %s, want northwind.io,initech.com", got)
		}
		if len(doc.Movers) == 0 || doc.Movers[0].Domain != "globex.com" || doc.Movers[0].Name != "Globex" || doc.Movers[0].ID == "" ||
			doc.Movers[0].RankBefore != 7 || doc.Movers[0].RankAfter != 1 {
			t.Errorf("movers = %+v, want Globex first, from rank 7 to 1", doc.Movers)
		}
		if doc.TopN != 2 || doc.Spearman == nil || *doc.Spearman != -1 {
			t.Errorf("top_n %d, spearman %v; want 2 and -1 (the order reversed)", doc.TopN, doc.Spearman)
		}
		if after := counts(t, db); !maps.Equal(before, after) {
			t.Errorf("--what-if wrote to the database: row counts %v, then %v", before, after)
		}

		// Without --top the comparison is over the shortlist's size.
		decode(t, mustOK(t, cmd("score", "--what-if", other, "--json")).stdout, &doc)
		if doc.TopN != 5 {
			t.Errorf("default top_n = %d, want shortlist.size 5", doc.TopN)
		}

		human := mustOK(t, cmd("score", "--what-if", other, "--top", "2")).stdout
		for _, want := range []string{"nothing was saved", "Entering the top 2 eligible", "Globex (globex.com)", "Leaving the top 2 eligible",
			"Northwind Labs (northwind.io)", "Biggest movers", "Spearman): -1.00"} {
			if !strings.Contains(human, want) {
				t.Errorf("human what-if output lacks %q:\n%s", want, human)
			}
		}
		if after := counts(t, db); !maps.Equal(before, after) {
			t.Errorf("--what-if wrote to the database: row counts %v, then %v", before, after)
		}
	})
}

func TestScoreWhatIfErrors(t *testing.T) {
	cfg := workdir(t)
	bad := withConfig(t, cfg, "bad.yaml", "scoring:\n  transforms:\n    nps: {kind: sigmoid}\n")
	r := cli(t, "--config", cfg, "score", "--what-if", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "bad.yaml:19: scoring.transforms.nps: unknown kind \"sigmoid\"") {
		t.Errorf("what-if with an invalid file: exit %d, stderr:\n%s\nwant the other file's name and line", r.code, r.stderr)
	}
	r = cli(t, "--config", cfg, "score", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "only its scoring: section is used") {
		t.Errorf("score --help does not say only the scoring section of the what-if file counts:\n%s", r.stdout)
	}
}

func TestInsights(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		// Marketing's sheet adds channel and industry to the fixture's customers.
		dir := filepath.Dir(cfg)
		sheet := "domain,channel,industry\nnorthwind.io,referral,software\nglobex.com,paid_search,manufacturing\ninitech.com,referral,software\n" +
			"hooli.com,paid_search,software\numbrella.io,referral,healthcare\npiedpiper.com,referral,software\nvandelay.com,event,logistics\n"
		if err := os.WriteFile(filepath.Join(dir, "channels.csv"), []byte(sheet), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		conn := "  - name: marketing\n    type: csv\n    path: channels.csv\n    kind: customers\n    attributes: {acquisition_channel: channel, industry: industry}\nscoring:"
		if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "scoring:", conn, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		if r := cmd("insights"); r.code == 0 || !strings.Contains(r.stderr, "advocate score") {
			t.Errorf("insights before any score run: exit %d, %s; want a hint to run `advocate score`", r.code, r.stderr)
		}
		mustOK(t, cmd("score"))

		var doc struct {
			TopN     int `json:"top_n"`
			Top      int `json:"top"`
			Run      struct{ ID int64 }
			Insights []struct {
				Key, Value string
				Top, Base  int
				TopShare   float64 `json:"top_share"`
				BaseShare  float64 `json:"base_share"`
				Lift       float64
			}
		}
		decode(t, mustOK(t, cmd("insights", "--json")).stdout, &doc)
		// The 4 eligible customers (shortlist size is 5): Northwind (enterprise, referral,
		// software), Initech, Pied Piper (growth, referral, software), Globex (growth,
		// paid_search, manufacturing). Of all 7: growth 3, referral 4, software 4.
		type row struct {
			key, value string
			top, base  int
			lift       float64
		}
		want := []row{{"plan", "growth", 3, 3, (3.0 / 4) / (3.0 / 7)}, {"acquisition_channel", "referral", 3, 4, (3.0 / 4) / (4.0 / 7)},
			{"industry", "software", 3, 4, (3.0 / 4) / (4.0 / 7)}}
		var got []row
		for _, in := range doc.Insights {
			got = append(got, row{in.Key, in.Value, in.Top, in.Base, in.Lift})
			if math.Abs(in.Lift-in.TopShare/in.BaseShare) > 1e-12 {
				t.Errorf("%s=%s: lift %v is not top_share/base_share", in.Key, in.Value, in.Lift)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("insights = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i].key != want[i].key || got[i].value != want[i].value || got[i].top != want[i].top || got[i].base != want[i].base ||
				math.Abs(got[i].lift-want[i].lift) > 1e-12 {
				t.Errorf("insight %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if doc.TopN != 5 || doc.Top != 4 || doc.Run.ID == 0 {
			t.Errorf("top_n %d, top %d, run %d; want 5, 4 (only four are eligible), a run", doc.TopN, doc.Top, doc.Run.ID)
		}

		human := mustOK(t, cmd("insights", "--top", "4")).stdout
		for _, want := range []string{"top 4 eligible", "acquisition channel", "referral", "1.31×", "plan", "growth", "1.75×",
			// The fixture's one partner customer left no outcome: nothing to compare.
			"Productive affiliates look like (0 of 1 affiliate customers", "no channel, industry, plan or segment has 5 productive"} {
			if !strings.Contains(human, want) {
				t.Errorf("human insights lack %q:\n%s", want, human)
			}
		}
	})
}

func TestExplainRecomputesWhenRunKeptNoDetail(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		mustOK(t, cmd("score"))

		type contribution struct {
			Signal  string
			Value   float64
			Present bool
			Points  float64
		}
		type explanation struct {
			Score               float64
			Contributions       []contribution
			Reasons             []string
			ModelHash           string   `json:"model_hash"`
			Recomputed          *bool    `json:"recomputed"`
			RecomputedScore     *float64 `json:"recomputed_score"`
			RecomputedModelHash string   `json:"recomputed_model_hash"`
			Note                string
		}
		var stored explanation
		decode(t, mustOK(t, cmd("explain", "initech.com", "--json")).stdout, &stored)
		if stored.Recomputed == nil || *stored.Recomputed || len(stored.Contributions) == 0 {
			t.Fatalf("explain from a full run = %+v, want stored contributions, recomputed false", stored)
		}

		// Store a run the way large bases do below the top: scores without breakdowns, first
		// under the current model, then under a model that no longer matches the config.
		ctx := context.Background()
		st := openStore(t, db)
		run, err := st.LatestScoreRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := st.Scores(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range scores {
			scores[i].Contributions, scores[i].Reasons = nil, nil
		}
		if _, err := st.SaveScoreRun(ctx, run.ModelHash, scores); err != nil {
			t.Fatal(err)
		}
		var ex explanation
		decode(t, mustOK(t, cmd("explain", "initech.com", "--json")).stdout, &ex)
		if ex.Recomputed == nil || !*ex.Recomputed || !reflect.DeepEqual(ex.Contributions, stored.Contributions) ||
			!reflect.DeepEqual(ex.Reasons, stored.Reasons) || ex.Note != "" {
			t.Errorf("recomputed explanation = %+v\nwant the stored breakdown %+v, recomputed true, no note", ex, stored)
		}

		if _, err := st.SaveScoreRun(ctx, "0123456789abcdef", scores); err != nil {
			t.Fatal(err)
		}
		decode(t, mustOK(t, cmd("explain", "initech.com", "--json")).stdout, &ex)
		if !*ex.Recomputed || ex.ModelHash != "0123456789abcdef" || ex.RecomputedModelHash != run.ModelHash || ex.Note == "" ||
			ex.RecomputedScore == nil || math.Abs(*ex.RecomputedScore-stored.Score) > 1e-9 {
			t.Errorf("explain after a model change = %+v; want recomputed with the current model and a note", ex)
		}
		human := mustOK(t, cmd("explain", "initech.com")).stdout
		for _, want := range []string{"recomputed now", "Note: the scoring config changed", "health_score"} {
			if !strings.Contains(human, want) {
				t.Errorf("human explain lacks %q:\n%s", want, human)
			}
		}
	})
}
