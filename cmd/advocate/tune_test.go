package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
)

// seedTune stores n customers who became affiliates (joined 100–400 days before now, their
// signals observed 10 days before joining) and 5 who joined last month. An affiliate refers
// when its product usage was high on the day it joined: a rule the fixture config's weights
// (nps 3, health_score 2 first) barely read.
func seedTune(t *testing.T, db string, now time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, db)
	rng := rand.New(rand.NewPCG(5, 6))
	run, _, err := st.BeginSyncRun(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	var refs []store.AffiliateReferral
	for i := range n + 5 {
		dom := fmt.Sprintf("t%03d.io", i)
		joined := now.AddDate(0, 0, -100-rng.IntN(300))
		if i >= n {
			joined = now.AddDate(0, 0, -30)
		}
		ref := connectors.Ref{Domain: dom}
		events := float64(rng.IntN(1000))
		seen := joined.AddDate(0, 0, -10)
		sig := func(name string, v float64) connectors.Signal {
			return connectors.Signal{Customer: ref, Name: name, Value: v, ObservedAt: seen}
		}
		if _, err := st.CommitPage(ctx, "crm", run, connectors.Page{
			Customers: []connectors.Customer{{Ref: ref, Attributes: map[string]string{"customer_since": "2023-01-01"}}},
			Contacts:  []connectors.Contact{{Customer: ref, Email: "champ@" + dom}},
			Signals: []connectors.Signal{sig("product_events_30d", events), sig("nps", float64(rng.IntN(11))),
				sig("health_score", float64(rng.IntN(101))), sig("tickets_90d", float64(rng.IntN(20)))},
		}); err != nil {
			t.Fatal(err)
		}
		cust, err := st.FindCustomer(ctx, dom)
		if err != nil {
			t.Fatal(err)
		}
		st.Now = func() time.Time { return joined }
		aff := fmt.Sprintf("aff%03d", i)
		if err := st.SaveAffiliate(ctx, store.Affiliate{Platform: "dub", Email: "champ@" + dom, CustomerID: cust.ID, AffiliateID: aff}); err != nil {
			t.Fatal(err)
		}
		if events > 500 != (rng.Float64() < 0.1) {
			refs = append(refs, store.AffiliateReferral{ID: "r" + aff, AffiliateID: aff, Status: "lead", CreatedAt: joined.AddDate(0, 0, 20)})
		}
	}
	if err := st.SaveAffiliateOutcomes(ctx, "dub", refs, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishSyncRun(ctx, run, "crm", 0, nil); err != nil {
		t.Fatal(err)
	}
}

// TestTune: on a store whose affiliates referred by a known rule, `tune` proposes weights that
// beat the current ones out of sample, `--json` keeps the contract, `--write` saves a file
// `score --what-if` previews; with too few affiliates it refuses and --write writes nothing.
func TestTune(t *testing.T) {
	now := pday("2026-06-01")
	tests := []struct {
		name     string
		n        int
		proposed bool
	}{
		{"known rule", 120, true},
		{"too few affiliates", 30, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			engines(t, func(t *testing.T, cfg, db string) {
				g := []string{"--config", cfg, "--db", db}
				mustOK(t, cli(t, append(g, "migrate")...))
				seedTune(t, db, now, tc.n)

				var doc map[string]any
				decode(t, mustOK(t, advocateAt(t, now, append(g, "tune", "--json")...)).stdout, &doc)
				for _, key := range []string{"samples", "positives", "weights", "current", "learned", "insights"} {
					if _, ok := doc[key]; !ok {
						t.Errorf("tune --json lacks %q: %v", key, doc)
					}
				}
				if doc["samples"] != float64(tc.n) || doc["pending"] != 5.0 {
					t.Errorf("samples %v pending %v, want %d and 5", doc["samples"], doc["pending"], tc.n)
				}
				if ins, ok := doc["insights"].([]any); !ok || len(ins) != 0 {
					t.Errorf("insights = %v, want []", doc["insights"])
				}
				if _, ok := doc["weights"].(map[string]any)["product_events_30d"]; !ok {
					t.Errorf("weights lack product_events_30d: %v", doc["weights"])
				}

				file := filepath.Join(t.TempDir(), "tuned.yaml")
				r := advocateAt(t, now, append(g, "tune", "--write", file)...)
				if !tc.proposed {
					if r.code != 1 || !strings.Contains(r.stderr, "at least 50") || !strings.Contains(r.stdout, "has 30") {
						t.Errorf("too few: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
					}
					if _, err := os.Stat(file); !os.IsNotExist(err) {
						t.Errorf("--write wrote %s although nothing was proposed", file)
					}
					return
				}
				mustOK(t, r)
				cur, lrn := doc["current"].(map[string]any)["auc"].(float64), doc["learned"].(map[string]any)["auc"].(float64)
				if lrn < cur+0.1 || doc["proposed"] != true {
					t.Errorf("learned AUC %.2f vs current %.2f (proposed %v), want a clear gain", lrn, cur, doc["proposed"])
				}
				for _, want := range []string{"product_events_30d", "CURRENT → LEARNED", "Wrote " + file} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("tune output lacks %q:\n%s", want, r.stdout)
					}
				}
				w := mustOK(t, advocateAt(t, now, append(g, "score", "--what-if", file)...))
				if !strings.Contains(w.stdout, "What if scoring came from "+file) {
					t.Errorf("what-if output:\n%s", w.stdout)
				}
			})
		})
	}
}
