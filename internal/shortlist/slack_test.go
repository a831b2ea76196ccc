package shortlist

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sample() Shortlist {
	cands := []Candidate{
		{
			Customer: advocate.Customer{ID: "cus_1", Name: "Northwind Traders", Domain: "northwind.example", Owner: "dana@acme.io"},
			Contacts: []advocate.Contact{{Name: "Priya Shah", Email: "priya@northwind.example", Role: "Head of Operations", Champion: true}},
			Score:    91.24, Eligible: true,
			Reasons: []string{"NPS 10 (promoter)", "Upgraded plan twice in 12 months", "Usage up 40% month over month", "Two years a customer"},
		},
		{
			Customer: advocate.Customer{ID: "cus_2", Name: "Globex", Domain: "globex.example", Owner: "sam@acme.io"},
			Contacts: []advocate.Contact{{Name: "Hank Scorpio", Email: "hank@globex.example", Role: "CEO"}},
			Score:    84.06, Eligible: true,
			Reasons: []string{"Health score 95"},
			Caution: "1 escalation in the last 90 days",
		},
		{
			Customer: advocate.Customer{ID: "cus_3", Name: "Initech", Domain: "initech.example", Owner: "dana@acme.io"},
			Contacts: []advocate.Contact{{Name: "Bill Lumbergh", Email: "bill@initech.example", Role: "VP Product"}},
			Score:    77, Eligible: true,
			Reasons: []string{"CSAT 98"},
		},
	}
	return Build(now, advocate.Policy{Size: 10}, cands, nil)
}

// message is what chat.postMessage receives; unmarshalling into slack.Blocks proves Slack's
// own types accept what we produce.
type message struct {
	Blocks slack.Blocks `json:"blocks"`
	Text   string       `json:"text"`
}

func TestSlackJSONGolden(t *testing.T) {
	got, err := SlackJSON(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "shortlist.slack.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Slack JSON differs from %s (go test -update rewrites it); got:\n%s", golden, got)
	}
}

func TestSlackJSONRoundTrip(t *testing.T) {
	b, err := SlackJSON(sample())
	if err != nil {
		t.Fatal(err)
	}
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("Slack types cannot read our JSON: %v", err)
	}
	if m.Text != "Advocate shortlist 2026-W47: 3 candidates for 2 CSMs to review" {
		t.Errorf("fallback text = %q", m.Text)
	}
	blocks := m.Blocks.BlockSet
	h, ok := blocks[0].(*slack.HeaderBlock)
	if !ok || h.Text.Type != slack.PlainTextType || h.Text.Text != "Advocate shortlist · 2026-W47" {
		t.Fatalf("first block = %#v, want the header naming the week", blocks[0])
	}
	ctx, ok := blocks[1].(*slack.ContextBlock)
	if !ok || !strings.Contains(ctx.ContextElements.Elements[0].(*slack.TextBlockObject).Text, "3 candidates from 3 customers considered") {
		t.Errorf("second block = %#v, want the counts", blocks[1])
	}

	// Owners in order of their best rank; Dana's two candidates together.
	var texts []string
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			texts = append(texts, s.Text.Text)
		}
	}
	all := strings.Join(texts, "\n---\n")
	for _, want := range []string{
		"*CSM: dana@acme.io* · 2 candidates",
		"*1. Northwind Traders* · northwind.example\nRecruit: *Priya Shah*, Head of Operations (champion) · priya@northwind.example\nScore: *91.2*",
		"• Two years a customer", // 4th reason must not appear; checked below
		"*CSM: sam@acme.io* · 1 candidate",
		":warning: 1 escalation in the last 90 days",
		"Score: *84.1*",
	} {
		if want == "• Two years a customer" {
			if strings.Contains(all, want) {
				t.Errorf("fourth reason shown; only the top three belong in Slack")
			}
			continue
		}
		if !strings.Contains(all, want) {
			t.Errorf("message lacks %q; sections:\n%s", want, all)
		}
	}
	if strings.Index(all, "Initech") > strings.Index(all, "sam@acme.io") {
		t.Errorf("Initech (Dana's) should be listed under Dana before Sam's group:\n%s", all)
	}

	// Every candidate has the four buttons, carrying week and customer id.
	var actions []*slack.ActionBlock
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			actions = append(actions, a)
		}
	}
	if len(actions) != 3 {
		t.Fatalf("%d action blocks, want one per candidate (3)", len(actions))
	}
	wantButtons := []struct{ id, label, style string }{
		{ActionApprove, "Approve", "primary"},
		{ActionSkip, "Skip", ""},
		{ActionSnooze, "Snooze 30 days", ""},
		{ActionPreview, "Preview invite", ""},
	}
	for i, a := range actions {
		els := a.Elements.ElementSet
		if len(els) != len(wantButtons) {
			t.Fatalf("actions %d has %d elements, want %d", i, len(els), len(wantButtons))
		}
		for j, wb := range wantButtons {
			btn, ok := els[j].(*slack.ButtonBlockElement)
			if !ok {
				t.Fatalf("element %d is %T, want a button", j, els[j])
			}
			if btn.ActionID != wb.id || btn.Text.Text != wb.label || string(btn.Style) != wb.style {
				t.Errorf("button %d/%d = %s %q %q, want %s %q %q", i, j, btn.ActionID, btn.Text.Text, btn.Style, wb.id, wb.label, wb.style)
			}
			week, id, err := ParseActionValue(btn.Value)
			if err != nil || week != "2026-W47" || !strings.HasPrefix(id, "cus_") {
				t.Errorf("button value %q parses to (%q, %q, %v)", btn.Value, week, id, err)
			}
		}
	}
}

func TestSlackEscapesCustomerText(t *testing.T) {
	s := Build(now, advocate.Policy{}, []Candidate{{
		Customer: advocate.Customer{ID: "evil", Name: "<script>&<!channel>", Domain: "evil.example", Owner: "<@U999>"},
		Contacts: []advocate.Contact{{Name: "Mal <b>", Email: "mal@evil.example", Role: "CTO & co"}},
		Score:    50, Eligible: true, Reasons: []string{"<https://phish.example|click>"},
	}}, nil)
	blocks, fallback, err := SlackBlocks(s)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprint(decoded) + fallback
	for _, bad := range []string{"<script>", "<!channel>", "<@U999>", "<https://phish", "Mal <b>", "CTO & co"} {
		if strings.Contains(text, bad) {
			t.Errorf("unescaped %q reached Slack", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;&amp;&lt;!channel&gt;", "&lt;@U999&gt;", "CTO &amp; co"} {
		if !strings.Contains(text, good) {
			t.Errorf("escaped form %q missing from %s", good, text)
		}
	}
}

func TestSlackMessagesSplitsPast50Blocks(t *testing.T) {
	var cands []Candidate
	for i := range 60 {
		c := cand(fmt.Sprintf("c%02d", i), float64(100-i), person("Ann Lee", "CTO"))
		c.Customer.Owner = fmt.Sprintf("csm%d@acme.io", i%3)
		cands = append(cands, c)
	}
	s := Build(now, advocate.Policy{Size: 60}, cands, nil)
	msgs, err := SlackMessages(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 3 {
		t.Fatalf("%d messages for 60 candidates, want several", len(msgs))
	}
	seen := map[string]int{}
	for i, m := range msgs {
		if len(m) > MaxBlocksPerMessage {
			t.Errorf("message %d has %d blocks, Slack allows %d", i, len(m), MaxBlocksPerMessage)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var round slack.Blocks
		if err := json.Unmarshal(raw, &round); err != nil {
			t.Fatalf("message %d does not round-trip: %v", i, err)
		}
		h := m[0].(*slack.HeaderBlock).Text.Text
		if want := fmt.Sprintf("(%d/%d)", i+1, len(msgs)); !strings.HasSuffix(h, want) {
			t.Errorf("message %d header %q lacks %q", i, h, want)
		}
		ids := map[string]bool{}
		for j, b := range m {
			if id := b.ID(); id != "" {
				if ids[id] {
					t.Errorf("message %d repeats block_id %q; Slack rejects that", i, id)
				}
				ids[id] = true
			}
			// A candidate's buttons stay in the same message as its text, right after it.
			if a, ok := b.(*slack.ActionBlock); ok {
				if _, ok := m[j-1].(*slack.SectionBlock); !ok {
					t.Errorf("message %d: actions at %d not preceded by its candidate", i, j)
				}
				v := a.Elements.ElementSet[0].(*slack.ButtonBlockElement).Value
				seen[v]++
			}
		}
		// A message never starts a candidate without saying whose it is.
		if i > 0 {
			if sec, ok := m[2].(*slack.SectionBlock); !ok || !strings.HasPrefix(sec.Text.Text, "*CSM: ") {
				t.Errorf("message %d does not open with a CSM heading", i)
			}
		}
	}
	if len(seen) != 60 {
		t.Errorf("%d distinct candidates across messages, want 60", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("candidate %s shown %d times", v, n)
		}
	}
}

func TestSlackEmptyShortlist(t *testing.T) {
	s := Build(now, advocate.Policy{}, []Candidate{cand("a", 90)}, nil)
	msgs, err := SlackMessages(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(msgs[0]) != 3 {
		t.Fatalf("empty shortlist rendered as %d messages / %v", len(msgs), msgs)
	}
	sec := msgs[0][2].(*slack.SectionBlock)
	if !strings.HasPrefix(sec.Text.Text, "No new candidates this week") {
		t.Errorf("empty message says %q", sec.Text.Text)
	}
	ctx := msgs[0][1].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if !strings.Contains(ctx, "1 left out: no reachable contact") {
		t.Errorf("counts line %q does not explain why the list is empty", ctx)
	}
}

func TestSlackLimits(t *testing.T) {
	long := strings.Repeat("&", 4000)
	c := cand("a", 90, person("Ann Lee", "CTO"))
	c.Customer.Name = "x" + long // shifts the cut into the middle of an "&amp;"
	c.Reasons = []string{long, long}
	s := Build(now, advocate.Policy{}, []Candidate{c}, nil)
	s.Week = strings.Repeat("W", 200) // a header over Slack's 150 characters
	blocks, _, err := SlackBlocks(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(blocks[0].(*slack.HeaderBlock).Text.Text); n > maxHeaderText {
		t.Errorf("header has %d characters, Slack allows %d", n, maxHeaderText)
	}
	for _, b := range blocks {
		if sec, ok := b.(*slack.SectionBlock); ok {
			txt := sec.Text.Text
			if n := utf8.RuneCountInString(txt); n > maxSectionText {
				t.Errorf("section has %d characters, Slack allows %d", n, maxSectionText)
			}
			if rest := strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(txt); strings.Contains(rest, "&") {
				t.Errorf("truncation split an escape: ...%s", txt[len(txt)-12:])
			}
		}
	}

	c.Customer.ID = strings.Repeat("x", 2000)
	if _, _, err := SlackBlocks(Build(now, advocate.Policy{}, []Candidate{c}, nil)); err == nil || !strings.Contains(err.Error(), "button value") {
		t.Errorf("over-long customer id: err = %v, want a clear error", err)
	}
}

func TestParseActionValue(t *testing.T) {
	week, id, err := ParseActionValue(ActionValue("2026-W47", "cus|with|pipes"))
	if err != nil || week != "2026-W47" || id != "cus|with|pipes" {
		t.Errorf("got (%q, %q, %v)", week, id, err)
	}
	for _, bad := range []string{"", "2026-W47", "|cus", "2026-W47|"} {
		if _, _, err := ParseActionValue(bad); err == nil {
			t.Errorf("ParseActionValue(%q) accepted a malformed value", bad)
		}
	}
}
