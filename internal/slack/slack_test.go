package slack

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/slack/slackfake"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"RetryAfterWins", 3, 7 * time.Second, 7 * time.Second},
		{"RetryAfterAtLeastASecond", 0, 10 * time.Millisecond, time.Second},
		{"NoRetryAfterFirst", 0, 0, time.Second},
		{"NoRetryAfterDoubles", 2, 0, 4 * time.Second},
		{"NoRetryAfterCapped", 40, 0, maxBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Backoff(tt.attempt, tt.retryAfter); got != tt.want {
				t.Errorf("Backoff(%d, %v) = %v, want %v", tt.attempt, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestRetryWaitsOutRateLimit(t *testing.T) {
	tests := []struct {
		name       string
		limited    int
		maxRetries int
		wantWaits  int
		wantErr    bool
	}{
		{"OK", 0, 5, 0, false},
		{"WaitsTwice", 2, 5, 2, false},
		{"GivesUp", 3, 2, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := slackfake.New(t)
			f.RateLimit(tt.limited)
			var waits []time.Duration
			c := New(Config{BotToken: "xoxb-test", APIURL: f.URL(), MaxRetries: tt.maxRetries, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
			defer c.Close(context.Background())
			_, ts, err := c.Post(context.Background(), "#x", "hello", nil)
			if (err != nil) != tt.wantErr || (err == nil && ts == "") {
				t.Fatalf("Post: ts %q, err %v; want error %v", ts, err, tt.wantErr)
			}
			if len(waits) != tt.wantWaits {
				t.Fatalf("waited %v, want %d waits", waits, tt.wantWaits)
			}
			for _, w := range waits {
				if w != 7*time.Second {
					t.Errorf("waited %v, want the 7s Retry-After", w)
				}
			}
		})
	}
}

func TestVerify(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	body := []byte("payload=%7B%7D")
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	stamp := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name   string
		secret string
		ts     string
		sig    string
		want   error
	}{
		{"OK", secret, stamp(0), Sign(secret, stamp(0), body), nil},
		{"OKWithinWindow", secret, stamp(-4 * time.Minute), Sign(secret, stamp(-4*time.Minute), body), nil},
		{"Unsigned", secret, stamp(0), "", ErrMissingHeaders},
		{"NoTimestamp", secret, "", Sign(secret, stamp(0), body), ErrMissingHeaders},
		{"Forged", secret, stamp(0), Sign("another-secret", stamp(0), body), ErrBadSignature},
		{"TamperedTimestamp", secret, stamp(time.Second), Sign(secret, stamp(0), body), ErrBadSignature},
		{"Stale", secret, stamp(-6 * time.Minute), Sign(secret, stamp(-6*time.Minute), body), ErrStale},
		{"FromTheFuture", secret, stamp(6 * time.Minute), Sign(secret, stamp(6*time.Minute), body), ErrStale},
		{"Garbage", secret, "yesterday", "v0=00", ErrBadTimestamp},
		{"NoSecretConfigured", "", stamp(0), Sign("", stamp(0), body), ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ts != "" {
				h.Set("X-Slack-Request-Timestamp", tt.ts)
			}
			if tt.sig != "" {
				h.Set("X-Slack-Signature", tt.sig)
			}
			if err := Verify(tt.secret, h, body, now); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
