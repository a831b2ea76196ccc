package main

import (
	"fmt"
	"os"
	"path/filepath"
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

// TestDripPreviewHTML: `drip preview CUSTOMER [STEP] --html FILE` writes a page a browser opens,
// with From, To and Subject above the email; "-" writes it to stdout.
func TestDripPreviewHTML(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, `email: {from: "Dana from Vendor <dana@vendor.io>", program_url: "https://vendor.io/partners"}`)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		page := filepath.Join(t.TempDir(), "invite.html")
		if out := mustOK(t, cmd("drip", "preview", "globex.com", "--html", page)).stdout; !strings.Contains(out, "wrote "+page) {
			t.Errorf("stdout = %q", out)
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<!DOCTYPE html>", "<dt>From</dt>", "<dt>Subject</dt>", "srcdoc=", "<pre>Hi "} {
			if !strings.Contains(string(b), want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if out := mustOK(t, cmd("drip", "preview", "globex.com", "2", "--html", "-")).stdout; !strings.Contains(out, "step first_step (day 1)") {
			t.Errorf("--html - did not print the page of step 2:\n%s", out)
		}
	})
}
