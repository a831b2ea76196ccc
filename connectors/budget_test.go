package connectors

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Every request sent counts, retries included, and the newest limit the vendor reported wins.
func TestBudgetCountsCallsAndKeepsTheLastLimit(t *testing.T) {
	hdr := func(rem string) map[string]string {
		return map[string]string{"X-RateLimit-Limit": "167", "X-RateLimit-Remaining": rem}
	}
	srv, _ := serve(t, step{500, hdr("166"), ""}, step{200, hdr("165"), `{}`}, step{200, nil, `{}`})
	var waits []time.Duration
	c := testClient(srv, &waits)
	c.Budget = &Budget{}
	c.ReadLimit = HeaderLimit("X-RateLimit-Limit", "X-RateLimit-Remaining", "10s")
	for range 2 {
		if err := c.JSON(context.Background(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Budget.Calls(); got != 3 {
		t.Errorf("calls = %d, want 3 (a retried request counts twice)", got)
	}
	want := Limit{Remaining: 165, Limit: 167, Window: "10s"}
	if l := c.Budget.Limit(); l == nil || *l != want {
		t.Errorf("limit = %v, want %v (a response without the headers keeps the last one)", l, want)
	}
	if got, wantText := c.Budget.Summary(), "3 API calls; 165/167 left this 10 s window"; got != wantText {
		t.Errorf("summary = %q, want %q", got, wantText)
	}
}

func TestBudgetSummary(t *testing.T) {
	tests := []struct {
		calls int
		limit *Limit
		want  string
	}{
		{0, nil, ""},
		{1, nil, "1 API call"},
		{12, &Limit{Remaining: 1234, Limit: 10000, Window: "day"}, "12 API calls; 1234/10000 left today"},
		{5, &Limit{Remaining: 4982, Limit: 5000, Window: "24h"}, "5 API calls; 4982/5000 left in 24 h"},
	}
	for _, tt := range tests {
		if got := BudgetSummary(tt.calls, tt.limit); got != tt.want {
			t.Errorf("BudgetSummary(%d, %v) = %q, want %q", tt.calls, tt.limit, got, tt.want)
		}
	}
}

func TestHeaderLimitIgnoresMissingHeaders(t *testing.T) {
	r := HeaderLimit("X-Rate-Limit", "X-Rate-Limit-Remaining", "minute")
	if _, ok := r(http.Header{"X-Rate-Limit": {"700"}}); ok {
		t.Error("a limit without its remaining count was read")
	}
	if l, ok := r(http.Header{"X-Rate-Limit": {"700"}, "X-Rate-Limit-Remaining": {"699"}}); !ok || l.Remaining != 699 {
		t.Errorf("got %+v %v", l, ok)
	}
}
