package connectors

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Client is the HTTP client every vendor connector uses: timeouts, retries with backoff that
// honours Retry-After, a token-bucket rate limit at the vendor's documented rate, response size
// limits, and errors that say which connector, endpoint and status — and what to do about it.
type Client struct {
	Connector string // the connector's name, for errors and logs
	BaseURL   string // e.g. https://api.hubapi.com; request paths are joined to it
	// Auth sets credentials on each request (a header); never logged.
	Auth func(*http.Request)
	// Header is added to every request (e.g. Intercom-Version).
	Header http.Header
	// HTTP does the requests; default: a client with a 30 s timeout.
	HTTP *http.Client
	// Limiter paces requests; nil means no pacing.
	Limiter *rate.Limiter
	Retry   RetryPolicy
	// MaxResponseBytes caps a response body; default 32 MiB.
	MaxResponseBytes int64
	Log              *slog.Logger
	// Sleep waits between retries; tests replace it to record waits instead of taking them.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read HTTP-date Retry-After headers.
	Now func() time.Time
	// Jitter returns a number in [0,1); default math/rand.
	Jitter func() float64
	// Transient, when set, reports whether an answer whose status alone is not retryable is a
	// passing failure to back off and retry (Salesforce sends REQUEST_LIMIT_EXCEEDED as a 403 for
	// a concurrency limit too). It sees the status, headers and body; nil retries by status only.
	Transient func(resp *http.Response, body []byte) bool
	// Budget counts the requests sent and keeps the limit the vendor last reported (read by
	// ReadLimit); nil counts nothing.
	Budget *Budget
	// ReadLimit reads the vendor's remaining-limit headers; nil reads none.
	ReadLimit LimitReader
}

// PerSecond builds a limiter for a documented rate such as "100 requests per 10 seconds".
func PerSecond(requests float64, per time.Duration, burst int) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(requests/per.Seconds()), max(burst, 1))
}

// Request describes one API call.
type Request struct {
	Method string     // default GET
	Path   string     // joined to BaseURL; an absolute URL (a vendor's "next" link) is used as is
	Query  url.Values // added to the URL
	Body   any        // JSON-encoded when non-nil
	// Form, when set, is sent as application/x-www-form-urlencoded instead of Body.
	Form url.Values
}

// StatusError is a non-2xx answer the client gave up on.
type StatusError struct {
	Connector string
	Method    string
	Endpoint  string // path without query, so no token in a URL can leak
	Status    int
	Message   string // the vendor's error text, trimmed
	// RetryAfter is the vendor's wait hint (Retry-After and kin) on a retryable status; see RetryAfter.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("connector %s: %s %s: HTTP %d", e.Connector, e.Method, e.Endpoint, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		msg += fmt.Sprintf(" — check the token for connector %s (it is missing, wrong or expired)", e.Connector)
	case e.Status == http.StatusForbidden:
		msg += fmt.Sprintf(" — the token for connector %s lacks a permission (scope) this endpoint needs", e.Connector)
	case e.Status == http.StatusNotFound:
		msg += fmt.Sprintf(" — check base_url and ids for connector %s", e.Connector)
	case e.Status == http.StatusTooManyRequests:
		msg += " — still rate limited after retries; the next scheduled run resumes from the last committed page"
	}
	return msg
}

// MalformedError is a complete 2xx response whose body could not be read as the expected JSON.
// It fails the run (nothing from that page is committed) and is not retried: asking again
// returns the same page. A body cut off in transit is not malformed: it is retried like a 5xx.
type MalformedError struct {
	Connector, Method, Endpoint string
	Err                         error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("connector %s: %s %s: malformed response: %v", e.Connector, e.Method, e.Endpoint, e.Err)
}
func (e *MalformedError) Unwrap() error { return e.Err }

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

// SleepContext waits for d or until ctx ends, whichever comes first.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// URL resolves a request path against the base URL.
func (c *Client) URL(path string, q url.Values) (*url.URL, error) {
	var u *url.URL
	var err error
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err = url.Parse(path)
	} else {
		u, err = url.Parse(strings.TrimRight(c.BaseURL, "/") + "/" + strings.TrimLeft(path, "/"))
	}
	if err != nil {
		return nil, fmt.Errorf("connector %s: bad URL %q: %w", c.Connector, path, err)
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			for _, v := range vs {
				merged.Add(k, v)
			}
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
}

// JSON performs the request and decodes a 2xx JSON answer into out (which may be nil).
func (c *Client) JSON(ctx context.Context, r Request, out any) error {
	body, resp, err := c.Do(ctx, r)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &MalformedError{Connector: c.Connector, Method: resp.Request.Method, Endpoint: resp.Request.URL.Path, Err: err}
	}
	return nil
}

// Do performs the request with pacing and retries and returns the body of a 2xx answer.
func (c *Client) Do(ctx context.Context, r Request) ([]byte, *http.Response, error) {
	method := cmp.Or(r.Method, http.MethodGet)
	u, err := c.URL(r.Path, r.Query)
	if err != nil {
		return nil, nil, err
	}
	payload, contentType, err := encodeBody(r)
	if err != nil {
		return nil, nil, fmt.Errorf("connector %s: encode request to %s: %w", c.Connector, u.Path, err)
	}
	policy := c.Retry.WithDefaults()
	sleep, jitter := c.Sleep, c.Jitter
	if sleep == nil {
		sleep = SleepContext
	}
	if jitter == nil {
		jitter = rand.Float64
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		o := c.attempt(ctx, method, u, payload, contentType)
		if o.final {
			return o.body, o.resp, o.err
		}
		wait, giveUp := nextWait(policy, attempt, waited, o.retryAfter, jitter())
		if giveUp != "" {
			return nil, o.resp, fmt.Errorf("%w (%s)", o.err, giveUp)
		}
		waited += wait
		c.log().Warn("request failed, retrying", "connector", c.Connector, "endpoint", u.Path, "attempt", attempt, "wait", wait, "err", o.err)
		if err := sleep(ctx, wait); err != nil {
			return nil, o.resp, fmt.Errorf("connector %s: %s %s: %w", c.Connector, method, u.Path, err)
		}
	}
}

// encodeBody turns a request's form or JSON body into bytes and the matching Content-Type;
// a request with neither has an empty payload and no Content-Type.
func encodeBody(r Request) (payload []byte, contentType string, err error) {
	switch {
	case r.Form != nil:
		return []byte(r.Form.Encode()), "application/x-www-form-urlencoded", nil
	case r.Body != nil:
		payload, err = json.Marshal(r.Body)
		return payload, "application/json", err
	}
	return nil, "", nil
}

// outcome is how one attempt ended: final (a 2xx body or an error retrying cannot fix), or a
// failure in err that is worth retrying, after retryAfter when the vendor said how long.
type outcome struct {
	body       []byte
	resp       *http.Response
	err        error
	final      bool
	retryAfter time.Duration
}

// attempt sends the request once, after the rate limiter lets it, and classifies the answer.
func (c *Client) attempt(ctx context.Context, method string, u *url.URL, payload []byte, contentType string) outcome {
	if c.Limiter != nil {
		if err := c.Limiter.Wait(ctx); err != nil {
			return outcome{err: fmt.Errorf("connector %s: %s %s: %w", c.Connector, method, u.Path, err), final: true}
		}
	}
	req, err := c.newRequest(ctx, method, u, payload, contentType)
	if err != nil {
		return outcome{err: fmt.Errorf("connector %s: %w", c.Connector, err), final: true}
	}
	c.Budget.Call() // sent is spent, whatever the answer
	resp, err := c.httpClient().Do(req)
	if err == nil && c.ReadLimit != nil {
		if l, ok := c.ReadLimit(resp.Header); ok {
			c.Budget.Saw(l)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return outcome{err: fmt.Errorf("connector %s: %s %s: %w", c.Connector, method, u.Path, ctx.Err()), final: true}
		}
		return outcome{err: fmt.Errorf("connector %s: %s %s: %w", c.Connector, method, u.Path, err)} // network: retry
	}
	return c.readResponse(resp, method, u.Path)
}

// newRequest builds one attempt's request; it is rebuilt per attempt because a body reader
// can be read only once.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, payload []byte, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "advocate/1 (+connector "+c.Connector+")")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	if c.Auth != nil {
		c.Auth(req)
	}
	return req, nil
}

// readResponse reads a response body within the size limit and classifies the status: 2xx is
// the answer, a retryable status is a failure to retry (with the vendor's wait hint), any other
// status is final.
func (c *Client) readResponse(resp *http.Response, method, endpoint string) outcome {
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	switch {
	case err != nil:
		// Cut off mid-body (fewer bytes than Content-Length, a chunked body without its last
		// chunk, a connection reset): the next attempt most likely gets the whole page.
		return outcome{resp: resp, err: fmt.Errorf("connector %s: %s %s: response cut off after %s: %w",
			c.Connector, method, endpoint, received(len(body), resp.ContentLength), err)}
	case int64(len(body)) > limit:
		return outcome{resp: resp, err: fmt.Errorf("connector %s: %s %s: response larger than %d bytes", c.Connector, method, endpoint, limit), final: true}
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && cutJSON(resp, body):
		return outcome{resp: resp, err: fmt.Errorf("connector %s: %s %s: response cut off after %d bytes: the JSON ends mid-document and the connection closed",
			c.Connector, method, endpoint, len(body))}
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return outcome{body: body, resp: resp, final: true}
	}
	se := &StatusError{Connector: c.Connector, Method: method, Endpoint: endpoint, Status: resp.StatusCode, Message: vendorMessage(body)}
	if !Retryable(resp.StatusCode) && (c.Transient == nil || !c.Transient(resp, body)) {
		return outcome{resp: resp, err: se, final: true}
	}
	se.RetryAfter = c.retryAfter(resp.Header)
	return outcome{resp: resp, err: se, retryAfter: se.RetryAfter}
}

// received says how much of a body arrived: "512 of 2048 bytes", or "512 bytes" when the length
// was not declared.
func received(n int, declared int64) string {
	if declared >= 0 {
		return fmt.Sprintf("%d of %d bytes", n, declared)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cutJSON reports whether a 2xx body is a JSON document cut short by the connection closing.
// Only a close-delimited body (no Content-Length, not chunked, not compressed) can end early
// without a read error; for those, JSON that stops mid-document means the rest was lost in
// transit. A body whose length the server vouched for is complete: if it is invalid, asking
// again returns the same page, so the caller's decoding reports it as malformed instead.
func cutJSON(resp *http.Response, body []byte) bool {
	if resp.ContentLength >= 0 || resp.Uncompressed || slices.Contains(resp.TransferEncoding, "chunked") {
		return false
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return false
	}
	var se *json.SyntaxError
	err := json.Unmarshal(trimmed, new(json.RawMessage))
	return errors.As(err, &se) && se.Offset >= int64(len(trimmed))
}

// retryAfter is the vendor's wait hint: the first of the headers vendors use that parses.
func (c *Client) retryAfter(h http.Header) time.Duration {
	for _, name := range []string{"Retry-After", "X-RateLimit-Reset", "RateLimit-Reset"} {
		if d, ok := ParseRetryAfter(h.Get(name), c.now()); ok {
			return d
		}
	}
	return 0
}

// vendorMessage pulls a human message out of the common error shapes, trimmed to one line.
func vendorMessage(body []byte) string {
	var probe struct {
		Message string `json:"message"`
		Error   any    `json:"error"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Description string `json:"description"`
	}
	msg := ""
	if json.Unmarshal(body, &probe) == nil {
		switch e := probe.Error.(type) {
		case string:
			msg = e
		case map[string]any:
			if m, ok := e["message"].(string); ok {
				msg = m
			}
		}
		if msg == "" {
			msg = probe.Message
		}
		if msg == "" && len(probe.Errors) > 0 {
			msg = probe.Errors[0].Message
		}
		if msg == "" {
			msg = probe.Description
		}
	} else {
		var arr []struct {
			Message   string `json:"message"`
			ErrorCode string `json:"errorCode"`
		}
		if json.Unmarshal(body, &arr) == nil && len(arr) > 0 { // Salesforce
			msg = strings.TrimSpace(arr[0].ErrorCode + " " + arr[0].Message)
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}
