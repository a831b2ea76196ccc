package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A signed Rewardful webhook delivered to the running service makes the outcome sync read
// the platform's API right away, instead of at the next hourly turn.
func TestAffiliateWebhookRunsOutcomeSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		synced := make(chan string, 8)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case synced <- r.URL.Path:
			default:
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"pagination":{"next_page":null,"total_count":0},"data":[]}`)
		}))
		t.Cleanup(api.Close)
		path := writeConfig(t, fmt.Sprintf("server: {listen: \"127.0.0.1:0\"}\nshortlist: {schedule: \"\"}\n"+
			"affiliates: {platform: rewardful, base_url: %q, api_key: rw_key, webhook_secret: whsec_1, schedule: \"@every 1h\"}\n", api.URL))
		ctx := context.Background()
		svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Stop(ctx) })
		body := `{"object":{"id":"c1"},"event":{"id":"evt-1","type":"commission.created","created_at":"2026-01-30T14:05:11Z"},"request":{"id":"r1"}}`
		mac := hmac.New(sha256.New, []byte("whsec_1"))
		mac.Write([]byte(body))
		req, _ := http.NewRequest("POST", "http://"+svc.Addr()+"/webhooks/affiliates", strings.NewReader(body))
		req.Header.Set("X-Rewardful-Signature", hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
		select {
		case p := <-synced:
			if !strings.HasPrefix(p, "/v1/") {
				t.Errorf("the sync asked for %s", p)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the outcome sync did not call Rewardful after the webhook")
		}
	})
}
