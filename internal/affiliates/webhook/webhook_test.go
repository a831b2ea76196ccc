package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/connectors/affiliates/affiliatestest"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/affiliates/webhook"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/server"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

const secret = "whsec_test_8f3a"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve mounts h where `advocate serve` does, behind a real HTTP server.
func serve(t *testing.T, st *store.Store, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer((&server.Server{Store: st, Log: quiet, AffiliateWebhooks: h}).Handler())
	t.Cleanup(srv.Close)
	return srv.URL + webhook.Path
}

func deliver(t *testing.T, url string, h http.Header, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// rewardfulEvent is a delivery shaped like Rewardful's documented payload.
func rewardfulEvent(id, email string) string {
	return fmt.Sprintf(`{"object":{"id":"c1","amount":1500,"currency":"USD","affiliate":{"email":%q}},`+
		`"event":{"id":%q,"type":"commission.created","created_at":"2026-01-30T14:05:11.940Z","api_version":"v1"},"request":{"id":"r1"}}`, email, id)
}

func signed(body string) http.Header {
	h := http.Header{}
	affiliatestest.HexHMAC("X-Rewardful-Signature")(h, []byte(body), secret)
	return h
}

func rewardfulConfig() *config.Config {
	return &config.Config{Affiliates: config.Affiliates{Platform: "rewardful", APIKey: "rw_secret", WebhookSecret: secret}}
}

// Deliveries in order, as a platform and an attacker would send them: a new event is recorded
// and nudges the outcome sync once; its replay is 200 with no second nudge; a changed body, a
// missing signature, a body that is not JSON and an oversized body are refused and recorded
// nothing; every outcome is counted.
func TestDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var nudges atomic.Int32
		m := metrics.New()
		h, err := webhook.FromConfig(rewardfulConfig(), st, func() { nudges.Add(1) }, m, quiet)
		if err != nil {
			t.Fatal(err)
		}
		url := serve(t, st, h)
		first := rewardfulEvent("evt-a", "dana@customer.example")
		forged := rewardfulEvent("evt-forged", "dana@customer.example")
		notJSON := "<html>not json</html>"
		huge := strings.Repeat(" ", webhook.MaxBodyBytes) + first
		for _, c := range []struct {
			name   string
			h      http.Header
			body   string
			status int
			want   string // the answer's status or error, in part
			nudges int32
		}{
			{"new event", signed(first), first, 200, "accepted", 1},
			{"replay", signed(first), first, 200, "duplicate", 1},
			{"changed body", signed(first), forged, 401, "does not match", 1},
			{"no signature", http.Header{}, first, 401, "missing X-Rewardful-Signature", 1},
			{"signed but not JSON", signed(notJSON), notJSON, 400, "not Rewardful's JSON", 1},
			{"oversized", signed(huge), huge, 413, "body over", 1},
			{"another event", signed(forged), forged, 200, "accepted", 2},
		} {
			status, out := deliver(t, url, c.h, c.body)
			if status != c.status || !strings.Contains(out["status"]+out["error"], c.want) {
				t.Errorf("%s: %d %v, want %d %q", c.name, status, out, c.status, c.want)
			}
			if strings.Contains(out["error"], secret) {
				t.Errorf("%s: the answer shows the secret", c.name)
			}
			if n := nudges.Load(); n != c.nudges {
				t.Errorf("%s: outcome sync nudged %d times, want %d", c.name, n, c.nudges)
			}
		}
		ev, err := st.WebhookEvent(context.Background(), "rewardful", "evt-a")
		if err != nil || ev.Type != "commission.created" || ev.OccurredAt == nil || !ev.OccurredAt.Equal(time.Date(2026, 1, 30, 14, 5, 11, 940e6, time.UTC)) {
			t.Errorf("recorded event = %+v, %v", ev, err)
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		for outcome, want := range map[string]int{metrics.WebhookAccepted: 2, metrics.WebhookDuplicate: 1,
			metrics.WebhookRejected: 2, metrics.WebhookInvalid: 1, metrics.WebhookTooLarge: 1} {
			line := fmt.Sprintf("advocate_affiliate_webhooks_total{outcome=%q,platform=\"rewardful\"} %d\n", outcome, want)
			if !strings.Contains(rec.Body.String(), line) {
				t.Errorf("/metrics lacks %s", line)
			}
		}
	})
}

// Without a platform or without webhook_secret the endpoint answers 404 and says which setting
// is missing; a platform whose webhook authentication cannot be verified stops serve from
// starting instead of taking unauthenticated webhooks.
func TestNotConfigured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		noSecret := rewardfulConfig()
		noSecret.Affiliates.WebhookSecret = ""
		body := rewardfulEvent("evt-a", "dana@customer.example")
		for _, c := range []struct {
			name string
			cfg  *config.Config
			want string
		}{
			{"no platform", &config.Config{}, "affiliates.platform"},
			{"no secret", noSecret, "affiliates.webhook_secret is not set"},
		} {
			var nudges atomic.Int32
			h, err := webhook.FromConfig(c.cfg, st, func() { nudges.Add(1) }, nil, quiet)
			if err != nil {
				t.Fatal(err)
			}
			status, out := deliver(t, serve(t, st, h), signed(body), body)
			if status != 404 || !strings.Contains(out["error"], c.want) || nudges.Load() != 0 {
				t.Errorf("%s: %d %v, nudges %d", c.name, status, out, nudges.Load())
			}
		}
		if _, err := st.WebhookEvent(context.Background(), "rewardful", "evt-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an event was recorded with webhooks off: %v", err)
		}
	})
	ps := &config.Config{Affiliates: config.Affiliates{Platform: "partnerstack", APIKey: "k", PublicKey: "p", WebhookSecret: secret}}
	_, err := webhook.FromConfig(ps, nil, nil, nil, quiet)
	if err == nil || !strings.Contains(err.Error(), "partnerstack") || !strings.Contains(err.Error(), "remove webhook_secret") || strings.Contains(err.Error(), secret) {
		t.Errorf("PartnerStack with a webhook secret: err = %v", err)
	}
}

// Event ids are forgotten after Retention, and only then: a retry inside the window is still
// a duplicate.
func TestRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		p, err := platforms.New(affiliates.SettingsOf(rewardfulConfig().Affiliates, quiet))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 1, 30, 15, 0, 0, 0, time.UTC)
		h := webhook.New(webhook.Options{Platform: "rewardful", Verifier: p.(platforms.WebhookVerifier), Secret: secret,
			Store: st, Log: quiet, Now: func() time.Time { return now }})
		url := serve(t, st, h)
		old := rewardfulEvent("evt-old", "a@customer.example")
		deliver(t, url, signed(old), old)
		now = now.Add(3 * 24 * time.Hour)
		if _, out := deliver(t, url, signed(old), old); out["status"] != "duplicate" {
			t.Errorf("a retry after 3 days = %v, want duplicate", out)
		}
		now = now.Add(webhook.Retention)
		recent := rewardfulEvent("evt-new", "b@customer.example")
		deliver(t, url, signed(recent), recent)
		ctx := context.Background()
		if _, err := st.WebhookEvent(ctx, "rewardful", "evt-old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an event older than Retention is kept: %v", err)
		}
		if _, err := st.WebhookEvent(ctx, "rewardful", "evt-new"); err != nil {
			t.Errorf("the new event: %v", err)
		}
	})
}

// Nudges during a run collapse into one more run after it; once idle, a nudge starts a run.
func TestCoalesce(t *testing.T) {
	var runs atomic.Int32
	started, release := make(chan int32), make(chan struct{})
	nudge := webhook.Coalesce(func() {
		started <- runs.Add(1)
		<-release
	})
	nudge()
	if n := <-started; n != 1 {
		t.Fatalf("first run is run %d", n)
	}
	nudge()
	nudge()
	nudge()
	release <- struct{}{}
	if n := <-started; n != 2 {
		t.Fatalf("the nudges during run 1 started run %d", n)
	}
	release <- struct{}{}
	nudge()
	if n := <-started; n != 3 {
		t.Errorf("three nudges during one run made %d runs, want 1", n-2)
	}
	release <- struct{}{}
}
