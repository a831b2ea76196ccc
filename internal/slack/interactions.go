package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
)

// MaxSkew is how far a request's X-Slack-Request-Timestamp may be from our clock.
const MaxSkew = 5 * time.Minute

// maxBody caps what an interaction request may send; Slack's payloads are a few KB.
const maxBody = 1 << 20

// Why a request was rejected. Logged, never the secret or the signature itself.
var (
	ErrNoSecret       = errors.New("no signing secret configured (slack.signing_secret)")
	ErrMissingHeaders = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrBadTimestamp   = errors.New("X-Slack-Request-Timestamp is not a Unix time")
	ErrStale          = errors.New("request timestamp is more than 5 minutes from our clock (stale or replayed)")
	ErrBadSignature   = errors.New("signature does not match the body (forged, altered, or signed with another secret)")
	ErrReplayed       = errors.New("the same signed request was already received (replayed)")
)

// Verify checks a Slack request signature over the raw body: v0=hex(HMAC-SHA256(secret,
// "v0:"+timestamp+":"+body)), compared in constant time, with the timestamp within MaxSkew of
// now. It must run before the body is parsed.
func Verify(secret string, header http.Header, body []byte, now time.Time) error {
	if secret == "" {
		return ErrNoSecret
	}
	ts, sig := header.Get("X-Slack-Request-Timestamp"), header.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > MaxSkew || skew < -MaxSkew {
		return ErrStale
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig)) {
		return ErrBadSignature
	}
	return nil
}

// Sign computes the X-Slack-Signature value for a body sent at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// replayCache remembers the signatures accepted within the skew window: a captured request
// sent again inside those five minutes is refused too (across replicas, the decision's
// uniqueness in the store makes a replay harmless anyway).
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func newReplayCache() *replayCache { return &replayCache{seen: map[string]time.Time{}} }

// first reports whether sig is new, and remembers it.
func (c *replayCache) first(sig string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.seen {
		if now.Sub(t) > 2*MaxSkew {
			delete(c.seen, k)
		}
	}
	if _, dup := c.seen[sig]; dup {
		return false
	}
	c.seen[sig] = now
	return true
}

// ackBudget bounds the synchronous part of handling an interaction; Slack wants an answer
// within 3 s.
const ackBudget = 2500 * time.Millisecond

// HandleFunc handles one interaction payload, however it arrived (HTTP or Socket Mode). It
// returns once what must not be lost is recorded; slower work is queued (Client.Go). A
// *Rejection error is the clicker's mistake (answered 400 and told privately); any other
// error is ours (answered 500; pressing again is safe).
type HandleFunc func(ctx context.Context, cb slackapi.InteractionCallback) error

// Rejection is an interaction refused for a reason the clicker should be told: a malformed
// button, a customer we do not know, a week that does not exist. Nothing was recorded.
type Rejection struct {
	Text string // shown to the clicker only (mrkdwn, escaped)
	Err  error  // the detail, for the log
}

func (r *Rejection) Error() string { return r.Err.Error() }
func (r *Rejection) Unwrap() error { return r.Err }

// Reject wraps err as a Rejection whose text the clicker reads.
func Reject(text string, err error) error { return &Rejection{Text: text, Err: err} }

// rejected answers a Rejection privately and reports whether err was one.
func (c *Client) rejected(cb slackapi.InteractionCallback, err error) (*Rejection, bool) {
	var r *Rejection
	if !errors.As(err, &r) {
		return nil, false
	}
	c.log.Info("slack action rejected", "reason", r.Err, "user", cb.User.ID)
	c.ReplyText(cb, r.Text)
	return r, true
}

// Interactions serves POST /slack/actions, Slack's interactivity Request URL. A request is
// verified on its raw bytes (secret, within MaxSkew of now, not seen before) before anything
// parses it; a bad one gets 401 and a log line saying why. A good one is answered once handle
// returns: 200, 400 with a private reply for a Rejection, 500 otherwise.
func (c *Client) Interactions(secret string, now func() time.Time, handle HandleFunc) http.Handler {
	seen := newReplayCache()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		cb, status, msg := c.readInteraction(w, r, secret, now(), seen)
		if status != http.StatusOK {
			http.Error(w, msg, status)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ackBudget)
		defer cancel()
		err := handle(ctx, cb)
		if rej, ok := c.rejected(cb, err); ok {
			http.Error(w, rej.Text, http.StatusBadRequest)
			return
		}
		if err != nil {
			// Slack shows the clicker a warning; pressing again is safe (idempotent).
			c.log.Error("slack action failed", "err", err)
			http.Error(w, "could not record the decision; please try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// readInteraction verifies and decodes one request; a status other than 200 says why not.
func (c *Client) readInteraction(w http.ResponseWriter, r *http.Request, secret string, now time.Time, seen *replayCache) (slackapi.InteractionCallback, int, string) {
	var cb slackapi.InteractionCallback
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return cb, http.StatusBadRequest, "request body too large or unreadable"
	}
	err = Verify(secret, r.Header, body, now)
	if err == nil && !seen.first(r.Header.Get("X-Slack-Signature"), now) {
		err = ErrReplayed
	}
	if err != nil {
		c.log.Warn("slack request rejected", "reason", err.Error(), "remote", r.RemoteAddr)
		return cb, http.StatusUnauthorized, "invalid Slack signature"
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		c.log.Warn("slack request without a payload", "remote", r.RemoteAddr)
		return cb, http.StatusBadRequest, "no payload"
	}
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		c.log.Warn("slack payload is not valid JSON", "err", err)
		return cb, http.StatusBadRequest, "bad payload"
	}
	return cb, http.StatusOK, ""
}
