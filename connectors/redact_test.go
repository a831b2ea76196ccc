package connectors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedactSecrets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"stripe: HTTP 401: Invalid API Key provided: sk_test_********************1234", "stripe: HTTP 401: Invalid API Key provided: [REDACTED]"},
		{"Invalid API Key provided: rk_live_abc123", "Invalid API Key provided: [REDACTED]"},
		{"slack said invalid_auth for xoxb-1234-5678-abcd", "slack said invalid_auth for [REDACTED]"},
		{"upstream echoed Authorization: Bearer abcdefgh12345678", "upstream echoed Authorization: [REDACTED]"},
		{"token hunter2secret in the body", "token [REDACTED] in the body"},
		{"HTTP 404: not found, check base_url", "HTTP 404: not found, check base_url"},
	}
	for _, tc := range tests {
		if got := RedactSecrets(tc.in, "hunter2secret"); got != tc.want {
			t.Errorf("RedactSecrets(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactErrorKeepsTheChain(t *testing.T) {
	base := &StatusError{Status: 401}
	err := RedactError(fmt.Errorf("sync billing: %w: key sk_live_XXXX9999", base))
	if strings.Contains(err.Error(), "sk_live") {
		t.Errorf("message still quotes the key: %s", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 401 {
		t.Error("the StatusError is no longer reachable through the redacted error")
	}
	if RedactError(nil) != nil {
		t.Error("RedactError(nil) != nil")
	}
}
