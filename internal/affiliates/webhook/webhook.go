// Package webhook receives the affiliate platform's webhooks at POST /webhooks/affiliates
// (issue 12). A delivery is authenticated on its raw body by the platform's own verifier
// (connectors/affiliates: Rewardful and Dub sign the body with HMAC-SHA256, FirstPromoter sends
// a shared-secret header; PartnerStack documents no scheme and is refused), deduplicated by
// (platform, event id) in the store, and answered at once.
//
// The body is never applied: the periodic outcome sync is the source of truth, so a new event
// only nudges that sync to run soon (without waiting for it) and is recorded. A replay of an
// event already seen is answered 200 and does nothing, so the platform stops retrying.
package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	platforms "github.com/advocate-hq/advocate/connectors/affiliates"
	"github.com/advocate-hq/advocate/internal/affiliates"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
)

// Path is where the platform delivers webhooks.
const Path = "/webhooks/affiliates"

// MaxBodyBytes bounds a delivery's body; the platforms' events are a few kilobytes.
const MaxBodyBytes = 1 << 20

// Retention is how long an event id is remembered. It outlasts every platform's retries
// (Rewardful retries for 3 days, FirstPromoter at most 10 times n×20 minutes apart), so a
// retried delivery is always recognised.
const Retention = 30 * 24 * time.Hour

// pruneEvery is how often, at most, a request also deletes event ids older than Retention:
// one indexed DELETE an hour, so requests stay fast and the table stays small.
const pruneEvery = time.Hour

// Options configure a Handler.
type Options struct {
	// Disabled, when not empty, says why webhooks are not accepted; every request is
	// answered 404 with it.
	Disabled string
	Platform string // the platform's registry name
	Verifier platforms.WebhookVerifier
	Secret   string // affiliates.webhook_secret; never logged
	Store    *store.Store
	// Nudge asks for the outcome sync to run soon. It is called during the request, once per
	// new event, and must not block (see Coalesce).
	Nudge   func()
	Metrics *metrics.Metrics // nil: not counted
	Log     *slog.Logger     // nil: slog.Default()
	Now     func() time.Time // nil: time.Now
}

// Handler serves POST /webhooks/affiliates.
type Handler struct {
	o         Options
	mu        sync.Mutex
	lastPrune time.Time
}

// New makes a Handler.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Nudge == nil {
		o.Nudge = func() {}
	}
	return &Handler{o: o}
}

// FromConfig builds the handler for cfg's affiliates section. Without a platform or without
// affiliates.webhook_secret it answers 404 saying so. A webhook_secret for a platform whose
// webhook authentication Advocate cannot verify (PartnerStack) is an error, so `serve` refuses
// to start rather than accept webhooks anyone could forge.
func FromConfig(cfg *config.Config, st *store.Store, nudge func(), m *metrics.Metrics, log *slog.Logger) (*Handler, error) {
	o := Options{Store: st, Nudge: nudge, Metrics: m, Log: log}
	switch {
	case cfg == nil || !cfg.Affiliates.Configured():
		o.Disabled = "affiliate webhooks are off: no affiliate platform is configured (affiliates.platform)"
	case cfg.Affiliates.WebhookSecret == "":
		o.Platform = cfg.Affiliates.Platform
		o.Disabled = "affiliate webhooks are off: affiliates.webhook_secret is not set"
	default:
		p, err := platforms.New(affiliates.SettingsOf(cfg.Affiliates, log))
		if err != nil {
			return nil, err
		}
		v, ok := p.(platforms.WebhookVerifier)
		if !ok {
			return nil, fmt.Errorf("affiliates.webhook_secret: %s does not document how it authenticates its webhooks, so Advocate cannot verify them; "+
				"remove webhook_secret (the outcome sync on affiliates.schedule still picks up every change)", p.Name())
		}
		o.Platform, o.Verifier, o.Secret = p.Name(), v, cfg.Affiliates.WebhookSecret
	}
	return New(o), nil
}

// ServeHTTP reads, authenticates, deduplicates and acknowledges one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.o.Disabled != "" {
		h.answer(w, http.StatusNotFound, metrics.WebhookNotConfigured, map[string]string{"error": h.o.Disabled})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		h.answer(w, http.StatusRequestEntityTooLarge, metrics.WebhookTooLarge,
			map[string]string{"error": fmt.Sprintf("body over %d bytes; nothing was recorded", MaxBodyBytes)})
		return
	} else if err != nil {
		h.answer(w, http.StatusBadRequest, metrics.WebhookInvalid, map[string]string{"error": "unreadable request body; nothing was recorded"})
		return
	}
	ev, err := h.o.Verifier.VerifyWebhook(r.Header, body, h.o.Secret)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	h.accept(w, r, ev)
}

// refuse answers a delivery that failed authentication (401) or is not the platform's JSON
// (400). Verifier errors never contain the secret.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status, outcome := http.StatusBadRequest, metrics.WebhookInvalid
	if errors.Is(err, platforms.ErrWebhookAuth) {
		status, outcome = http.StatusUnauthorized, metrics.WebhookRejected
	}
	h.o.Log.Warn("affiliate webhook refused", "platform", h.o.Platform, "status", status, "reason", err, "remote", r.RemoteAddr)
	h.answer(w, status, outcome, map[string]string{"error": err.Error() + "; nothing was recorded"})
}

// accept records the event and, if it is new, nudges the outcome sync.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request, ev platforms.WebhookEvent) {
	ctx, now := r.Context(), h.o.Now().UTC()
	rec := store.WebhookEvent{Platform: h.o.Platform, ID: ev.ID, Type: ev.Type, ReceivedAt: now}
	if !ev.At.IsZero() {
		rec.OccurredAt = &ev.At
	}
	isNew, err := h.o.Store.RecordWebhookEvent(ctx, rec)
	if err != nil {
		// 500 makes the platform retry; the event was not recorded, so the retry counts.
		h.o.Log.Error("affiliate webhook: record event", "platform", h.o.Platform, "event", ev.ID, "err", err)
		h.answer(w, http.StatusInternalServerError, metrics.WebhookError, map[string]string{"error": "internal error; see the server log"})
		return
	}
	if !isNew {
		h.o.Log.Info("affiliate webhook: event seen before, ignored", "platform", h.o.Platform, "event", ev.ID, "type", ev.Type)
		h.answer(w, http.StatusOK, metrics.WebhookDuplicate, map[string]string{"status": "duplicate", "event_id": ev.ID})
		return
	}
	h.o.Nudge()
	h.o.Log.Info("affiliate webhook: event accepted, outcome sync nudged", "platform", h.o.Platform, "event", ev.ID, "type", ev.Type)
	h.prune(r, now)
	h.answer(w, http.StatusOK, metrics.WebhookAccepted, map[string]string{"status": "accepted", "event_id": ev.ID})
}

// prune forgets event ids older than Retention, at most once per pruneEvery. A failure is
// logged only: the event itself was recorded.
func (h *Handler) prune(r *http.Request, now time.Time) {
	h.mu.Lock()
	due := now.Sub(h.lastPrune) >= pruneEvery
	if due {
		h.lastPrune = now
	}
	h.mu.Unlock()
	if !due {
		return
	}
	if n, err := h.o.Store.PruneWebhookEvents(r.Context(), now.Add(-Retention)); err != nil {
		h.o.Log.Warn("affiliate webhook: prune old event ids", "err", err)
	} else if n > 0 {
		h.o.Log.Debug("affiliate webhook: pruned old event ids", "deleted", n)
	}
}

func (h *Handler) answer(w http.ResponseWriter, status int, outcome string, body map[string]string) {
	h.o.Metrics.AffiliateWebhook(h.o.Platform, outcome)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// Coalesce turns run (a blocking call, e.g. the outcome sync's RunNow) into a nudge that
// never blocks: the first nudge starts run in the background; nudges while it runs collapse
// into one more run after it, so a burst of events costs at most two syncs, and an event that
// arrives during a sync is still picked up by a sync that starts after it.
func Coalesce(run func()) func() {
	var mu sync.Mutex
	running, pending := false, false
	loop := func() {
		for {
			run()
			mu.Lock()
			if !pending {
				running = false
				mu.Unlock()
				return
			}
			pending = false
			mu.Unlock()
		}
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if running {
			pending = true
			return
		}
		running = true
		go loop()
	}
}
