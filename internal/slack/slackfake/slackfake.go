// Package slackfake is a Slack Web API for tests: slacktest's server with our own handlers for
// the methods Advocate calls, recording what they received (the stock chat.postMessage
// handler records nothing), plus a response_url endpoint.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

// Message is one chat.postMessage or chat.update the server received.
type Message struct {
	Method  string
	Channel string
	TS      string
	Text    string
	Blocks  []map[string]any
	RawJSON string // the blocks as sent
}

// Server is a fake Slack. Users maps the emails it knows to user ids.
type Server struct {
	srv     *slacktest.Server
	respSrv *httptest.Server

	mu        sync.Mutex
	posts     []Message
	updates   []Message
	lookups   map[string]int // email -> users.lookupByEmail calls
	responses []string       // bodies POSTed to the response_url
	opened    []string       // users conversations.open was called for
	n         int
	rateLimit int // the next N chat.postMessage calls answer 429 with Retry-After: 7
	failAfter int // chat.postMessage fails once this many messages were accepted (0: never)
	users     map[string]string
}

// DefaultUsers are the CSMs the fake workspace knows.
func DefaultUsers() map[string]string {
	return map[string]string{"maya@vendor.io": "UMAYA", "li@vendor.io": "ULI", "csm@vendor.io": "UCSM"}
}

// New starts a fake Slack knowing DefaultUsers; it stops when the test ends.
func New(t testing.TB) *Server {
	f := &Server{lookups: map[string]int{}, users: DefaultUsers()}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.update", f.update)
		c.Handle("/users.lookupByEmail", f.lookupByEmail)
		c.Handle("/users.info", f.userInfo)
		c.Handle("/conversations.open", f.conversationsOpen)
	})
	f.srv.Start()
	f.respSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.responses = append(f.responses, string(b))
		f.mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(func() { f.srv.Stop(); f.respSrv.Close() })
	return f
}

// URL is the Web API base to configure (slack.api_url).
func (f *Server) URL() string { return f.srv.GetAPIURL() }

// ResponseURL is a response_url that records what is posted to it.
func (f *Server) ResponseURL() string { return f.respSrv.URL + "/response" }

// RateLimit makes the next n chat.postMessage calls answer 429 with Retry-After: 7.
func (f *Server) RateLimit(n int) { f.mu.Lock(); f.rateLimit = n; f.mu.Unlock() }

// FailAfter makes chat.postMessage fail once n messages were accepted; 0 turns it off.
func (f *Server) FailAfter(n int) { f.mu.Lock(); f.failAfter = n; f.mu.Unlock() }

// Lookups is how often users.lookupByEmail was asked about email.
func (f *Server) Lookups(email string) int { f.mu.Lock(); defer f.mu.Unlock(); return f.lookups[email] }

// Snapshot returns copies of what was received so far.
func (f *Server) Snapshot() (posts, updates []Message, responses []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.posts...), append([]Message(nil), f.updates...), append([]string(nil), f.responses...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func record(r *http.Request, method string) (Message, bool) {
	r.ParseForm()
	p := Message{Method: method, Channel: r.FormValue("channel"), TS: r.FormValue("ts"), Text: r.FormValue("text"), RawJSON: r.FormValue("blocks")}
	if p.RawJSON != "" {
		if err := json.Unmarshal([]byte(p.RawJSON), &p.Blocks); err != nil {
			return p, false
		}
	}
	return p, true
}

func (f *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	p, ok := record(r, "chat.postMessage")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !ok:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	case f.rateLimit > 0:
		f.rateLimit--
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case f.failAfter > 0 && len(f.posts) >= f.failAfter:
		writeJSON(w, map[string]any{"ok": false, "error": "fatal_error"})
		return
	}
	f.n++
	p.TS = fmt.Sprintf("1763283600.%06d", f.n)
	if ch, ok := strings.CutPrefix(p.Channel, "#"); ok { // Slack answers with the channel's id
		p.Channel = "C" + strings.ToUpper(ch)
	}
	f.posts = append(f.posts, p)
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
}

func (f *Server) update(w http.ResponseWriter, r *http.Request) {
	p, _ := record(r, "chat.update")
	f.mu.Lock()
	f.updates = append(f.updates, p)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
}

func (f *Server) lookupByEmail(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	email := r.FormValue("email")
	f.mu.Lock()
	f.lookups[email]++
	id, ok := f.users[email]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "users_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "profile": map[string]any{"email": email}}})
}

func (f *Server) userInfo(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := r.FormValue("user")
	f.mu.Lock()
	defer f.mu.Unlock()
	for email, uid := range f.users {
		if uid == id {
			writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "profile": map[string]any{"email": email}}})
			return
		}
	}
	writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
}

func (f *Server) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	users := r.FormValue("users")
	f.mu.Lock()
	f.opened = append(f.opened, users)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users}})
}

// Texts collects every mrkdwn/plain text in a message's blocks, in order, one per line.
func Texts(p Message) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				b.WriteString(t + "\n")
			}
			for k, vv := range x {
				if _, isString := vv.(string); k != "text" || !isString {
					walk(vv)
				}
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	for _, bl := range p.Blocks {
		walk(bl)
	}
	return b.String()
}

// ButtonValue is the value of the nth button with actionID in a message ("" when none).
func ButtonValue(p Message, actionID string, nth int) string {
	seen := 0
	for _, bl := range p.Blocks {
		if bl["type"] != "actions" {
			continue
		}
		for _, el := range bl["elements"].([]any) {
			e := el.(map[string]any)
			if e["action_id"] == actionID {
				if seen == nth {
					return e["value"].(string)
				}
				seen++
			}
		}
	}
	return ""
}
