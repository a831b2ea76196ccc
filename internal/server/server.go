// Package server is Advocate's HTTP surface in `advocate serve`: health and readiness probes,
// the authenticated API (POST /api/v1/signals for push sources) and the affiliate platform's
// signed webhooks (POST /webhooks/affiliates). Errors are JSON
// {"error": "...", "problems": [...]} with the status mapped in one place (writeError).
package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/connectors/webhook"
	"github.com/advocate-hq/advocate/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// PushTokens maps each webhook connector's bearer token to the connector's name.
	PushTokens map[string]string
	// APIToken may push for any webhook connector named by ?source=.
	APIToken string
	// PushSources are the webhook connectors' names (for ?source= with the API token).
	PushSources []string
	// AffiliateWebhooks serves POST /webhooks/affiliates (internal/affiliates/webhook; it
	// authenticates deliveries itself, by the platform's signature). nil: not mounted.
	AffiliateWebhooks http.Handler
}

// Handler routes requests.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(RouteHealthz, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc(RouteReadyz, s.ready)
	mux.HandleFunc(RouteSignals, s.pushSignals)
	if s.AffiliateWebhooks != nil {
		mux.Handle(RouteAffiliateWebhooks, s.AffiliateWebhooks)
	}
	mux.HandleFunc(RouteOpenAPI, serveOpenAPI)
	return mux
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.DB().PingContext(ctx); err != nil {
		s.Log.Warn("not ready: database", "err", err)
		writeError(w, http.StatusServiceUnavailable, "database unreachable", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// source authenticates a push request and returns the webhook connector it writes as.
func (s *Server) source(r *http.Request) (string, int, string) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return "", http.StatusUnauthorized, "missing bearer token (Authorization: Bearer <token>)"
	}
	for t, name := range s.PushTokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return name, 0, ""
		}
	}
	if s.APIToken != "" && subtle.ConstantTimeCompare([]byte(s.APIToken), []byte(token)) == 1 {
		src := r.URL.Query().Get("source")
		for _, n := range s.PushSources {
			if n == src {
				return src, 0, ""
			}
		}
		return "", http.StatusBadRequest, fmt.Sprintf("?source= must name a webhook connector (have: %s)", strings.Join(s.PushSources, ", "))
	}
	return "", http.StatusUnauthorized, "invalid token"
}

func (s *Server) pushSignals(w http.ResponseWriter, r *http.Request) {
	source, status, msg := s.source(r)
	if status != 0 {
		s.Log.Warn("push rejected", "status", status, "reason", msg, "remote", r.RemoteAddr)
		writeError(w, status, msg, nil)
		return
	}
	page, err := webhook.Decode(http.MaxBytesReader(w, r.Body, webhook.MaxBodyBytes), s.now())
	var inv *webhook.Invalid
	switch {
	case errors.Is(err, webhook.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err.Error()+"; nothing was stored", nil)
		return
	case errors.As(err, &inv):
		writeError(w, http.StatusUnprocessableEntity, "invalid payload: nothing was stored", inv.Problems)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "unreadable request body: nothing was stored", nil)
		return
	}
	ctx := r.Context()
	runID, _, err := s.Store.BeginSyncRun(ctx, source)
	if err != nil {
		s.internal(w, err)
		return
	}
	res, commitErr := s.Store.CommitPage(ctx, source, runID, page)
	if err := s.Store.FinishSyncRun(context.WithoutCancel(ctx), runID, source, len(res.Problems), commitErr); err != nil {
		s.Log.Error("record push run", "source", source, "err", err)
	}
	if commitErr != nil {
		s.internal(w, commitErr)
		return
	}
	s.Log.Info("push stored", "source", source, "records", res.Records, "new_signals", res.Signals, "unmatched", res.Unmatched)
	writeJSON(w, http.StatusOK, pushResponse{Source: source, Records: res.Records, NewSignals: res.Signals,
		CustomersCreated: res.CustomersCreated, Unmatched: res.Unmatched, Problems: res.Problems})
}

type pushResponse struct {
	Source           string               `json:"source"`
	Records          int                  `json:"records"`
	NewSignals       int                  `json:"new_signals"`
	CustomersCreated int                  `json:"customers_created"`
	Unmatched        int                  `json:"unmatched"`
	Problems         []connectors.Problem `json:"problems,omitempty"`
}

// internal logs the detail and answers without it.
func (s *Server) internal(w http.ResponseWriter, err error) {
	s.Log.Error("request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the server log", nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string, problems []string) {
	body := map[string]any{"error": msg}
	if len(problems) > 0 {
		body["problems"] = problems
	}
	writeJSON(w, status, body)
}
