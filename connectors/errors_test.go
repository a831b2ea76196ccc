package connectors_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
)

// A 429 the client gave up on tells the caller the vendor's Retry-After; other errors do not.
func TestRetryAfterOfA429(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := &connectors.Client{Connector: "crm", BaseURL: srv.URL, Retry: connectors.RetryPolicy{MaxAttempts: 1}}
	err := c.JSON(context.Background(), connectors.Request{Path: "/companies"}, nil)
	if d, ok := connectors.RetryAfter(err); !ok || d != 120*time.Second {
		t.Errorf("RetryAfter(%v) = %s, %v; want 2m0s", err, d, ok)
	}
	if _, ok := connectors.RetryAfter(errors.New("HTTP 500")); ok {
		t.Error("RetryAfter of a plain error")
	}
}
