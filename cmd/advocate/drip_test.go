package main

import (
	"strings"
	"testing"
)

// TestDripHealthPauseAndResume: an approved customer whose health is below alerts.health_below
// (default 50; Globex is at 40) is paused by `advocate drip`, shown by the dry run, and
// `advocate drip resume` sets it going again; resuming twice is a clear error.
func TestDripHealthPauseAndResume(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		mustOK(t, cmd("approve", "globex.com", "--by", "maya@vendor.io"))

		var dry struct {
			WouldPause int `json:"would_pause"`
		}
		decode(t, mustOK(t, cmd("drip", "--dry-run", "--json")).stdout, &dry)
		if dry.WouldPause != 1 {
			t.Errorf("dry run would_pause = %d, want 1", dry.WouldPause)
		}
		// No SMTP server in the fixture: nothing is sent, but the pause happens.
		if r := cmd("drip"); r.code == 0 || !strings.Contains(r.stderr, "smtp.host is not set") {
			t.Errorf("drip without smtp.host: exit %d, stderr %q", r.code, r.stderr)
		}
		if out := mustOK(t, cmd("drip", "status")).stdout; !strings.Contains(out, "paused") {
			t.Fatalf("drip status after a health drop:\n%s", out)
		}
		if out := mustOK(t, cmd("drip", "resume", "globex.com")).stdout; !strings.Contains(out, "resumed 1 enrollment") {
			t.Errorf("resume: %s", out)
		}
		if out := mustOK(t, cmd("drip", "status")).stdout; strings.Contains(out, "paused") {
			t.Errorf("still paused after resume:\n%s", out)
		}
		if r := cmd("drip", "resume", "globex.com"); r.code != 1 || !strings.Contains(r.stderr, "no paused enrollment") {
			t.Errorf("second resume: exit %d, stderr %q", r.code, r.stderr)
		}
		if r := cmd("drip", "resume"); r.code == 0 || !strings.Contains(r.stderr, "CUSTOMER") {
			t.Errorf("resume without CUSTOMER: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
