package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/shortlist"
)

// now is a Monday in 2026-W47.
var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func cand(id string, score float64, contacts ...advocate.Contact) shortlist.Candidate {
	return shortlist.Candidate{
		Customer: advocate.Customer{ID: id, Name: "Co " + id, Domain: id + ".example", Owner: "csm@acme.io"},
		Contacts: contacts, Score: score, Eligible: true, Reasons: []string{"NPS 10 (promoter)"},
	}
}

func person(name, role string) advocate.Contact {
	return advocate.Contact{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@x.example", Role: role}
}

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sample() shortlist.Shortlist {
	cands := []shortlist.Candidate{
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
	return shortlist.Build(now, advocate.Policy{Size: 10}, cands, nil)
}

// message is what chat.postMessage receives; unmarshalling into slackapi.Blocks proves Slack's
// own types accept what we produce.
type message struct {
	Blocks slackapi.Blocks `json:"blocks"`
	Text   string          `json:"text"`
}

func TestShortlistJSONGolden(t *testing.T) {
	got, err := ShortlistJSON(sample())
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

func TestShortlistJSONRoundTrip(t *testing.T) {
	b, err := ShortlistJSON(sample())
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
	h, ok := blocks[0].(*slackapi.HeaderBlock)
	if !ok || h.Text.Type != slackapi.PlainTextType || h.Text.Text != "Advocate shortlist · 2026-W47" {
		t.Fatalf("first block = %#v, want the header naming the week", blocks[0])
	}
	ctx, ok := blocks[1].(*slackapi.ContextBlock)
	if !ok || !strings.Contains(ctx.ContextElements.Elements[0].(*slackapi.TextBlockObject).Text, "3 candidates from 3 customers considered") {
		t.Errorf("second block = %#v, want the counts", blocks[1])
	}

	// Owners in order of their best rank; Dana's two candidates together.
	var texts []string
	for _, b := range blocks {
		if s, ok := b.(*slackapi.SectionBlock); ok {
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
	var actions []*slackapi.ActionBlock
	for _, b := range blocks {
		if a, ok := b.(*slackapi.ActionBlock); ok {
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
			btn, ok := els[j].(*slackapi.ButtonBlockElement)
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

func TestShortlistEscapesCustomerText(t *testing.T) {
	s := shortlist.Build(now, advocate.Policy{}, []shortlist.Candidate{{
		Customer: advocate.Customer{ID: "evil", Name: "<script>&<!channel>", Domain: "evil.example", Owner: "<@U999>"},
		Contacts: []advocate.Contact{{Name: "Mal <b>", Email: "mal@evil.example", Role: "CTO & co"}},
		Score:    50, Eligible: true, Reasons: []string{"<https://phish.example|click>"},
	}}, nil)
	blocks, fallback, err := ShortlistBlocks(s)
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

func TestShortlistMessagesSplitsPast50Blocks(t *testing.T) {
	var cands []shortlist.Candidate
	for i := range 60 {
		c := cand(fmt.Sprintf("c%02d", i), float64(100-i), person("Ann Lee", "CTO"))
		c.Customer.Owner = fmt.Sprintf("csm%d@acme.io", i%3)
		cands = append(cands, c)
	}
	s := shortlist.Build(now, advocate.Policy{Size: 60}, cands, nil)
	msgs, err := ShortlistMessages(s, RenderOptions{})
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
		var round slackapi.Blocks
		if err := json.Unmarshal(raw, &round); err != nil {
			t.Fatalf("message %d does not round-trip: %v", i, err)
		}
		h := m[0].(*slackapi.HeaderBlock).Text.Text
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
			if a, ok := b.(*slackapi.ActionBlock); ok {
				if _, ok := m[j-1].(*slackapi.SectionBlock); !ok {
					t.Errorf("message %d: actions at %d not preceded by its candidate", i, j)
				}
				v := a.Elements.ElementSet[0].(*slackapi.ButtonBlockElement).Value
				seen[v]++
			}
		}
		// A message never starts a candidate without saying whose it is.
		if i > 0 {
			if sec, ok := m[2].(*slackapi.SectionBlock); !ok || !strings.HasPrefix(sec.Text.Text, "*CSM: ") {
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

func TestShortlistEmptyShortlist(t *testing.T) {
	s := shortlist.Build(now, advocate.Policy{}, []shortlist.Candidate{cand("a", 90)}, nil)
	msgs, err := ShortlistMessages(s, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(msgs[0]) != 3 {
		t.Fatalf("empty shortlist rendered as %d messages / %v", len(msgs), msgs)
	}
	sec := msgs[0][2].(*slackapi.SectionBlock)
	if !strings.HasPrefix(sec.Text.Text, "No new candidates this week") {
		t.Errorf("empty message says %q", sec.Text.Text)
	}
	ctx := msgs[0][1].(*slackapi.ContextBlock).ContextElements.Elements[0].(*slackapi.TextBlockObject).Text
	if !strings.Contains(ctx, "1 left out: no reachable contact") {
		t.Errorf("counts line %q does not explain why the list is empty", ctx)
	}
}

func TestShortlistLimits(t *testing.T) {
	long := strings.Repeat("&", 4000)
	c := cand("a", 90, person("Ann Lee", "CTO"))
	c.Customer.Name = "x" + long // shifts the cut into the middle of an "&amp;"
	c.Reasons = []string{long, long}
	s := shortlist.Build(now, advocate.Policy{}, []shortlist.Candidate{c}, nil)
	s.Week = strings.Repeat("W", 200) // a header over Slack's 150 characters
	blocks, _, err := ShortlistBlocks(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(blocks[0].(*slackapi.HeaderBlock).Text.Text); n > maxHeaderText {
		t.Errorf("header has %d characters, Slack allows %d", n, maxHeaderText)
	}
	for _, b := range blocks {
		if sec, ok := b.(*slackapi.SectionBlock); ok {
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
	if _, _, err := ShortlistBlocks(shortlist.Build(now, advocate.Policy{}, []shortlist.Candidate{c}, nil)); err == nil || !strings.Contains(err.Error(), "button value") {
		t.Errorf("over-long customer id: err = %v, want a clear error", err)
	}
}

func TestParseActionValue(t *testing.T) {
	week, id, err := ParseActionValue(ActionValue("2026-W47", "cus|with|pipes"))
	if err != nil || week != "2026-W47" || id != "cus|with|pipes" {
		t.Errorf("got (%q, %q, %v)", week, id, err)
	}
	tests := []struct{ name, value string }{
		{"Empty", ""},
		{"NoCustomer", "2026-W47"},
		{"NoWeek", "|cus"},
		{"EmptyCustomer", "2026-W47|"},
		{"WeekThatDoesNotExist", "9999-W99|cus"},
		{"Week53InA52WeekYear", "2025-W53|cus"},
		{"NotAWeek", "garbage|cus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParseActionValue(tt.value); err == nil {
				t.Errorf("ParseActionValue(%q) accepted a malformed value", tt.value)
			}
		})
	}
}
