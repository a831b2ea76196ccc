package connectors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// CredentialError is a vendor refusing the configured credential on a verification call: 401
// (missing, wrong, expired or revoked) or 403 (valid, but without a permission the connector
// needs). It names the setting to fix, so `advocate doctor` can point at the config line.
type CredentialError struct {
	Vendor  string // the vendor as people name it: "HubSpot"
	Setting string // the config key holding the credential: "token", "api_key"
	Status  int
	Message string // the vendor's own words, redacted
}

func (e *CredentialError) Error() string {
	msg := ""
	if e.Message != "" {
		msg = ": " + e.Message
	}
	if e.Status == http.StatusForbidden {
		return fmt.Sprintf("%s accepted the %s but refused the call (%d%s): it lacks a permission (scope) Advocate needs",
			e.Vendor, e.Setting, e.Status, msg)
	}
	return fmt.Sprintf("%s rejected the %s (%d%s)", e.Vendor, e.Setting, e.Status, msg)
}

// Verify makes one cheap authenticated call through c, the connector's own client (so
// base_url, retries and limits apply), and turns a failure into one line a person can act on:
// a 401 or 403 becomes a *CredentialError naming setting; any other failure keeps the client's
// wording. Every text is redacted of secrets (the credential never appears in the error).
// out, when not nil, receives the decoded JSON answer.
func Verify(ctx context.Context, c *Client, vendor, setting string, r Request, out any, secrets ...string) error {
	err := c.JSON(ctx, r, out)
	if err == nil {
		return nil
	}
	var se *StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		return &CredentialError{Vendor: vendor, Setting: setting, Status: se.Status, Message: RedactSecrets(se.Message, secrets...)}
	}
	return RedactError(err, secrets...)
}
