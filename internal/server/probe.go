package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// ProbeURL is the /healthz URL of a server listening on listen (server.listen): an empty or
// wildcard host is probed on loopback, since the probe runs beside the server (a container's
// HEALTHCHECK, which has no curl in a distroless image).
func ProbeURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("server.listen %q: want host:port: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + strings.TrimPrefix(RouteHealthz, "GET "), nil
}

// ProbeTimeout bounds one probe: a health check that hangs is a failed one.
const ProbeTimeout = 5 * time.Second

// Probe GETs url and returns nil when the server answers 200 within ProbeTimeout — what
// `advocate healthcheck` does for the Dockerfile's HEALTHCHECK (exit 0 healthy, 1 not).
func Probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health probe: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health probe %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}
