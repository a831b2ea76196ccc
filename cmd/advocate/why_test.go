package main

import (
	"os"
	"strings"
	"testing"
)

// TestNobodyEligibleSaysWhy: a config whose sources give no customer_since (as no vendor
// connector did) must not shortlist nobody in silence: score warns with the failing gate and its
// count, and the shortlist says why it is empty.
func TestNobodyEligibleSaysWhy(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		body, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Drop the customer_since mapping: tenure_days can no longer be derived.
		noSince := strings.Replace(string(body), "customer_since: customer_since, ", "", 1)
		if noSince == string(body) {
			t.Fatal("fixture no longer maps customer_since; update this test")
		}
		if err := os.WriteFile(cfg, []byte(noSince), 0o644); err != nil {
			t.Fatal(err)
		}
		mustOK(t, cli(t, "--config", cfg, "--db", db, "sync"))
		score := mustOK(t, cli(t, "--config", cfg, "--db", db, "score"))
		if !strings.Contains(score.stdout, "Warning: 0 eligible, fewer than shortlist.size (5)") ||
			!strings.Contains(score.stdout, "fail tenure_days >= 90 (tenure_days missing)") {
			t.Errorf("score does not explain the empty eligible set:\n%s", score.stdout)
		}
		if !strings.Contains(score.stdout, "Warning: gate `tenure_days >= 90` needs customer_since; no configured connector maps it") ||
			!strings.Contains(score.stdout, "0 of 7 customers have it") {
			t.Errorf("score does not say which input is missing and who could provide it:\n%s", score.stdout)
		}
		sl := mustOK(t, cli(t, "--config", cfg, "--db", db, "shortlist"))
		if !strings.Contains(sl.stdout, "is eligible; ") || !strings.Contains(sl.stdout, "fail tenure_days >= 90 (tenure_days missing)") {
			t.Errorf("an empty shortlist does not say why:\n%s", sl.stdout)
		}
	})
}

// TestDemoKeepsAnExistingConfig: demo --out into a folder with the user's advocate.yaml fails
// and leaves it as it was; --force replaces it.
func TestDemoKeepsAnExistingConfig(t *testing.T) {
	out := t.TempDir()
	mine := []byte("# my own config\n")
	path := out + "/advocate.yaml"
	if err := os.WriteFile(path, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "demo", "--out", out)
	if r.code == 0 || !strings.Contains(r.stderr, "already exists; use --force") {
		t.Fatalf("demo over an existing config: exit %d, stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != string(mine) {
		t.Errorf("the existing advocate.yaml was changed to:\n%s", got)
	}
	mustOK(t, cli(t, "demo", "--out", out, "--force"))
	if got, _ := os.ReadFile(path); string(got) == string(mine) {
		t.Error("--force did not replace advocate.yaml")
	}
}
