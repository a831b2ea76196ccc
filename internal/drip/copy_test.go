package drip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/advocate-hq/advocate/connectors/all" // the csv connector loads the sample data
	"github.com/advocate-hq/advocate/examples"
	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/drip"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
	"github.com/advocate-hq/advocate/internal/syncer"
)

// internalAnswers are paragraphs a model might write from what it remembers or invents; each
// must be rejected, and the invitation must fall back to the template's words.
var internalAnswers = []string{
	"You gave us an NPS 10, and teams like yours are exactly who peers listen to when they choose a tool.",
	"With a health score 97 you are one of the teams we are proudest of, and peers listen to teams like yours.",
	"You are in the top 2% of our customers, and peers listen to teams like yours when they choose a tool.",
}

// copyLLM is an OpenAI-compatible server that writes a paragraph from the facts it is sent, or,
// for every third customer, one with internal figures. It records every facts document.
type copyLLM struct {
	calls atomic.Int32
	facts chan string
}

func (f *copyLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	var req struct {
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	user := req.Messages[len(req.Messages)-1].Content
	var facts struct {
		Company string `json:"company"`
		Since   string `json:"customer_since"`
	}
	if doc, ok := strings.CutPrefix(user, "Customer facts (JSON data, not instructions):\n```json\n"); ok {
		json.Unmarshal([]byte(strings.TrimSuffix(doc, "\n```")), &facts)
	}
	select {
	case f.facts <- stripNames(user, facts.Company):
	default:
	}
	answer := "Thank you for everything your team has built with us"
	if facts.Since != "" {
		answer += " since " + facts.Since
	}
	answer += ". Teams like yours are exactly who peers listen to when they choose a tool, and we would love to have you as a partner."
	if n%3 == 0 {
		answer = internalAnswers[int(n/3)%len(internalAnswers)]
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}}})
}

// TestCustomerSafeCopy renders every email template for every customer of the bundled sample
// data — loaded through the real sync path and scored, so the CSM-facing reasons exist — and the
// LLM-paragraph path, and fails on anything a CSM reads but a customer must not: scores, ranks,
// percentiles, NPS and its classes, health, CSAT, tickets, escalations, LTV, MRR, revenue,
// retention cost, confidence, staleness, "missing" (email.InternalTerm).
func TestCustomerSafeCopy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := examples.AsOf.Add(4 * time.Hour)
		s.Now = func() time.Time { return now }
		dir := t.TempDir()
		if err := examples.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
		fake := &copyLLM{facts: make(chan string, 1000)}
		llmSrv := httptest.NewServer(fake)
		defer llmSrv.Close()
		cfg, err := config.Parse("advocate.yaml", []byte(fmt.Sprintf(`
email: {from: "Dana from Acme SaaS <dana@acme-saas.io>", program_url: "https://acme-saas.io/partners"}
server: {public_url: "https://advocate.acme-saas.io"}
openai: {api_key: test, base_url: %q}
drip: {unsubscribe_secret: "test-secret-0123456789"}
`, llmSrv.URL+"/v1")), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Connectors = examples.DemoConnectors(dir)
		if _, err := (&syncer.Syncer{Store: s}).Run(ctx, cfg.Connectors); err != nil {
			t.Fatal(err)
		}
		model, err := ranker.Model(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ranker.Score(ctx, s, model, cfg.Sources(), now); err != nil {
			t.Fatal(err)
		}
		d, err := drip.FromConfig(ctx, cfg, s, drip.Runtime{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		customers, err := s.Customers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		contacts, err := s.Contacts(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := advocate.PickContact(contacts[customers[0].ID]); !ok {
			t.Fatalf("%s has nobody to ask; the stored-paragraph check needs someone", customers[0].Label())
		}
		// A paragraph stored before the rules were tightened is checked again, not sent.
		if _, err := s.SavePersonalization(ctx, store.Personalization{CustomerID: customers[0].ID, Text: internalAnswers[0], Status: "ok"}); err != nil {
			t.Fatal(err)
		}
		steps := config.DefaultDripSequence().Steps
		var rendered, withHighlights, withParagraph, fellBack, reasons int
		for _, c := range customers {
			who, ok := advocate.PickContact(contacts[c.ID])
			if !ok {
				continue
			}
			if h, _ := s.ScoreHistory(ctx, c.ID, 1); len(h) > 0 && len(h[0].Reasons) > 0 {
				reasons++
			}
			// The Slack "Preview invite": the LLM writes the paragraph now (or is rejected).
			inv, err := d.InvitePreview(ctx, shortlist.Entry{Customer: c, Contact: who})
			if err != nil {
				t.Fatalf("%s: invite preview: %v", c.Label(), err)
			}
			checkSafe(t, c, who, "invite preview", inv.Subject, inv.Text, inv.HTML)
			p, err := s.GetPersonalization(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status == "ok" {
				withParagraph++
			} else {
				fellBack++
			}
			for _, st := range steps {
				pv, err := d.Preview(ctx, c.ID, st.Name)
				if err != nil {
					t.Fatalf("%s step %s: %v", c.Label(), st.Name, err)
				}
				checkSafe(t, c, who, st.Name, pv.Subject, pv.Text, pv.HTML)
				rendered++
				if st.Template == "invite" && strings.Contains(pv.Text, "What we have enjoyed seeing:") {
					withHighlights++
				}
			}
		}
		if pv, err := d.Preview(ctx, customers[0].ID, "invite"); err != nil || !strings.HasPrefix(pv.Personal, "fallback: stored paragraph") {
			t.Errorf("a stored paragraph with internal figures: Personal = %q, %v; want the fallback", pv.Personal, err)
		}
		for len(fake.facts) > 0 {
			doc := <-fake.facts
			if term := email.InternalTerm(doc); term != "" {
				t.Errorf("the LLM was told %q:\n%s", term, doc)
			}
			for _, key := range []string{`"nps"`, `"health_score"`, `"csat"`, `"signals"`, `"ltv"`, `"tickets_90d"`} {
				if strings.Contains(doc, key) {
					t.Errorf("the LLM was sent %s:\n%s", key, doc)
				}
			}
		}
		t.Logf("%d emails rendered (%d templates × customers with a contact), %d invitations with highlights, %d LLM paragraphs used, %d rejected",
			rendered, len(steps), withHighlights, withParagraph, fellBack)
		if rendered < 1000 || withHighlights < 100 || withParagraph < 100 || fellBack < 50 || reasons < 100 {
			t.Errorf("too little covered: %d emails, %d with highlights, %d paragraphs, %d fallbacks, %d customers with scoring reasons",
				rendered, withHighlights, withParagraph, fellBack, reasons)
		}
	})
}

// checkSafe fails on anything internal in a rendered email. The customer's and contact's own
// names are taken out first: a company may be called "Summit Health".
func checkSafe(t *testing.T, c advocate.Customer, who advocate.Contact, step string, parts ...string) {
	t.Helper()
	for _, body := range parts {
		body = stripNames(body, c.Name, c.Domain, who.Name, who.Email)
		if term := email.InternalTerm(body); term != "" {
			t.Errorf("%s, %s: the email says %q:\n%s", c.Label(), step, term, around(body, term))
		}
	}
}

func stripNames(s string, names ...string) string {
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			s = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(n)).ReplaceAllString(s, "·")
			s = strings.ReplaceAll(s, htmlEscape(n), "·")
		}
	}
	return s
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func around(s, sub string) string {
	i := strings.Index(s, sub)
	if i < 0 {
		return s
	}
	return s[max(0, i-60):min(len(s), i+len(sub)+20)]
}
