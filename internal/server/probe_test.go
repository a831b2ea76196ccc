package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/server"
)

func TestProbeURL(t *testing.T) {
	tests := []struct{ listen, want, err string }{
		{":8080", "http://127.0.0.1:8080/healthz", ""},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/healthz", ""},
		{"[::]:8080", "http://127.0.0.1:8080/healthz", ""},
		{"10.0.0.5:8080", "http://10.0.0.5:8080/healthz", ""},
		{"[::1]:8080", "http://[::1]:8080/healthz", ""},
		{"8080", "", "want host:port"},
	}
	for _, tt := range tests {
		got, err := server.ProbeURL(tt.listen)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ProbeURL(%q) = %q, %v; want %q, error containing %q", tt.listen, got, err, tt.want, tt.err)
		}
	}
}

// TestProbe: healthy against the real handler; unhealthy (with the reason) when the server
// answers otherwise or does not answer.
func TestProbe(t *testing.T) {
	s := &server.Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	up := httptest.NewServer(s.Handler())
	defer up.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer failing.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	tests := []struct{ name, url, err string }{
		{"Healthy", up.URL + "/healthz", ""},
		{"Unhealthy", failing.URL + "/healthz", "HTTP 503"},
		{"Down", gone.URL + "/healthz", "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := server.Probe(context.Background(), tt.url)
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Probe = %v, want error containing %q", err, tt.err)
			}
		})
	}
}
