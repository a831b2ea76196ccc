package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --db that is neither Postgres nor an SQLite path fails with the accepted forms, creates no
// file and does not print the password; the default, advocate.db next to the config, still works.
func TestDbRejectsUnknownDSN(t *testing.T) {
	cfg := workdir(t)
	dir := filepath.Dir(cfg)
	before, _ := os.ReadDir(dir)
	for _, dsn := range []string{"mysql://u:hunter2@db/x", "host=db user=adv password=hunter2"} {
		r := cli(t, "--config", cfg, "--db", dsn, "migrate")
		if r.code == 0 {
			t.Fatalf("--db %q accepted", dsn)
		}
		if !strings.Contains(r.stderr, "postgres://") || strings.Contains(r.stderr+r.stdout, "hunter2") {
			t.Errorf("--db %q: stderr %q should name the accepted forms and not the password", dsn, r.stderr)
		}
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("files in the config's folder went from %d to %d", len(before), len(after))
	}
	mustOK(t, cli(t, "--config", cfg, "migrate"))
	if _, err := os.Stat(filepath.Join(dir, "advocate.db")); err != nil {
		t.Errorf("default database: %v", err)
	}
}
