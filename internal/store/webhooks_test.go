package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// An event is stored once per platform: a replay (even racing the first delivery) is reported
// as seen and leaves the stored row as it was; the same id on another platform is another
// event; pruning removes only events received before the cutoff.
func TestWebhookEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 30, 14, 5, 12, 0, time.UTC)
		occurred := t0.Add(-time.Second)
		first := store.WebhookEvent{Platform: "dub", ID: "evt_1", Type: "commission.created", OccurredAt: &occurred, ReceivedAt: t0}
		var wg sync.WaitGroup
		news := make(chan bool, 4)
		for range 4 {
			wg.Go(func() {
				isNew, err := s.RecordWebhookEvent(ctx, first)
				if err != nil {
					t.Error(err)
				}
				news <- isNew
			})
		}
		wg.Wait()
		close(news)
		count := 0
		for n := range news {
			if n {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d of 4 concurrent deliveries were new, want 1", count)
		}
		replay := first
		replay.Type, replay.ReceivedAt = "tampered", t0.Add(time.Hour)
		if isNew, err := s.RecordWebhookEvent(ctx, replay); isNew || err != nil {
			t.Errorf("replay: new = %v, err = %v", isNew, err)
		}
		got, err := s.WebhookEvent(ctx, "dub", "evt_1")
		if err != nil || got.Type != "commission.created" || !got.ReceivedAt.Equal(t0) || got.OccurredAt == nil || !got.OccurredAt.Equal(occurred) {
			t.Errorf("stored = %+v, %v", got, err)
		}
		if isNew, err := s.RecordWebhookEvent(ctx, store.WebhookEvent{Platform: "rewardful", ID: "evt_1", ReceivedAt: t0.Add(48 * time.Hour)}); !isNew || err != nil {
			t.Errorf("same id on another platform: new = %v, err = %v", isNew, err)
		}
		if got, _ := s.WebhookEvent(ctx, "rewardful", "evt_1"); got.OccurredAt != nil || got.Type != "" {
			t.Errorf("an event without a time or type = %+v", got)
		}
		n, err := s.PruneWebhookEvents(ctx, t0.Add(24*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("prune = %d, %v; want 1", n, err)
		}
		if _, err := s.WebhookEvent(ctx, "dub", "evt_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pruned event: err = %v", err)
		}
		if _, err := s.WebhookEvent(ctx, "rewardful", "evt_1"); err != nil {
			t.Errorf("a recent event was pruned: %v", err)
		}
	})
}
