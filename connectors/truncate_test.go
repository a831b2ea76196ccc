package connectors

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cutOff is how a fake server breaks a response mid-body.
type cutOff int

const (
	cutShortOfLength  cutOff = iota // declares Content-Length, sends fewer bytes, closes
	cutCloseDelimited               // no Content-Length (HTTP/1.0 style): the close ends the body
	cutChunked                      // chunked, closed before the last chunk
	cutReset                        // sends part of the body, then resets the connection (RST)
)

// truncateOnce answers the first request with body cut in half the way cut says, and every
// later request with the whole body.
func truncateOnce(t *testing.T, body string, cut cutOff) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		writeCut(buf, conn, body, cut)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func writeCut(buf *bufio.ReadWriter, conn net.Conn, body string, cut cutOff) {
	half := body[:len(body)/2]
	switch cut {
	case cutShortOfLength, cutReset:
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), half)
	case cutCloseDelimited:
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n%s", half)
	case cutChunked:
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(half), half)
	}
	buf.Flush()
	if tcp, ok := conn.(*net.TCPConn); ok && cut == cutReset {
		tcp.SetLinger(0) // close with RST instead of FIN
	}
}

func TestClientRetriesTruncatedResponse(t *testing.T) {
	body := `{"results":[{"id":"1","name":"Acme"},{"id":"2","name":"Globex"}],"paging":{"next":{"after":"2"}}}`
	for _, tc := range []struct {
		name string
		cut  cutOff
	}{
		{"body shorter than Content-Length", cutShortOfLength},
		{"close-delimited body cut mid-JSON", cutCloseDelimited},
		{"chunked body without its last chunk", cutChunked},
		{"connection reset while reading the body", cutReset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := truncateOnce(t, body, tc.cut)
			var waits []time.Duration
			c := testClient(srv, &waits)
			c.Retry = RetryPolicy{MaxAttempts: 3}
			var out struct {
				Results []struct{ ID, Name string }
			}
			if err := c.JSON(context.Background(), Request{Path: "/crm/v3/objects/companies"}, &out); err != nil {
				t.Fatalf("JSON: %v", err)
			}
			if len(out.Results) != 2 || out.Results[1].Name != "Globex" {
				t.Errorf("decoded %+v, want the whole page", out.Results)
			}
			if n.Load() != 2 || len(waits) != 1 || waits[0] != time.Second {
				t.Errorf("requests = %d, waits = %v; want one retry after the backoff's first step", n.Load(), waits)
			}
		})
	}
}

// A body cut off on every attempt fails once the budget is spent, and says it was cut off.
func TestClientTruncatedEveryTimeGivesUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		conn, buf, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		writeCut(buf, conn, `{"results":[{"id":"1"}]}`, cutShortOfLength)
	}))
	t.Cleanup(srv.Close)
	var waits []time.Duration
	c := testClient(srv, &waits)
	c.Retry = RetryPolicy{MaxAttempts: 3}
	err := c.JSON(context.Background(), Request{Path: "/v1/customers"}, nil)
	if err == nil || !strings.Contains(err.Error(), "cut off") || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("err = %v, want a cut-off response given up after 3 attempts", err)
	}
	var me *MalformedError
	if errors.As(err, &me) {
		t.Errorf("a cut-off response is not a malformed one: %v", err)
	}
	if n.Load() != 3 {
		t.Errorf("requests = %d, want 3", n.Load())
	}
}

// A complete body that is not valid JSON fails at once: asking again returns the same page.
func TestClientCompleteInvalidJSONIsNotRetried(t *testing.T) {
	for _, body := range []string{`{"results":[}`, `{"results":[{"id":"1"}]`, `<html>oops</html>`} {
		srv, n := serve(t, step{200, map[string]string{"Content-Type": "application/json"}, body})
		var waits []time.Duration
		c := testClient(srv, &waits)
		var out map[string]any
		err := c.JSON(context.Background(), Request{Path: "/v1/customers"}, &out)
		var me *MalformedError
		if !errors.As(err, &me) || n.Load() != 1 || len(waits) != 0 {
			t.Errorf("body %s: err = %v after %d requests, want one MalformedError", body, err, n.Load())
		}
	}
}

func TestNextWait(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 10 * time.Second, MaxTotalWait: 20 * time.Second}
	for _, tc := range []struct {
		name       string
		attempt    int
		waited     time.Duration
		retryAfter time.Duration
		jitter     float64
		wait       time.Duration
		giveUp     string
	}{
		{"first retry: base delay", 1, 0, 0, 0.5, time.Second, ""},
		{"doubles", 3, 3 * time.Second, 0, 0.5, 4 * time.Second, ""},
		{"jitter low end", 1, 0, 0, 0, 800 * time.Millisecond, ""},
		{"jitter high end", 1, 0, 0, 1, 1200 * time.Millisecond, ""},
		{"Retry-After wins", 1, 0, 7 * time.Second, 0.5, 7 * time.Second, ""},
		{"capped by MaxDelay", 3, 0, 0, 0.5, 4 * time.Second, ""},
		{"last attempt", 4, 0, 0, 0.5, 0, "gave up after 4 attempts"},
		{"over the total wait", 2, 19 * time.Second, 0, 0.5, 0, "gave up: waiting 2s more would exceed 20s"},
		{"Retry-After over the total wait", 1, 0, time.Minute, 0.5, 0, "gave up: waiting 1m0s more would exceed 20s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wait, giveUp := nextWait(p, tc.attempt, tc.waited, tc.retryAfter, tc.jitter)
			if wait != tc.wait || giveUp != tc.giveUp {
				t.Errorf("nextWait = %v, %q; want %v, %q", wait, giveUp, tc.wait, tc.giveUp)
			}
		})
	}
}
