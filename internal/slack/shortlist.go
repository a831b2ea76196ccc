package slack

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"text/template"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/templates"
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

var slackTemplates = sync.OnceValues(func() (*template.Template, error) {
	t, err := template.ParseFS(templates.FS, "slack/shortlist.tmpl")
	if err != nil {
		return nil, fmt.Errorf("slack: parse slack templates: %w", err)
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
		return "", fmt.Errorf("slack: render slack template %q: %w", name, err)
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
		Stale                                                       string // escaped; shared staleness line
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
	return Escape(email)
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

func candidateText(e shortlist.Entry) (string, error) {
	reasons := e.Reasons
	if len(reasons) > 3 {
		reasons = reasons[:3]
	}
	escaped := make([]string, len(reasons))
	for i, r := range reasons {
		escaped[i] = Escape(r)
	}
	name := e.Customer.Name
	if strings.TrimSpace(name) == "" {
		name = advocate.FirstNonBlank(e.Customer.Domain, e.Customer.ID)
	}
	text, err := render("candidate", candidateData{
		Rank:         e.Rank,
		Name:         Escape(name),
		Domain:       Escape(e.Customer.Domain),
		ContactName:  Escape(e.Contact.Name),
		ContactRole:  Escape(e.Contact.Role),
		ContactEmail: Escape(e.Contact.Email),
		Champion:     e.Contact.Champion,
		Score:        strconv.FormatFloat(e.Score, 'f', 1, 64),
		Change:       formatChange(e.Change),
		Reasons:      escaped,
		Caution:      Escape(e.Caution),
	})
	return clipMrkdwn(text, maxSectionText), err
}

func mrkdwn(text string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, false)
}

func plain(text string, limit int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, advocate.Clip(text, limit), true, false)
}

func actionsBlock(week string, e shortlist.Entry, o RenderOptions) (*slackapi.ActionBlock, error) {
	value := ActionValue(week, e.Customer.ID)
	if e.Customer.ID == "" {
		return nil, fmt.Errorf("slack: entry %d (%q) has no customer id; its buttons could not say who was meant", e.Rank, e.Customer.Name)
	}
	if n := len(value); n > maxActionValue {
		return nil, fmt.Errorf("slack: customer id of entry %d is %d bytes, too long for a Slack button value (max %d)", e.Rank, n, maxActionValue-len(week)-1)
	}
	button := func(id, label string, style slackapi.Style) slackapi.BlockElement {
		return slackapi.NewButtonBlockElement(id, value, plain(label, maxButtonText)).WithStyle(style)
	}
	return slackapi.NewActionBlock("advocate_actions_"+strconv.Itoa(e.Rank),
		button(ActionApprove, "Approve", slackapi.StylePrimary),
		button(ActionSkip, "Skip", slackapi.StyleDefault),
		button(ActionSnooze, "Snooze "+strconv.Itoa(o.snoozeDays())+" days", slackapi.StyleDefault),
		button(ActionPreview, "Preview invite", slackapi.StyleDefault),
	), nil
}

// ShortlistBlocks renders the whole shortlist as one list of blocks plus the notification
// (fallback) text. Past about 20 candidates (fewer with many CSMs) it exceeds Slack's 50-block
// limit: post with ShortlistMessages, which splits; ShortlistBlocks suits previews and short lists.
func ShortlistBlocks(s shortlist.Shortlist) ([]slackapi.Block, string, error) {
	msgs, err := pack(s, math.MaxInt, RenderOptions{})
	if err != nil {
		return nil, "", err
	}
	fallback, err := ShortlistFallback(s)
	if err != nil {
		return nil, "", err
	}
	return msgs[0], fallback, nil
}

// ShortlistFallback is the plain notification text sent alongside the blocks (shown in push
// notifications and by clients that cannot draw blocks).
func ShortlistFallback(s shortlist.Shortlist) (string, error) {
	text, err := render("fallback", fallbackData{Week: Escape(s.Week), Count: len(s.Entries), Owners: len(s.ByOwner())})
	return advocate.Clip(text, maxSectionText), err
}

// ShortlistMessages renders the shortlist as one or more messages of at most
// MaxBlocksPerMessage blocks each, in rank order. A candidate's section and its buttons always
// travel together, and a message that continues a CSM's group repeats the CSM heading so every
// message reads alone. o adds CSM mentions and the configured snooze length.
func ShortlistMessages(s shortlist.Shortlist, o RenderOptions) ([][]slackapi.Block, error) {
	return pack(s, MaxBlocksPerMessage, o)
}

// ShortlistJSON is the first message as Slack's chat.postMessage takes it:
// {"blocks": [...], "text": fallback}, indented, for the demo's output file.
func ShortlistJSON(s shortlist.Shortlist) ([]byte, error) {
	msgs, err := ShortlistMessages(s, RenderOptions{})
	if err != nil {
		return nil, err
	}
	fallback, err := ShortlistFallback(s)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(struct {
		Blocks []slackapi.Block `json:"blocks"`
		Text   string           `json:"text"`
	}{msgs[0], fallback}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("slack: encode shortlist message: %w", err)
	}
	return append(out, '\n'), nil
}

// pack lays the shortlist out into messages of at most limit blocks.
func pack(s shortlist.Shortlist, limit int, o RenderOptions) ([][]slackapi.Block, error) {
	counts, err := render("context", countsData{
		Count: len(s.Entries), Considered: s.Considered, Eligible: s.Eligible,
		Decided: s.Decided, Asked: s.Asked, Excluded: s.Excluded, More: s.More, Stale: Escape(s.Stale),
	})
	if err != nil {
		return nil, err
	}
	// Header placeholders are filled in at the end, once the number of parts is known.
	var msgs [][]slackapi.Block
	var cur []slackapi.Block
	start := func() {
		if cur != nil {
			msgs = append(msgs, cur)
		}
		cur = []slackapi.Block{nil}
		if len(msgs) == 0 {
			cur = append(cur, slackapi.NewContextBlock("advocate_summary", mrkdwn(clipMrkdwn(counts, maxContextText))))
		}
	}
	start()

	if len(s.Entries) == 0 {
		empty, err := render("empty", struct{ Why string }{Escape(s.Why())})
		if err != nil {
			return nil, err
		}
		cur = append(cur, slackapi.NewSectionBlock(mrkdwn(clipMrkdwn(empty, maxSectionText)), nil, nil))
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
				cur = append(cur, slackapi.NewDividerBlock(),
					slackapi.NewSectionBlock(mrkdwn(clipMrkdwn(heading, maxSectionText)), nil, nil, slackapi.SectionBlockOptionBlockID(ownerID)))
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
				slackapi.NewSectionBlock(mrkdwn(text), nil, nil, slackapi.SectionBlockOptionBlockID("advocate_entry_"+strconv.Itoa(e.Rank))),
				actions)
		}
	}
	msgs = append(msgs, cur)

	for i, m := range msgs {
		header, err := render("header", headerData{Week: s.Week, Part: i + 1, Parts: len(msgs)})
		if err != nil {
			return nil, err
		}
		m[0] = slackapi.NewHeaderBlock(plain(header, maxHeaderText), slackapi.HeaderBlockOptionBlockID("advocate_header"))
	}
	return msgs, nil
}

// clipMrkdwn is advocate.Clip that never cuts an escape such as "&amp;" in half, which Slack
// would show as a stray "&am".
func clipMrkdwn(text string, limit int) string {
	cut := advocate.Clip(text, limit)
	if cut == text {
		return text
	}
	cut = strings.TrimSuffix(cut, "…")
	if amp := strings.LastIndexByte(cut, '&'); amp >= 0 && amp >= len(cut)-len("&amp;") && !strings.Contains(cut[amp:], ";") {
		cut = cut[:amp]
	}
	return cut + "…"
}
