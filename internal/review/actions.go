package review

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

	"github.com/slack-go/slack"
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

// Handler serves POST /slack/actions, Slack's interactivity Request URL. A request is
// verified on its raw bytes before anything parses it; a bad one gets 401 and a log line
// saying why. A good one is answered once the decision is recorded (well within Slack's 3 s);
// message updates and previews follow asynchronously.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
			return
		}
		now := s.o.Now()
		err = Verify(s.o.SigningSecret, r.Header, body, now)
		if err == nil && !s.seen.first(r.Header.Get("X-Slack-Signature"), now) {
			err = ErrReplayed
		}
		if err != nil {
			s.log.Warn("slack request rejected", "reason", err.Error(), "remote", r.RemoteAddr)
			http.Error(w, "invalid Slack signature", http.StatusUnauthorized)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			s.log.Warn("slack request without a payload", "remote", r.RemoteAddr)
			http.Error(w, "no payload", http.StatusBadRequest)
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			s.log.Warn("slack payload is not valid JSON", "err", err)
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ackBudget)
		defer cancel()
		if err := s.Dispatch(ctx, cb); err != nil {
			// Slack shows the clicker a warning; pressing again is safe (idempotent).
			s.log.Error("slack action failed", "err", err)
			http.Error(w, "could not record the decision; please try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
