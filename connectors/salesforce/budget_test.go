package salesforce

import (
	"net/http"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
)

func TestReadLimit(t *testing.T) {
	tests := []struct {
		header string
		want   connectors.Limit
		ok     bool
	}{
		{"api-usage=18/5000", connectors.Limit{Remaining: 4982, Limit: 5000, Window: "24h"}, true},
		{"api-usage=15000/15000; per-app-api-usage=17/250(appName=sample-app)", connectors.Limit{Remaining: 0, Limit: 15000, Window: "24h"}, true},
		{"", connectors.Limit{}, false},
		{"api-usage=abc", connectors.Limit{}, false},
	}
	for _, tt := range tests {
		got, ok := readLimit(http.Header{"Sforce-Limit-Info": {tt.header}})
		if ok != tt.ok || got != tt.want {
			t.Errorf("%q: %+v %v, want %+v %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}
