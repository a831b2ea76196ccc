package main

import (
	"os"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/slack/slackfake"
)

// `advocate approve` of a customer on this week's posted shortlist goes through the same
// decide service as the Approve button: the posted Slack message is updated to show it.
func TestApproveFromCLIUpdatesPostedSlackMessage(t *testing.T) {
	engines(t, func(t *testing.T, cfg, db string) {
		f := slackfake.New(t)
		yaml, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		extra := "  channel: \"#cs-advocates\"\nslack:\n  bot_token: xoxb-test\n  api_url: " + f.URL() + "\n"
		if err := os.WriteFile(cfg, append(yaml, extra...), 0o644); err != nil {
			t.Fatal(err)
		}
		g := []string{"--config", cfg, "--db", db}
		cmd := func(args ...string) result { return cli(t, append(append([]string{}, g...), args...)...) }
		mustOK(t, cmd("sync"))
		mustOK(t, cmd("score"))
		mustOK(t, cmd("shortlist", "--post"))
		posts, _, _ := f.Snapshot()
		if len(posts) != 1 || !strings.Contains(slackfake.Texts(posts[0]), "Northwind") {
			t.Fatalf("%d messages posted, want one listing Northwind", len(posts))
		}
		out := mustOK(t, cmd("approve", "northwind.io", "--by", "maya@vendor.io"))
		if !strings.Contains(out.stdout, "enrolled jo@northwind.io") || !strings.Contains(out.stdout, "updating the 2026-W47 shortlist message in Slack") {
			t.Errorf("approve said:\n%s", out.stdout)
		}
		_, updates, _ := f.Snapshot()
		if len(updates) != 1 || updates[0].Channel != posts[0].Channel || updates[0].TS != posts[0].TS {
			t.Fatalf("updates %+v, want one of the posted message %s/%s", updates, posts[0].Channel, posts[0].TS)
		}
		if got := slackfake.Texts(updates[0]); !strings.Contains(got, "*Approved* by <@UMAYA>") {
			t.Errorf("the message does not show Maya's approval:\n%s", got)
		}
		// A customer that does not exist is one clear line, and nothing is sent to Slack.
		if r := cmd("skip", "nobody.example"); r.code == 0 || !strings.Contains(r.stderr, "no such customer") {
			t.Errorf("skip of an unknown customer: exit %d, stderr %q", r.code, r.stderr)
		}
		if _, again, _ := f.Snapshot(); len(again) != 1 {
			t.Errorf("%d updates after a failed decision, want still 1", len(again))
		}
	})
}
