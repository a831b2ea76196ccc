package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted answers request n (1-based) with steps[n-1]; past the end, the last step repeats.
type step struct {
	status int
	header map[string]string
	body   string
}

func serve(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			i = len(steps) - 1
		}
		for k, v := range steps[i].header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(steps[i].status)
		w.Write([]byte(steps[i].body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// testClient records the waits instead of taking them.
func testClient(srv *httptest.Server, waits *[]time.Duration) *Client {
	return &Client{Connector: "crm", BaseURL: srv.URL, HTTP: srv.Client(),
		Jitter: func() float64 { return 0.5 }, // no jitter: 0.8 + 0.4*0.5 = 1
		Now:    func() time.Time { return time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return ctx.Err()
		}}
}

func TestClientRetries(t *testing.T) {
	ok := step{200, nil, `{"id":"42"}`}
	tests := []struct {
		name      string
		steps     []step
		wantWaits []time.Duration
		wantErr   string
		requests  int32
	}{
		{"429 honours Retry-After seconds", []step{{429, map[string]string{"Retry-After": "7"}, ""}, ok}, []time.Duration{7 * time.Second}, "", 2},
		{"429 with X-RateLimit-Reset (epoch seconds, no Retry-After) waits until the reset",
			[]step{{429, map[string]string{"X-RateLimit-Reset": "1794787209", "X-RateLimit-Remaining": "0"}, ""}, ok}, []time.Duration{9 * time.Second}, "", 2},
		{"429 with an HTTP date", []step{{429, map[string]string{"Retry-After": "Mon, 16 Nov 2026 00:00:30 GMT"}, ""}, ok}, []time.Duration{30 * time.Second}, "", 2},
		{"429 without Retry-After backs off exponentially", []step{{429, nil, ""}, {429, nil, ""}, {503, nil, ""}, ok},
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, "", 4},
		{"500 is retried", []step{{500, nil, `{"message":"oops"}`}, ok}, []time.Duration{time.Second}, "", 2},
		{"401 is not retried and says what to do", []step{{401, nil, `{"message":"Authentication credentials not found"}`}}, nil,
			"check the token for connector crm", 1},
		{"404 names base_url", []step{{404, nil, ""}}, nil, "check base_url", 1},
		{"gives up after MaxAttempts", []step{{500, nil, ""}}, []time.Duration{time.Second, 2 * time.Second}, "gave up after 3 attempts", 3},
		{"gives up when Retry-After exceeds the total wait", []step{{429, map[string]string{"Retry-After": "3600"}, ""}}, nil, "would exceed", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := serve(t, tc.steps...)
			var waits []time.Duration
			c := testClient(srv, &waits)
			c.Retry = RetryPolicy{MaxAttempts: 3, MaxTotalWait: 10 * time.Minute}
			if tc.name == "429 without Retry-After backs off exponentially" {
				c.Retry.MaxAttempts = 5
			}
			var out struct{ ID string }
			err := c.JSON(context.Background(), Request{Path: "/crm/v3/objects/companies"}, &out)
			if tc.wantErr == "" && (err != nil || out.ID != "42") {
				t.Fatalf("err = %v, out = %+v", err, out)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			if got := n.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
			if len(waits) != len(tc.wantWaits) {
				t.Fatalf("waits = %v, want %v", waits, tc.wantWaits)
			}
			for i := range waits {
				if waits[i] != tc.wantWaits[i] {
					t.Errorf("wait %d = %v, want %v", i, waits[i], tc.wantWaits[i])
				}
			}
		})
	}
}

func TestClientMalformedPageIsNotRetried(t *testing.T) {
	srv, n := serve(t, step{200, nil, `{"results":[{"id":`})
	var waits []time.Duration
	var out map[string]any
	err := testClient(srv, &waits).JSON(context.Background(), Request{Path: "/x"}, &out)
	var me *MalformedError
	if !errors.As(err, &me) || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests, want one MalformedError", err, n.Load())
	}
	if !strings.Contains(err.Error(), "connector crm: GET /x: malformed response") {
		t.Errorf("error = %q", err)
	}
}

func TestClientResponseSizeLimit(t *testing.T) {
	srv, _ := serve(t, step{200, nil, `{"pad":"` + strings.Repeat("x", 2000) + `"}`})
	var waits []time.Duration
	c := testClient(srv, &waits)
	c.MaxResponseBytes = 1000
	if err := c.JSON(context.Background(), Request{Path: "/x"}, nil); err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("err = %v", err)
	}
}

func TestClientStopsWhenCancelledWhileWaiting(t *testing.T) {
	srv, n := serve(t, step{503, map[string]string{"Retry-After": "60"}, ""})
	ctx, cancel := context.WithCancel(context.Background())
	var waits []time.Duration
	c := testClient(srv, &waits)
	c.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	err := c.JSON(ctx, Request{Path: "/x"}, nil)
	if !errors.Is(err, context.Canceled) || n.Load() != 1 {
		t.Errorf("err = %v after %d requests, want context.Canceled after 1", err, n.Load())
	}
}

func TestClientSendsAuthAndJSONBody(t *testing.T) {
	var gotAuth, gotType, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		b := make([]byte, 100)
		k, _ := r.Body.Read(b)
		gotBody = string(b[:k])
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := &Client{Connector: "crm", BaseURL: srv.URL + "/", Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0k") }}
	if err := c.JSON(context.Background(), Request{Method: "POST", Path: "search", Body: map[string]int{"limit": 100}}, nil); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer t0k" || gotType != "application/json" || gotBody != `{"limit":100}` {
		t.Errorf("auth %q type %q body %q", gotAuth, gotType, gotBody)
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 10 * time.Second}
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		jitter     float64
		want       time.Duration
	}{
		{1, 0, 0.5, time.Second},
		{3, 0, 0.5, 4 * time.Second},
		{10, 0, 0.5, 10 * time.Second},             // capped
		{1, 0, 0, 800 * time.Millisecond},          // -20%
		{1, 0, 1, 1200 * time.Millisecond},         // +20%
		{2, 90 * time.Second, 0, 90 * time.Second}, // the server's word wins over the cap
	} {
		if got := Backoff(p, tc.attempt, tc.retryAfter, tc.jitter); got != tc.want {
			t.Errorf("Backoff(attempt %d, retry-after %v, jitter %v) = %v, want %v", tc.attempt, tc.retryAfter, tc.jitter, got, tc.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Mon, 16 Nov 2026 00:01:00 GMT", time.Minute, true},
		{"1794787210", 10 * time.Second, true}, // a Unix reset time (X-RateLimit-Reset)
		{"", 0, false},
		{"soon", 0, false},
	} {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Acme.io/about": "acme.io", "acme.io.": "acme.io", "jo@Acme.io": "acme.io",
		"acme.io:8443": "acme.io", "localhost": "", "": "", " EU.acme.io ": "eu.acme.io",
		"org_1.5": "", "12.34": "", "acme.i": "", "münchen.de": "münchen.de", "xn--80ak6aa92e.xn--p1ai": "xn--80ak6aa92e.xn--p1ai",
	} {
		if got := NormalizeDomain(in); got != want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
