package shortlist

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/templates"
)

// Action IDs of the buttons under each candidate. The interaction handler dispatches on these;
// each button's value is ActionValue(week, customer ID).
const (
	ActionApprove = "advocate_approve"
	ActionSkip    = "advocate_skip"
	ActionSnooze  = "advocate_snooze"
	ActionPreview = "advocate_preview"
)

// Block Kit limits (https://api.slack.com/reference/block-kit). Exceeding one makes Slack
// reject the whole message, so the renderer truncates texts and splits long lists.
const (
	MaxBlocksPerMessage = 50
	maxSectionText      = 3000
	maxContextText      = 3000
	maxHeaderText       = 150
	maxButtonText       = 75
	maxActionValue      = 2000
)

// blocksPerEntry is the candidate section plus its actions block.
const blocksPerEntry = 2

// ActionValue is the value carried by every button of one candidate: the week it was shown in
// and the customer's ID, so a click on last week's message can be told apart from this week's.
func ActionValue(week, customerID string) string { return week + "|" + customerID }

// ParseActionValue splits a button value made by ActionValue. A week never contains "|", so a
// customer ID that does is still recovered whole.
func ParseActionValue(v string) (week, customerID string, err error) {
	week, customerID, ok := strings.Cut(v, "|")
	if !ok || week == "" || customerID == "" {
		return "", "", fmt.Errorf("shortlist: malformed button value %q: want \"<week>|<customer id>\"", v)
	}
	return week, customerID, nil
}

// EscapeMrkdwn escapes the three characters Slack's mrkdwn treats as control characters, so a
// company called "<!channel>" or "A&B" is shown as written instead of pinging or breaking links.
func EscapeMrkdwn(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

var slackTemplates = sync.OnceValues(func() (*template.Template, error) {
	t, err := template.ParseFS(templates.FS, "slack/shortlist.tmpl")
	if err != nil {
		return nil, fmt.Errorf("shortlist: parse slack templates: %w", err)
	}
	return t, nil
})

func render(name string, data any) (string, error) {
	t, err := slackTemplates()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("shortlist: render slack template %q: %w", name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// Template data. Every string that came from a customer or a CRM is escaped before it gets
// here, so the templates cannot forget to.
type (
	headerData struct {
		Week        string
		Part, Parts int
	}
	countsData struct {
		Count, Considered, Eligible, Decided, Asked, Excluded, More int
	}
	ownerData struct {
		Mention   string
		Count     int
		Continued bool
	}
	candidateData struct {
		Rank                                   int
		Name, Domain                           string
		ContactName, ContactRole, ContactEmail string
		Champion                               bool
		Score                                  string
		Change                                 string // "+2.1", "-0.4", "±0.0"; "" when unknown
		Reasons                                []string
		Caution                                string
	}
	fallbackData struct {
		Week          string
		Count, Owners int
	}
)

// RenderOptions adjust the messages to the Slack workspace they are posted to.
type RenderOptions struct {
	// Mention names a CSM (by email) in mrkdwn, e.g. "<@U123>" once the Slack adapter looked
	// them up. It must escape what it returns; nil or "" means the escaped email as text.
	Mention func(email string) string
	// SnoozeDays labels the snooze button ("Snooze 30 days"); <= 0 means advocate.DefaultSnoozeDays.
	SnoozeDays int
}

func (o RenderOptions) snoozeDays() int {
	if o.SnoozeDays > 0 {
		return o.SnoozeDays
	}
	return advocate.DefaultSnoozeDays
}

// ownerMention is how a CSM is named in the message: a Slack mention when opts can resolve
// one, else the email as text.
func ownerMention(email string, o RenderOptions) string {
	if strings.TrimSpace(email) == "" {
		return "Unassigned"
	}
	if o.Mention != nil {
		if m := o.Mention(email); m != "" {
			return m
		}
	}
	return EscapeMrkdwn(email)
}

// formatChange shows a score change with its sign, or "" when there is none to show.
func formatChange(c *float64) string {
	if c == nil {
		return ""
	}
	switch {
	case *c == 0:
		return "±0.0"
	case *c > 0:
		return "+" + strconv.FormatFloat(*c, 'f', 1, 64)
	}
	return strconv.FormatFloat(*c, 'f', 1, 64)
}

func candidateText(e Entry) (string, error) {
	reasons := e.Reasons
	if len(reasons) > 3 {
		reasons = reasons[:3]
	}
	escaped := make([]string, len(reasons))
	for i, r := range reasons {
		escaped[i] = EscapeMrkdwn(r)
	}
	name := e.Customer.Name
	if strings.TrimSpace(name) == "" {
		name = advocate.FirstNonBlank(e.Customer.Domain, e.Customer.ID)
	}
	text, err := render("candidate", candidateData{
		Rank:         e.Rank,
		Name:         EscapeMrkdwn(name),
		Domain:       EscapeMrkdwn(e.Customer.Domain),
		ContactName:  EscapeMrkdwn(e.Contact.Name),
		ContactRole:  EscapeMrkdwn(e.Contact.Role),
		ContactEmail: EscapeMrkdwn(e.Contact.Email),
		Champion:     e.Contact.Champion,
		Score:        strconv.FormatFloat(e.Score, 'f', 1, 64),
		Change:       formatChange(e.Change),
		Reasons:      escaped,
		Caution:      EscapeMrkdwn(e.Caution),
	})
	return truncateMrkdwn(text, maxSectionText), err
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string, limit int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncatePlain(text, limit), true, false)
}

func actionsBlock(week string, e Entry, o RenderOptions) (*slack.ActionBlock, error) {
	value := ActionValue(week, e.Customer.ID)
	if e.Customer.ID == "" {
		return nil, fmt.Errorf("shortlist: entry %d (%q) has no customer id; its buttons could not say who was meant", e.Rank, e.Customer.Name)
	}
	if n := len(value); n > maxActionValue {
		return nil, fmt.Errorf("shortlist: customer id of entry %d is %d bytes, too long for a Slack button value (max %d)", e.Rank, n, maxActionValue-len(week)-1)
	}
	button := func(id, label string, style slack.Style) slack.BlockElement {
		return slack.NewButtonBlockElement(id, value, plain(label, maxButtonText)).WithStyle(style)
	}
	return slack.NewActionBlock("advocate_actions_"+strconv.Itoa(e.Rank),
		button(ActionApprove, "Approve", slack.StylePrimary),
		button(ActionSkip, "Skip", slack.StyleDefault),
		button(ActionSnooze, "Snooze "+strconv.Itoa(o.snoozeDays())+" days", slack.StyleDefault),
		button(ActionPreview, "Preview invite", slack.StyleDefault),
	), nil
}

// SlackBlocks renders the whole shortlist as one list of blocks plus the notification
// (fallback) text. Past about 20 candidates (fewer with many CSMs) it exceeds Slack's 50-block limit:
// post with SlackMessages, which splits; SlackBlocks suits previews and short lists.
func SlackBlocks(s Shortlist) ([]slack.Block, string, error) {
	msgs, err := pack(s, math.MaxInt, RenderOptions{})
	if err != nil {
		return nil, "", err
	}
	fallback, err := SlackFallback(s)
	if err != nil {
		return nil, "", err
	}
	return msgs[0], fallback, nil
}

// SlackFallback is the plain notification text sent alongside the blocks (shown in push
// notifications and by clients that cannot draw blocks).
func SlackFallback(s Shortlist) (string, error) {
	text, err := render("fallback", fallbackData{Week: EscapeMrkdwn(s.Week), Count: len(s.Entries), Owners: len(s.ByOwner())})
	return truncatePlain(text, maxSectionText), err
}

// SlackMessages renders the shortlist as one or more messages of at most MaxBlocksPerMessage
// blocks each, in rank order. A candidate's section and its buttons always travel together, and
// a message that continues a CSM's group repeats the CSM heading so every message reads alone.
func SlackMessages(s Shortlist) ([][]slack.Block, error) {
	return pack(s, MaxBlocksPerMessage, RenderOptions{})
}

// SlackMessagesWith is SlackMessages with CSM mentions and the configured snooze length.
func SlackMessagesWith(s Shortlist, o RenderOptions) ([][]slack.Block, error) {
	return pack(s, MaxBlocksPerMessage, o)
}

// SlackJSON is the first message as Slack's chat.postMessage takes it:
// {"blocks": [...], "text": fallback}, indented, for the demo's output file.
func SlackJSON(s Shortlist) ([]byte, error) {
	msgs, err := SlackMessages(s)
	if err != nil {
		return nil, err
	}
	fallback, err := SlackFallback(s)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(struct {
		Blocks []slack.Block `json:"blocks"`
		Text   string        `json:"text"`
	}{msgs[0], fallback}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("shortlist: encode slack message: %w", err)
	}
	return append(out, '\n'), nil
}

// pack lays the shortlist out into messages of at most limit blocks.
func pack(s Shortlist, limit int, o RenderOptions) ([][]slack.Block, error) {
	counts, err := render("context", countsData{
		Count: len(s.Entries), Considered: s.Considered, Eligible: s.Eligible,
		Decided: s.Decided, Asked: s.Asked, Excluded: s.Excluded, More: s.More,
	})
	if err != nil {
		return nil, err
	}
	// Header placeholders are filled in at the end, once the number of parts is known.
	var msgs [][]slack.Block
	var cur []slack.Block
	start := func() {
		if cur != nil {
			msgs = append(msgs, cur)
		}
		cur = []slack.Block{nil}
		if len(msgs) == 0 {
			cur = append(cur, slack.NewContextBlock("advocate_summary", mrkdwn(truncateMrkdwn(counts, maxContextText))))
		}
	}
	start()

	if len(s.Entries) == 0 {
		empty, err := render("empty", nil)
		if err != nil {
			return nil, err
		}
		cur = append(cur, slack.NewSectionBlock(mrkdwn(truncateMrkdwn(empty, maxSectionText)), nil, nil))
	}

	for gi, g := range s.ByOwner() {
		ownerID := "advocate_owner_" + strconv.Itoa(gi)
		needHeading := true
		for ei, e := range g.Entries {
			need := blocksPerEntry
			if needHeading {
				need += 2 // divider + CSM heading
			}
			if len(cur)+need > limit && len(cur) > 1 {
				start()
				needHeading = true
			}
			if needHeading {
				heading, err := render("owner", ownerData{Mention: ownerMention(g.Owner, o), Count: len(g.Entries), Continued: ei > 0})
				if err != nil {
					return nil, err
				}
				cur = append(cur, slack.NewDividerBlock(),
					slack.NewSectionBlock(mrkdwn(truncateMrkdwn(heading, maxSectionText)), nil, nil, slack.SectionBlockOptionBlockID(ownerID)))
				needHeading = false
			}
			text, err := candidateText(e)
			if err != nil {
				return nil, err
			}
			actions, err := actionsBlock(s.Week, e, o)
			if err != nil {
				return nil, err
			}
			cur = append(cur,
				slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID("advocate_entry_"+strconv.Itoa(e.Rank))),
				actions)
		}
	}
	msgs = append(msgs, cur)

	for i, m := range msgs {
		header, err := render("header", headerData{Week: s.Week, Part: i + 1, Parts: len(msgs)})
		if err != nil {
			return nil, err
		}
		m[0] = slack.NewHeaderBlock(plain(header, maxHeaderText), slack.HeaderBlockOptionBlockID("advocate_header"))
	}
	return msgs, nil
}

// truncatePlain shortens text to at most limit characters, marking the cut with "…".
func truncatePlain(text string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	runes := []rune(text)
	return string(runes[:limit-1]) + "…"
}

// truncateMrkdwn is truncatePlain that never cuts an escape such as "&amp;" in half, which
// Slack would show as a stray "&am".
func truncateMrkdwn(text string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	cut := string([]rune(text)[:limit-1])
	if amp := strings.LastIndexByte(cut, '&'); amp >= 0 && amp >= len(cut)-len("&amp;") && !strings.Contains(cut[amp:], ";") {
		cut = cut[:amp]
	}
	return cut + "…"
}
